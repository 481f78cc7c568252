package ciebench.nfc.app;

import java.io.ByteArrayOutputStream;
import java.security.GeneralSecurityException;
import java.util.Arrays;
import java.util.List;
import javax.crypto.Cipher;
import javax.crypto.spec.IvParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * IAS secure messaging (the bench's ias/README.md §4.2–4.3; ISO/IEC 7816-4 §6, ICAO 9303-11 §9.8):
 * two-key 3DES-CBC with a zero IV, ISO/IEC 9797-1 padding method 2, retail MAC (MAC algorithm 3),
 * an 8-byte send sequence counter advanced once per command and once per response.
 *
 * <pre>
 *  command   CLA|0C INS P1 P2 Lc [87 L 01‖C | 85 L C] [97 01 Le] 8E 08 MAC 00
 *  response  [87 L 01‖C | 85 L C] 99 02 SW1 SW2 8E 08 MAC
 * </pre>
 */
final class SecureMessaging {
    private final byte[] kEnc;
    private final byte[] kMac;
    private long ssc;

    SecureMessaging(byte[] kEnc, byte[] kMac, long ssc) {
        this.kEnc = kEnc.clone();
        this.kMac = kMac.clone();
        this.ssc = ssc;
    }

    void resetSsc(long value) {
        ssc = value;
    }

    /** Protects one plain command (no more than 231 data bytes: the caller segments). */
    Apdu wrap(Apdu plain) throws CardException {
        ssc++;
        int cla = plain.cla | 0x0C;
        byte[] header = pad(new byte[] {(byte) cla, (byte) plain.ins, (byte) plain.p1, (byte) plain.p2});
        byte[] enc = new byte[0];
        if (plain.data.length > 0) enc = cryptogramDo(plain.ins, encrypt(pad(plain.data)));
        byte[] le = plain.ne > 0 ? Tlv.encode(0x97, new byte[] {(byte) (plain.ne == 256 ? 0 : plain.ne)}) : new byte[0];
        byte[] mac = mac(pad(concat(sscBytes(), header, enc, le)));
        byte[] body = concat(enc, le, Tlv.encode(0x8E, mac));
        return Apdu.of(cla, plain.ins, plain.p1, plain.p2, body, 256);
    }

    /** Verifies and decrypts a protected response body; the status word is the one in DO 99. */
    Apdu.Reply unwrap(int ins, byte[] body) throws CardException {
        ssc++;
        List<Tlv> dos = Tlv.parse(body);
        int i = 0;
        Tlv cryptogram = null;
        if (i < dos.size() && (dos.get(i).tag == 0x87 || dos.get(i).tag == 0x85)) cryptogram = dos.get(i++);
        if (i >= dos.size() || dos.get(i).tag != 0x99 || dos.get(i).value.length != 2)
            throw invalid("DO 99 (processing status) missing");
        Tlv status = dos.get(i++);
        if (i >= dos.size() || dos.get(i).tag != 0x8E) throw invalid("DO 8E missing");
        byte[] mac = dos.get(i++).value;
        if (i != dos.size()) throw invalid("data objects after DO 8E");
        byte[] macInput = concat(sscBytes(), cryptogram == null ? new byte[0] : cryptogram.raw, status.raw);
        if (!Arrays.equals(mac(pad(macInput)), mac)) throw invalid("response MAC mismatch");
        byte[] data = new byte[0];
        if (cryptogram != null) {
            byte[] c = cryptogram.value;
            if (cryptogram.tag == 0x87) {
                if (c.length == 0 || c[0] != 0x01) throw invalid("DO 87 without padding indicator 01");
                c = Arrays.copyOfRange(c, 1, c.length);
            }
            data = unpad(decrypt(c));
        }
        int sw = ((status.value[0] & 0xFF) << 8) | (status.value[1] & 0xFF);
        return new Apdu.Reply(data, sw);
    }

    private static byte[] cryptogramDo(int ins, byte[] c) {
        return (ins & 1) == 1 ? Tlv.encode(0x85, c) : Tlv.encode(0x87, new byte[] {1}, c);
    }

    private byte[] sscBytes() {
        byte[] b = new byte[8];
        for (int k = 0; k < 8; k++) b[k] = (byte) (ssc >>> (56 - 8 * k));
        return b;
    }

    private byte[] encrypt(byte[] padded) throws CardException {
        return des3Cbc(Cipher.ENCRYPT_MODE, padded);
    }

    private byte[] decrypt(byte[] c) throws CardException {
        if (c.length == 0 || c.length % 8 != 0) throw invalid("cryptogram of " + c.length + " bytes");
        return des3Cbc(Cipher.DECRYPT_MODE, c);
    }

    private byte[] des3Cbc(int mode, byte[] in) throws CardException {
        try {
            Cipher c = Cipher.getInstance("DESede/CBC/NoPadding");
            c.init(mode, new SecretKeySpec(key24(kEnc), "DESede"), new IvParameterSpec(new byte[8]));
            return c.doFinal(in);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("3DES unavailable", e);
        }
    }

    /** ISO/IEC 9797-1 MAC algorithm 3: single-DES CBC with K1, then D_K2 and E_K1 on the last block. */
    private byte[] mac(byte[] padded) {
        try {
            Cipher des = Cipher.getInstance("DES/CBC/NoPadding");
            des.init(Cipher.ENCRYPT_MODE, new SecretKeySpec(Arrays.copyOf(kMac, 8), "DES"), new IvParameterSpec(new byte[8]));
            byte[] chain = des.doFinal(padded);
            byte[] h = Arrays.copyOfRange(chain, chain.length - 8, chain.length);
            Cipher k2 = Cipher.getInstance("DES/ECB/NoPadding");
            k2.init(Cipher.DECRYPT_MODE, new SecretKeySpec(Arrays.copyOfRange(kMac, 8, 16), "DES"));
            Cipher k1 = Cipher.getInstance("DES/ECB/NoPadding");
            k1.init(Cipher.ENCRYPT_MODE, new SecretKeySpec(Arrays.copyOf(kMac, 8), "DES"));
            return k1.doFinal(k2.doFinal(h));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("DES unavailable", e);
        }
    }

    private static byte[] key24(byte[] k16) {
        byte[] k = Arrays.copyOf(k16, 24);
        System.arraycopy(k16, 0, k, 16, 8);
        return k;
    }

    static byte[] pad(byte[] data) {
        int n = (data.length / 8 + 1) * 8;
        byte[] out = Arrays.copyOf(data, n);
        out[data.length] = (byte) 0x80;
        return out;
    }

    private static byte[] unpad(byte[] data) throws CardException {
        int i = data.length - 1;
        while (i >= 0 && data[i] == 0) i--;
        if (i < 0 || data[i] != (byte) 0x80) throw invalid("bad padding after decryption");
        return Arrays.copyOf(data, i);
    }

    static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] p : parts) out.write(p, 0, p.length);
        return out.toByteArray();
    }

    private static CardException invalid(String what) {
        return new CardException("SM_RESPONSE_INVALID", "protected response rejected: " + what);
    }
}
