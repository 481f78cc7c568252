package ciebench.nfc.app;

import java.util.Arrays;

/** Short command APDUs (ISO/IEC 7816-4 §5.1) and the split of a response into data and SW. */
final class Apdu {
    final int cla;
    final int ins;
    final int p1;
    final int p2;
    final byte[] data;
    /** Expected response length: 0 = no Le, 1..256 (256 is encoded 00). */
    final int ne;

    Apdu(int cla, int ins, int p1, int p2, byte[] data, int ne) {
        if (data.length > 255) throw new IllegalArgumentException("short APDU with " + data.length + " data bytes");
        if (ne < 0 || ne > 256) throw new IllegalArgumentException("Ne " + ne);
        this.cla = cla;
        this.ins = ins;
        this.p1 = p1;
        this.p2 = p2;
        this.data = data;
        this.ne = ne;
    }

    static Apdu of(int cla, int ins, int p1, int p2, byte[] data, int ne) {
        return new Apdu(cla, ins, p1, p2, data == null ? new byte[0] : data, ne);
    }

    byte[] encode() {
        int n = 4 + (data.length > 0 ? 1 + data.length : 0) + (ne > 0 ? 1 : 0);
        byte[] out = new byte[n];
        out[0] = (byte) cla;
        out[1] = (byte) ins;
        out[2] = (byte) p1;
        out[3] = (byte) p2;
        int i = 4;
        if (data.length > 0) {
            out[i++] = (byte) data.length;
            System.arraycopy(data, 0, out, i, data.length);
            i += data.length;
        }
        if (ne > 0) out[i] = (byte) (ne == 256 ? 0 : ne);
        return out;
    }

    /** Response data and status word. */
    static final class Reply {
        final byte[] data;
        final int sw;

        Reply(byte[] data, int sw) {
            this.data = data;
            this.sw = sw;
        }

        static Reply parse(byte[] raw) throws CardException {
            if (raw.length < 2)
                throw new CardException("BAD_RESPONSE", "response of " + raw.length + " byte(s) has no status word");
            int sw = ((raw[raw.length - 2] & 0xFF) << 8) | (raw[raw.length - 1] & 0xFF);
            return new Reply(Arrays.copyOf(raw, raw.length - 2), sw);
        }

        byte[] expectOk(String what) throws CardException {
            if (sw != 0x9000) throw new CardException("UNEXPECTED_SW", what + ": card answered", sw);
            return data;
        }
    }
}
