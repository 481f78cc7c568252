package ciebench.nfc;

/** Upper-case hex without separators, as the protocol writes bytes (PROTOCOL.md §4). */
public final class Hex {
    private static final char[] DIGITS = "0123456789ABCDEF".toCharArray();

    private Hex() {}

    public static String encode(byte[] bytes) {
        char[] out = new char[bytes.length * 2];
        for (int i = 0; i < bytes.length; i++) {
            out[2 * i] = DIGITS[(bytes[i] >> 4) & 0xF];
            out[2 * i + 1] = DIGITS[bytes[i] & 0xF];
        }
        return new String(out);
    }

    /** Decodes hex of either case; spaces are ignored. */
    public static byte[] decode(String hex) {
        String s = hex.replace(" ", "");
        if (s.length() % 2 != 0) throw new IllegalArgumentException("odd number of hex digits: " + hex);
        byte[] out = new byte[s.length() / 2];
        for (int i = 0; i < out.length; i++) {
            int hi = Character.digit(s.charAt(2 * i), 16);
            int lo = Character.digit(s.charAt(2 * i + 1), 16);
            if (hi < 0 || lo < 0) throw new IllegalArgumentException("not hex: " + hex);
            out[i] = (byte) ((hi << 4) | lo);
        }
        return out;
    }
}
