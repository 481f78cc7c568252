package ciebench.nfc;

import static org.junit.Assert.assertArrayEquals;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;

import ciebench.nfc.app.CardException;
import ciebench.nfc.app.CieLogin;
import ciebench.nfc.app.IasClient;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.Signature;
import java.security.cert.X509Certificate;
import org.junit.Test;

/**
 * A complete IAS login driven by a Java client through the adapter, as a CieID app runs it on a
 * phone: NIS, Diffie–Hellman key agreement, device authentication (DAPP), VERIFY PIN, the holder
 * certificate, a signature — verified here with the JCA against the certificate, and the
 * certificate against the bench's TEST holder CA.
 */
public class IasLoginTest {
    private static final byte[] CHALLENGE = "CieID login challenge from the JVM".getBytes(StandardCharsets.UTF_8);

    private static void checkSigned(Bench bench, CieLogin.Result login) throws Exception {
        assertEquals(bench.nis(), login.nis);
        Signature v = Signature.getInstance("SHA256withRSA");
        v.initVerify(login.certificate.getPublicKey());
        v.update(CHALLENGE);
        assertTrue("the card's signature verifies with its EF 1003 certificate", v.verify(login.signature));
        assertEquals(256, login.signature.length);
        X509Certificate ca = bench.holderCa().get(0);
        login.certificate.verify(ca.getPublicKey());
        assertEquals(ca.getSubjectX500Principal(), login.certificate.getIssuerX500Principal());
        // A signature over anything else does not verify: the check above can fail.
        v.initVerify(login.certificate.getPublicKey());
        v.update("another challenge".getBytes(StandardCharsets.UTF_8));
        assertFalse(v.verify(login.signature));
    }

    @Test
    public void aCompleteLoginOnTheDefaultIsoDep() throws Exception {
        Bench bench = Bench.get();
        try (TestReader r = TestReader.at(bench.url("fresh"))) {
            BenchIsoDep iso = r.nextIsoDep();
            CieLogin.Result login = CieLogin.run(iso, bench.pin(), CHALLENGE, Seeds.rng("login-default"));
            checkSigned(bench, login);
            assertEquals("every command the client sent reached the card", login.apdus, iso.getApduCount());
        }
    }

    @Test
    public void aCompleteLoginOnAnAospPhoneWith261BytesAndNoExtendedLength() throws Exception {
        Bench bench = Bench.get();
        BenchNfcAdapter.Options o = BenchNfcAdapter.Options.url(bench.url("fresh"))
                .isoDep("{\"maxTransceiveLength\":261,\"extendedLengthSupported\":false}");
        try (TestReader r = new TestReader(o)) {
            BenchIsoDep iso = r.nextIsoDep();
            assertEquals(261, iso.getMaxTransceiveLength());
            checkSigned(bench, CieLogin.run(iso, bench.pin(), CHALLENGE, Seeds.rng("login-aosp")));
        }
    }

    @Test
    public void aTagLostInTheMiddleOfDappThenATapAgainCompletesTheLogin() throws Exception {
        Bench bench = Bench.get();
        // APDU 17 of the mobile sequence is inside DAPP (after the key agreement).
        try (TestReader r = new TestReader(BenchNfcAdapter.Options.url(bench.url("fresh"))
                .faults("[{\"kind\":\"tag-lost\",\"atApdu\":17}]"))) {
            BenchIsoDep iso = r.nextIsoDep();
            try {
                CieLogin.run(iso, bench.pin(), CHALLENGE, Seeds.rng("login-lost-1"));
                fail("the tag leaves at APDU 17");
            } catch (IOException e) {
                assertTrue(e.toString(), TagLostException.isTagLost(e));
                assertEquals(TagLostException.MESSAGE, e.getMessage());
            }
            assertEquals(17, iso.getApduCount());
            r.adapter.setFaults("[]");
            r.adapter.tap();
            checkSigned(bench, CieLogin.run(r.nextIsoDep(), bench.pin(), CHALLENGE, Seeds.rng("login-lost-2")));
        }
    }

    /** VERIFY with a wrong PIN, the fault planned for exactly that command; then the tries left. */
    private static int triesAfterAFaultOnVerify(String kind) throws Exception {
        Bench bench = Bench.get();
        String wrong = bench.pin().startsWith("0") ? "1" + bench.pin().substring(1) : "0" + bench.pin().substring(1);
        try (TestReader r = TestReader.at(bench.url("fresh"))) {
            BenchIsoDep iso = r.nextIsoDep();
            IasClient card = new IasClient(iso, Seeds.rng("verify-" + kind));
            card.readNis();
            card.openSecureChannel();
            r.adapter.setFaults("[{\"kind\":\"" + kind + "\",\"atApdu\":" + (iso.getApduCount() + 1) + "}]");
            try {
                card.verifyPin(wrong);
                fail("the tag leaves at the VERIFY");
            } catch (IOException e) {
                assertTrue(e.toString(), TagLostException.isTagLost(e));
            }
            r.adapter.setFaults("[]");
            r.adapter.tap();
            IasClient again = new IasClient(r.nextIsoDep(), Seeds.rng("verify-" + kind + "-2"));
            again.readNis();
            again.openSecureChannel();
            int tries = again.pinStatus().triesLeft();
            assertTrue("the right PIN still works", again.verifyPin(bench.pin()).ok());
            return tries;
        }
    }

    @Test
    public void aFieldOffDuringVerifyCostsATryAndATagLostBeforeItDoesNot() throws Exception {
        assertEquals("the card processed the VERIFY before the field went off", 2,
                triesAfterAFaultOnVerify("field-off-mid-command"));
        assertEquals("the VERIFY never reached the card", 3, triesAfterAFaultOnVerify("tag-lost"));
    }

    @Test
    public void aWrongPinIsRefusedWithTheTriesLeft() throws Exception {
        Bench bench = Bench.get();
        String wrong = bench.pin().startsWith("9") ? "8" + bench.pin().substring(1) : "9" + bench.pin().substring(1);
        try (TestReader r = TestReader.at(bench.url("fresh"))) {
            BenchIsoDep iso = r.nextIsoDep();
            try {
                CieLogin.run(iso, wrong, CHALLENGE, Seeds.rng("wrong-pin"));
                fail("wrong PIN");
            } catch (CieLogin.PinRefused e) {
                assertEquals(2, e.status.triesLeft());
                assertEquals(0x63C2, e.getSw());
            }
        }
    }

    @Test
    public void aCorruptedAnswerUnderSecureMessagingIsCaughtByTheMac() throws Exception {
        Bench bench = Bench.get();
        try (TestReader r = TestReader.at(bench.url("fresh"))) {
            BenchIsoDep iso = r.nextIsoDep();
            IasClient card = new IasClient(iso, Seeds.rng("corrupt"));
            card.readNis();
            card.openSecureChannel();
            r.adapter.setFaults("[{\"kind\":\"corrupt-response\",\"atApdu\":" + (iso.getApduCount() + 1) + ",\"mode\":\"flip-bit\"}]");
            try {
                card.verifyPin(bench.pin());
                fail("a flipped bit in a protected answer");
            } catch (CardException e) {
                assertTrue(e.getMessage(), e.getCode().equals("SM_RESPONSE_INVALID") || e.getCode().equals("BAD_RESPONSE"));
            }
            assertTrue("a corrupted answer is not a lost tag", iso.isConnected());
        }
    }

    @Test
    public void theSignatureIsOverTheChallengeTheAppChose() throws Exception {
        Bench bench = Bench.get();
        try (TestReader r = TestReader.at(bench.url("fresh"))) {
            BenchIsoDep iso = r.nextIsoDep();
            IasClient card = new IasClient(iso, Seeds.rng("two-signatures"));
            card.readNis();
            card.openSecureChannel();
            assertTrue(card.verifyPin(bench.pin()).ok());
            X509Certificate cert = CieLogin.parse(card.readCertificate());
            byte[] a = card.sign(IasClient.sha256DigestInfo("first".getBytes(StandardCharsets.UTF_8)));
            byte[] b = card.sign(IasClient.sha256DigestInfo("second".getBytes(StandardCharsets.UTF_8)));
            assertTrue(CieLogin.verifies(cert, "first".getBytes(StandardCharsets.UTF_8), a));
            assertTrue(CieLogin.verifies(cert, "second".getBytes(StandardCharsets.UTF_8), b));
            assertFalse(CieLogin.verifies(cert, "second".getBytes(StandardCharsets.UTF_8), a));
            assertFalse(java.util.Arrays.equals(a, b));
            assertArrayEquals("PKCS#1 v1.5 is deterministic", a,
                    card.sign(IasClient.sha256DigestInfo("first".getBytes(StandardCharsets.UTF_8))));
        }
    }
}
