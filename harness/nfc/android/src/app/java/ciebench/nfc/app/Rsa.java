package ciebench.nfc.app;

import java.math.BigInteger;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;

/** Raw RSA, ISO/IEC 9796-2 scheme 1 blocks (SHA-256) and the hashes of device authentication. */
final class Rsa {
    private Rsa() {}

    /** x^exp mod n as |n| big-endian bytes. */
    static byte[] raw(byte[] x, BigInteger exp, BigInteger n) {
        return unsigned(new BigInteger(1, x).modPow(exp, n), length(n));
    }

    static int length(BigInteger n) {
        return (n.bitLength() + 7) / 8;
    }

    /** Big-endian, left-padded (or stripped of a sign byte) to {@code len} bytes. */
    static byte[] unsigned(BigInteger v, int len) {
        byte[] b = v.toByteArray();
        if (b.length == len) return b;
        byte[] out = new byte[len];
        if (b.length > len) System.arraycopy(b, b.length - len, out, 0, len);
        else System.arraycopy(b, 0, out, len - b.length, b.length);
        return out;
    }

    /** 6A ‖ m1 ‖ digest ‖ BC. */
    static byte[] iso9796Block(byte[] m1, byte[] digest) {
        return SecureMessaging.concat(new byte[] {0x6A}, m1, digest, new byte[] {(byte) 0xBC});
    }

    /** [m1, digest] of a recovered block, or null when header or trailer are wrong. */
    static byte[][] openIso9796Block(byte[] block) {
        if (block.length < 35 || block[0] != 0x6A || block[block.length - 1] != (byte) 0xBC) return null;
        return new byte[][] {
            Arrays.copyOfRange(block, 1, block.length - 33), Arrays.copyOfRange(block, block.length - 33, block.length - 1)
        };
    }

    static byte[] sha256(byte[]... parts) {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            for (byte[] p : parts) md.update(p);
            return md.digest();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    static BigInteger hexInt(String hex) {
        return new BigInteger(hex, 16);
    }
}
