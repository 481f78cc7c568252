package ciebench.nfc.app;

import ciebench.nfc.IsoDepLike;
import java.io.IOException;
import java.util.Arrays;

/**
 * The APDU layer of an Android CIE client over {@link IsoDepLike} (the bench's ias/README.md §3,
 * §4.2–4.4): plain commands over 255 bytes go out chained (CLA 10); {@code 61xx} is followed by
 * GET RESPONSE and {@code 6Cxx} by the command again with Le = xx; protected commands are cut
 * into 231-byte segments (CLA 1C on all but the last), each wrapped on its own; protected
 * responses are verified when the outer status word is 9000, 6282 or 6B00.
 */
final class IasLink {
    private static final int PLAIN_CHUNK = 255;
    static final int SEGMENT = 231;

    private final IsoDepLike tag;
    /** The secure-messaging session, null while plain. */
    SecureMessaging sm;
    private int exchanges;

    IasLink(IsoDepLike tag) {
        this.tag = tag;
    }

    /** APDUs sent so far (for reports). */
    int exchanges() {
        return exchanges;
    }

    private Apdu.Reply exchange(byte[] command) throws IOException, CardException {
        exchanges++;
        return Apdu.Reply.parse(tag.transceive(command));
    }

    private Apdu.Reply collect(Apdu.Reply first) throws IOException, CardException {
        byte[] data = first.data;
        int sw = first.sw;
        for (int i = 0; (sw >> 8) == 0x61; i++) {
            if (i > 64) throw new CardException("BAD_RESPONSE", "endless 61xx chain");
            Apdu.Reply next = exchange(new byte[] {0x00, (byte) 0xC0, 0x00, 0x00, (byte) sw});
            data = SecureMessaging.concat(data, next.data);
            sw = next.sw;
        }
        return new Apdu.Reply(data, sw);
    }

    /** A plain command; a plain APDU also ends the card's SM session (§5.1 B). */
    Apdu.Reply plain(int cla, int ins, int p1, int p2, byte[] data, int ne) throws IOException, CardException {
        sm = null;
        byte[] d = data == null ? new byte[0] : data;
        int off = 0;
        for (; off + PLAIN_CHUNK < d.length; off += PLAIN_CHUNK) {
            Apdu part = Apdu.of(cla | 0x10, ins, p1, p2, Arrays.copyOfRange(d, off, off + PLAIN_CHUNK), 0);
            Apdu.Reply r = exchange(part.encode());
            if (r.sw != 0x9000) return r;
        }
        Apdu last = Apdu.of(cla, ins, p1, p2, Arrays.copyOfRange(d, off, d.length), ne);
        Apdu.Reply r = exchange(last.encode());
        if ((r.sw >> 8) == 0x6C) {
            int xx = r.sw & 0xFF;
            r = exchange(Apdu.of(cla, ins, p1, p2, last.data, xx == 0 ? 256 : xx).encode());
        }
        return collect(r);
    }

    /** A protected command; the status word returned is the one inside DO 99. */
    Apdu.Reply secured(int ins, int p1, int p2, byte[] data, int ne) throws IOException, CardException {
        if (sm == null) throw new CardException("NO_SECURE_CHANNEL", "protected command without an SM session");
        byte[] d = data == null ? new byte[0] : data;
        int off = 0;
        for (; off + SEGMENT < d.length; off += SEGMENT) {
            Apdu.Reply r = segment(Apdu.of(0x10, ins, p1, p2, Arrays.copyOfRange(d, off, off + SEGMENT), 0));
            if (r.sw != 0x9000) return r;
        }
        return segment(Apdu.of(0x00, ins, p1, p2, Arrays.copyOfRange(d, off, d.length), ne));
    }

    private Apdu.Reply segment(Apdu plain) throws IOException, CardException {
        SecureMessaging session = sm;
        Apdu.Reply r = collect(exchange(session.wrap(plain).encode()));
        if (r.sw != 0x9000 && r.sw != 0x6282 && r.sw != 0x6B00) return r;
        try {
            return session.unwrap(plain.ins, r.data);
        } catch (CardException e) {
            sm = null;
            throw e;
        }
    }

    /** Under SM when a session is open, plain otherwise. */
    Apdu.Reply send(int ins, int p1, int p2, byte[] data, int ne) throws IOException, CardException {
        return sm != null ? secured(ins, p1, p2, data, ne) : plain(0x00, ins, p1, p2, data, ne);
    }
}
