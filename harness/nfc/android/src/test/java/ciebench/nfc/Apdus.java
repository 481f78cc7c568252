package ciebench.nfc;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;

import java.io.IOException;

/** Command APDUs and checks the tests share. */
final class Apdus {
    private Apdus() {}

    /** SELECT the IAS application by AID, no Le (the Android SDKs' first command). */
    static final byte[] SELECT_IAS = Hex.decode("00A4040C0DA0000000308000000009816001");
    static final byte[] SELECT_UNKNOWN = Hex.decode("00A4040C07A0000000000000");

    static int sw(byte[] rsp) {
        assertTrue("a response has a status word, got " + Hex.encode(rsp), rsp.length >= 2);
        return ((rsp[rsp.length - 2] & 0xFF) << 8) | (rsp[rsp.length - 1] & 0xFF);
    }

    /** A command of exactly {@code length} bytes: SELECT by DF name with filler data (short or extended). */
    static byte[] selectOfLength(int length) {
        byte[] c = new byte[length];
        c[0] = 0x00;
        c[1] = (byte) 0xA4;
        c[2] = 0x04;
        c[3] = 0x0C;
        int data;
        if (length <= 4 + 1 + 255) {
            data = length - 5;
            c[4] = (byte) data;
        } else {
            data = length - 7;
            c[4] = 0;
            c[5] = (byte) (data >> 8);
            c[6] = (byte) data;
        }
        for (int i = length - data; i < length; i++) c[i] = (byte) 0xA0;
        return c;
    }

    /** Asserts that {@code call} throws a tag-lost exception of the platform type with Android's message. */
    static IOException expectTagLost(Call call) throws Exception {
        try {
            call.run();
        } catch (IOException e) {
            assertTrue("expected TagLostException, got " + e, TagLostException.isTagLost(e));
            assertEquals(TagLostException.MESSAGE, e.getMessage());
            return e;
        }
        fail("expected TagLostException");
        return null;
    }

    interface Call {
        void run() throws Exception;
    }
}
