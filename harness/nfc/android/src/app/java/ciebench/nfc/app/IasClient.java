package ciebench.nfc.app;

import ciebench.nfc.IsoDepLike;
import java.io.IOException;
import java.math.BigInteger;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.List;

/**
 * A CIE client as an Android app runs it over {@code IsoDep} (the bench's ias/README.md §8.1, the
 * mobile command order; the byte layouts of §2.4, §4 and §5.3): NIS, key agreement (Diffie–Hellman
 * with the card's group), device authentication (DAPP), VERIFY PIN, the holder certificate, and
 * signatures with the holder key. Everything the card returns is checked; randomness comes from
 * the injected generator.
 */
public final class IasClient {
    static final byte[] IAS_AID = ciebench.nfc.Hex.decode("A0000000308000000009816001");
    static final byte[] DF_CIE_AID = ciebench.nfc.Hex.decode("A00000000039");
    private static final byte[] DIGEST_INFO_SHA256 =
            ciebench.nfc.Hex.decode("3031300D060960864801650304020105000420");

    private final IasLink link;
    private final SecureRandom rng;
    private byte[] g, p, q;
    private BigInteger iccAuthN, iccAuthE;
    private BigInteger caN, caE;
    private byte[] caChr, caCha;
    private byte[] ifdPublic, iccPublic;

    public IasClient(IsoDepLike tag, SecureRandom rng) {
        this.link = new IasLink(tag);
        this.rng = rng;
    }

    /** APDUs sent so far. */
    public int apdus() {
        return link.exchanges();
    }

    /** §8.1 step 1: SELECT IAS, DF_CIE, EF 1001 and READ BINARY: the 12-digit NIS. */
    public String readNis() throws IOException, CardException {
        link.plain(0x00, 0xA4, 0x04, 0x0C, IAS_AID, 0).expectOk("SELECT IAS");
        link.plain(0x00, 0xA4, 0x04, 0x04, DF_CIE_AID, 0).expectOk("SELECT DF_CIE");
        link.plain(0x00, 0xA4, 0x02, 0x04, new byte[] {0x10, 0x01}, 0).expectOk("SELECT 1001");
        byte[] nis = link.plain(0x00, 0xB0, 0x00, 0x00, null, 0x0C).expectOk("READ BINARY 1001");
        String s = new String(nis, java.nio.charset.StandardCharsets.US_ASCII);
        if (!s.matches("[0-9]{12}")) throw new CardException("BAD_FILE", "NIS is not 12 ASCII digits: " + s);
        return s;
    }

    /** §8.1 steps 2–7: DH parameters, EF 1004, CA key, key agreement, DAPP; SM is on afterwards. */
    public void openSecureChannel() throws IOException, CardException {
        link.plain(0x00, 0xA4, 0x04, 0x0C, IAS_AID, 0).expectOk("SELECT IAS");
        link.plain(0x00, 0xA4, 0x04, 0x0C, DF_CIE_AID, 0).expectOk("SELECT DF_CIE");
        g = dhParameter(0x97);
        p = dhParameter(0x98);
        q = dhParameter(0x99);
        readIccAuthKey();
        readCaKey();
        keyAgreement();
        dapp();
    }

    private byte[] dhParameter(int tag) throws IOException, CardException {
        byte[] ask = {0x4D, 0x0A, 0x70, 0x08, (byte) 0xBF, (byte) 0xA1, 0x01, 0x04, (byte) 0xA3, 0x02, (byte) tag, 0x00};
        byte[] rsp = link.plain(0x00, 0xCB, 0x3F, 0xFF, ask, 0).expectOk("GET DATA DH " + Integer.toHexString(tag));
        Tlv t = Tlv.find(Tlv.parse(rsp), 0x70, 0xBFA101, 0xA3, tag);
        if (t == null) throw new CardException("BAD_RESPONSE", "DH parameter " + Integer.toHexString(tag) + " not in 70/BFA101/A3");
        return t.value;
    }

    private void readIccAuthKey() throws IOException, CardException {
        byte[] file = readEf(0x1004);
        List<Tlv> key = Tlv.parse(Arrays.copyOf(file, Tlv.derLength(file)));
        if (key.size() != 1 || key.get(0).tag != 0x30 || key.get(0).children.size() != 2)
            throw new CardException("BAD_FILE", "EF 1004 is not an RSAPublicKey");
        iccAuthN = new BigInteger(1, key.get(0).children.get(0).value);
        iccAuthE = new BigInteger(1, key.get(0).children.get(1).value);
    }

    private void readCaKey() throws IOException, CardException {
        byte[] ask = {0x4D, 0x09, 0x70, 0x07, (byte) 0xBF, (byte) 0xA0, 0x04, 0x03, 0x7F, 0x49, (byte) 0x80};
        byte[] rsp = link.plain(0x00, 0xCB, 0x3F, 0xFF, ask, 0).expectOk("GET DATA 7F49");
        Tlv key = Tlv.find(Tlv.parse(rsp), 0x70, 0xBFA004, 0x7F49);
        if (key == null || key.children.size() != 4 || key.children.get(0).tag != 0x81 || key.children.get(1).tag != 0x82
                || key.children.get(2).tag != 0x5F20 || key.children.get(3).tag != 0x5F4C)
            throw new CardException("BAD_RESPONSE", "7F49 must hold 81, 82, 5F20, 5F4C in this order");
        caN = new BigInteger(1, key.children.get(0).value);
        caE = new BigInteger(1, key.children.get(1).value);
        caChr = key.children.get(2).value;
        caCha = key.children.get(3).value;
        if (caChr.length != 12 || caCha.length != 7)
            throw new CardException("BAD_RESPONSE", "CHR must be 12 bytes and CHA 7");
    }

    /** §4.1: MSE SET KAT (plain, chained) + GET DATA A6 91; SHA-256 KDF, 2-key 3DES, SSC = 1. */
    private void keyAgreement() throws IOException, CardException {
        BigInteger pn = new BigInteger(1, p);
        BigInteger qn = new BigInteger(1, q);
        if (g.length != p.length) throw new CardException("BAD_DH_PARAMETERS", "g is not |p| bytes");
        BigInteger x;
        do {
            byte[] b = new byte[q.length];
            rng.nextBytes(b);
            x = new BigInteger(1, b);
        } while (x.compareTo(BigInteger.ONE) <= 0 || x.compareTo(qn) >= 0);
        ifdPublic = Rsa.unsigned(new BigInteger(1, g).modPow(x, pn), p.length);
        byte[] kat = SecureMessaging.concat(new byte[] {(byte) 0x80, 0x01, (byte) 0x9B, (byte) 0x83, 0x01, (byte) 0x81},
                Tlv.encode(0x91, ifdPublic));
        link.plain(0x00, 0x22, 0x41, 0xA6, kat, 0).expectOk("MSE SET KAT");
        byte[] rsp = link.plain(0x00, 0xCB, 0x3F, 0xFF, new byte[] {0x4D, 0x04, (byte) 0xA6, 0x02, (byte) 0x91, 0x00}, 0)
                .expectOk("GET DATA A6 91");
        Tlv icc = Tlv.find(Tlv.parse(rsp), 0xA6, 0x91);
        if (icc == null || icc.value.length != p.length)
            throw new CardException("BAD_DH_PUBLIC", "card DH public key missing or not |p| bytes");
        BigInteger y = new BigInteger(1, icc.value);
        if (y.compareTo(BigInteger.ONE) <= 0 || y.compareTo(pn.subtract(BigInteger.ONE)) >= 0)
            throw new CardException("BAD_DH_PUBLIC", "card DH public key outside 2..p-2");
        iccPublic = icc.value;
        byte[] k = Rsa.unsigned(y.modPow(x, pn), p.length);
        byte[] kEnc = Arrays.copyOf(Rsa.sha256(k, new byte[] {0, 0, 0, 1}), 16);
        byte[] kMac = Arrays.copyOf(Rsa.sha256(k, new byte[] {0, 0, 0, 2}), 16);
        link.sm = new SecureMessaging(kEnc, kMac, 1);
    }

    /** §5.3: terminal certificate, EXTERNAL AUTHENTICATE, INTERNAL AUTHENTICATE checked, SSC re-seeded. */
    private void dapp() throws IOException, CardException {
        byte[] cert = terminalCertificate();
        secured("MSE SET DST", 0x22, 0x81, 0xB6, new byte[] {(byte) 0x80, 0x01, 0x41, (byte) 0x83, 0x01, (byte) 0x84}, 0);
        secured("PSO VERIFY CERTIFICATE", 0x2A, 0x00, 0xAE, cert, 0);
        secured("MSE SET AT (CHR)", 0x22, 0x81, 0xA4, Tlv.encode(0x83, TerminalKeys.CHR_IFD), 0);
        byte[] rndIcc = secured("GET CHALLENGE", 0x84, 0x00, 0x00, null, 8);
        if (rndIcc.length != 8) throw new CardException("BAD_RESPONSE", "challenge of " + rndIcc.length + " bytes");
        int kIfd = Rsa.length(TerminalKeys.TERMINAL_N);
        byte[] prnd = random(kIfd - 34);
        byte[] h = Rsa.sha256(prnd, ifdPublic, TerminalKeys.SN_IFD, rndIcc, iccPublic, g, p, q);
        byte[] sig = Rsa.raw(Rsa.iso9796Block(prnd, h), TerminalKeys.TERMINAL_D, TerminalKeys.TERMINAL_N);
        secured("EXTERNAL AUTHENTICATE", 0x82, 0x00, 0x00, SecureMessaging.concat(TerminalKeys.SN_IFD, sig), 0);
        secured("MSE SET AT (key 82)", 0x22, 0x41, 0xA4, new byte[] {(byte) 0x84, 0x01, (byte) 0x82, (byte) 0x80, 0x01, (byte) 0x9B}, 0);
        byte[] rndIfd = random(8);
        byte[] rsp = secured("INTERNAL AUTHENTICATE", 0x88, 0x00, 0x00, rndIfd, 0);
        int kIcc = Rsa.length(iccAuthN);
        if (rsp.length != 8 + kIcc)
            throw new CardException("BAD_RESPONSE", "INTERNAL AUTHENTICATE returned " + rsp.length + " bytes, expected " + (8 + kIcc));
        byte[] snIcc = Arrays.copyOf(rsp, 8);
        byte[][] opened = Rsa.openIso9796Block(Rsa.raw(Arrays.copyOfRange(rsp, 8, rsp.length), iccAuthE, iccAuthN));
        if (opened == null) throw new CardException("DAPP_SIGNATURE_INVALID", "card signature does not open to 6A…BC with EF 1004");
        byte[] h2 = Rsa.sha256(opened[0], iccPublic, snIcc, rndIfd, ifdPublic, g, p, q);
        if (!Arrays.equals(h2, opened[1])) throw new CardException("DAPP_SIGNATURE_INVALID", "card signature hash mismatch");
        long ssc = 0;
        for (int i = 4; i < 8; i++) ssc = (ssc << 8) | (rndIcc[i] & 0xFF);
        for (int i = 4; i < 8; i++) ssc = (ssc << 8) | (rndIfd[i] & 0xFF);
        link.sm.resetSsc(ssc);
    }

    /** §5.3 step 1: 7F21 { 5F37 SIG, 5F38 remainder, 42 CAR }, ISO/IEC 9796-2 scheme 1 with the CA key. */
    private byte[] terminalCertificate() {
        int k = Rsa.length(caN);
        byte[] car = Arrays.copyOfRange(caChr, 4, 12);
        byte[] cha = SecureMessaging.concat(Arrays.copyOf(caCha, 6), new byte[] {TerminalKeys.CHA_ROLE});
        byte[] body = SecureMessaging.concat(new byte[] {TerminalKeys.CPI}, car, TerminalKeys.CHR_IFD, cha, TerminalKeys.CERT_OID,
                Rsa.unsigned(TerminalKeys.TERMINAL_N, Rsa.length(TerminalKeys.TERMINAL_N)),
                Rsa.unsigned(TerminalKeys.TERMINAL_E, 4));
        int split = k - 34;
        byte[] sig = Rsa.raw(Rsa.iso9796Block(Arrays.copyOf(body, split), Rsa.sha256(body)), TerminalKeys.CA_PRIVATE_EXPONENT, caN);
        return Tlv.encode(0x7F21, Tlv.encode(0x5F37, sig), Tlv.encode(0x5F38, Arrays.copyOfRange(body, split, body.length)),
                Tlv.encode(0x42, car));
    }

    /** §5.4: VERIFY PIN under SM, eight ASCII digits. */
    public PinStatus verifyPin(String pin) throws IOException, CardException {
        if (!pin.matches("[0-9]{8}")) throw new IllegalArgumentException("the PIN has 8 digits");
        Apdu.Reply r = link.secured(0x20, 0x00, 0x81, pin.getBytes(java.nio.charset.StandardCharsets.US_ASCII), 0);
        return PinStatus.of(r.sw);
    }

    /** VERIFY without data: tries left, without consuming one (ISO/IEC 7816-4 §7.5.6). */
    public PinStatus pinStatus() throws IOException, CardException {
        return PinStatus.of(link.secured(0x20, 0x00, 0x81, null, 0).sw);
    }

    /** §8.1 step 9: EF 1003 under SM, trailing zeros removed: the holder certificate (DER). */
    public byte[] readCertificate() throws IOException, CardException {
        byte[] file = readEf(0x1003);
        return Arrays.copyOf(file, Tlv.derLength(file));
    }

    /** §7: MSE SET AT key 81 (algorithm 02) + INTERNAL AUTHENTICATE: PKCS#1 v1.5 over {@code digestInfo}. */
    public byte[] sign(byte[] digestInfo) throws IOException, CardException {
        if (link.sm == null) throw new CardException("STATE", "signing needs the secure channel");
        secured("MSE SET AT (key 81)", 0x22, 0x41, 0xA4, new byte[] {(byte) 0x80, 0x01, 0x02, (byte) 0x84, 0x01, (byte) 0x81}, 0);
        return secured("INTERNAL AUTHENTICATE (sign)", 0x88, 0x00, 0x00, digestInfo, 0);
    }

    /** DigestInfo(SHA-256(message)), what the mobile flows sign (§7). */
    public static byte[] sha256DigestInfo(byte[] message) {
        return SecureMessaging.concat(DIGEST_INFO_SHA256, Rsa.sha256(message));
    }

    /** SELECT EF (P2 04) + READ BINARY with Le 00 until 6282, 6B00 or an empty answer. */
    private byte[] readEf(int fid) throws IOException, CardException {
        String name = String.format("%04X", fid);
        link.send(0xA4, 0x02, 0x04, new byte[] {(byte) (fid >> 8), (byte) fid}, 0).expectOk("SELECT " + name);
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        for (int offset = 0; offset <= 0x7FFF;) {
            Apdu.Reply r = link.send(0xB0, offset >> 8, offset & 0xFF, null, 256);
            if (r.sw == 0x6B00 && offset > 0) break;
            if (r.sw != 0x9000 && r.sw != 0x6282)
                throw new CardException("UNEXPECTED_SW", "READ BINARY " + name + " at " + offset, r.sw);
            out.write(r.data, 0, r.data.length);
            offset += r.data.length;
            if (r.sw == 0x6282 || r.data.length == 0) break;
        }
        return out.toByteArray();
    }

    private byte[] secured(String what, int ins, int p1, int p2, byte[] data, int ne) throws IOException, CardException {
        return link.secured(ins, p1, p2, data, ne).expectOk(what);
    }

    private byte[] random(int n) {
        byte[] b = new byte[n];
        rng.nextBytes(b);
        return b;
    }

    /** What VERIFY answered (§6). */
    public static final class PinStatus {
        public final int sw;

        private PinStatus(int sw) {
            this.sw = sw;
        }

        static PinStatus of(int sw) throws CardException {
            if (sw == 0x9000 || sw == 0x6983 || (sw & 0xFFF0) == 0x63C0) return new PinStatus(sw);
            throw new CardException("UNEXPECTED_SW", "VERIFY answered", sw);
        }

        public boolean ok() {
            return sw == 0x9000;
        }

        public boolean blocked() {
            return sw == 0x6983;
        }

        /** Tries left after a wrong PIN (63Cx), -1 otherwise. */
        public int triesLeft() {
            return (sw & 0xFFF0) == 0x63C0 ? sw & 0x0F : -1;
        }

        @Override
        public String toString() {
            return ok() ? "verified" : blocked() ? "blocked (6983)" : "wrong, " + triesLeft() + " tries left";
        }
    }
}
