package ciebench.nfc.app;

import ciebench.nfc.IsoDepLike;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;

/**
 * The card step of a CieID login on one tag: NIS, secure channel, VERIFY PIN, holder certificate,
 * signature of DigestInfo(SHA-256(challenge)) — checked with the certificate's key by the JCA
 * ({@code SHA256withRSA}, RFC 8017 §8.2), as the identity provider checks it.
 */
public final class CieLogin {
    private CieLogin() {}

    /** What the card gave. */
    public static final class Result {
        public final String nis;
        public final X509Certificate certificate;
        public final byte[] certificateDer;
        public final byte[] signature;
        public final int apdus;

        Result(String nis, X509Certificate certificate, byte[] certificateDer, byte[] signature, int apdus) {
            this.nis = nis;
            this.certificate = certificate;
            this.certificateDer = certificateDer;
            this.signature = signature;
            this.apdus = apdus;
        }
    }

    /** A wrong PIN (tries left in the status) or a blocked one. */
    public static final class PinRefused extends CardException {
        private static final long serialVersionUID = 1L;
        public final IasClient.PinStatus status;

        PinRefused(IasClient.PinStatus status) {
            super(status.blocked() ? "PIN_BLOCKED" : "PIN_WRONG", "PIN refused: " + status, status.sw);
            this.status = status;
        }
    }

    /**
     * Runs the whole card step. {@code tag} must be connected; {@code challenge} is what the
     * identity provider asked to sign.
     */
    public static Result run(IsoDepLike tag, String pin, byte[] challenge, SecureRandom rng)
            throws IOException, CardException {
        IasClient card = new IasClient(tag, rng);
        String nis = card.readNis();
        card.openSecureChannel();
        IasClient.PinStatus status = card.verifyPin(pin);
        if (!status.ok()) throw new PinRefused(status);
        byte[] der = card.readCertificate();
        X509Certificate cert = parse(der);
        byte[] signature = card.sign(IasClient.sha256DigestInfo(challenge));
        if (!verifies(cert, challenge, signature))
            throw new CardException("SIGNATURE_INVALID", "the signature does not verify with the EF 1003 certificate");
        return new Result(nis, cert, der, signature, card.apdus());
    }

    public static X509Certificate parse(byte[] der) throws CardException {
        try {
            return (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(new ByteArrayInputStream(der));
        } catch (GeneralSecurityException e) {
            throw new CardException("BAD_FILE", "EF 1003 is not an X.509 certificate: " + e.getMessage());
        }
    }

    /** RSASSA-PKCS1-v1_5 with SHA-256 over {@code message}, checked with the certificate's key. */
    public static boolean verifies(X509Certificate cert, byte[] message, byte[] signature) {
        try {
            Signature v = Signature.getInstance("SHA256withRSA");
            v.initVerify(cert.getPublicKey());
            v.update(message);
            return v.verify(signature);
        } catch (GeneralSecurityException e) {
            return false;
        }
    }
}
