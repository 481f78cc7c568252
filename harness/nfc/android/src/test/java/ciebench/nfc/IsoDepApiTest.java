package ciebench.nfc;

import static org.junit.Assert.assertArrayEquals;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertNotEquals;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;

import java.io.IOException;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Set;
import org.junit.Test;

/**
 * The ISO-DEP properties and the IsoDep life cycle as an app sees them through the adapter
 * (PROTOCOL.md §3.1, §5; android.nfc.tech.IsoDep / BasicTagTechnology).
 */
public class IsoDepApiTest {

    @Test
    public void activationDataOfTheEmulatedCie() throws Exception {
        Bench bench = Bench.get();
        try (TestReader r = TestReader.at(bench.url("fresh"))) {
            BenchTag tag = r.nextTag();
            BenchIsoDep iso = BenchIsoDep.get(tag);
            byte[] uid = tag.getId();
            assertEquals("random UID: 08 ‖ 3 random bytes (ISO/IEC 14443-3 §6.4.4)", 4, uid.length);
            assertEquals(0x08, uid[0] & 0xFF);
            assertArrayEquals(uid, iso.getTagId());
            assertEquals(Arrays.asList("android.nfc.tech.IsoDep", "android.nfc.tech.NfcA"), Arrays.asList(tag.getTechList()));
            // The ATS historical bytes are the card's ATR historical bytes (read from the card object).
            assertArrayEquals(bench.historicalBytes(), iso.getHistoricalBytes());
            Activation a = tag.getActivation();
            byte[] ats = a.getAts();
            assertArrayEquals(bench.historicalBytes(), Arrays.copyOfRange(ats, ats.length - bench.historicalBytes().length, ats.length));
            assertEquals("TL", ats.length, ats[0] & 0xFF);
            assertEquals("SAK bit 20: ISO/IEC 14443-4", 0x20, a.getSak());
            assertArrayEquals(new byte[] {0x04, 0x00}, a.getAtqa());
            assertEquals(256, a.getFsc());
            assertEquals(77.329, a.getFwtMs(), 0.001);
            assertEquals(65546, iso.getMaxTransceiveLength());
            assertTrue(iso.isExtendedLengthApduSupported());
            assertTrue(tag.getCardDescription().startsWith("CIE 3.0"));
        }
    }

    @Test
    public void aFixedUidAndTheReaderLimitsComeFromTheConfiguration() throws Exception {
        String isoDep = "{\"uid\":\"04A1B2C3D4E5F6\",\"maxTransceiveLength\":261,\"extendedLengthSupported\":false}";
        try (TestReader r = new TestReader(BenchNfcAdapter.Options.url(Bench.get().url("fresh")).isoDep(isoDep))) {
            BenchIsoDep iso = r.nextIsoDep();
            assertArrayEquals(Hex.decode("04A1B2C3D4E5F6"), iso.getTagId());
            assertArrayEquals("7-byte UID: ATQA bits 8..7 = 01", new byte[] {0x44, 0x00}, iso.getTag().getActivation().getAtqa());
            assertEquals(261, iso.getMaxTransceiveLength());
            assertFalse(iso.isExtendedLengthApduSupported());
        }
    }

    @Test
    public void everyIsoDepParameterOfTheConfigurationReachesTheApp() throws Exception {
        // PROTOCOL.md §3.1, every key but the reader limits and WTX (FaultsTest): the values a phone
        // would read from another card's anticollision and ATS (ISO/IEC 14443-3 §6, 14443-4 §5.2).
        String isoDep = "{\"uid\":\"0A0B0C0D0E0F10\",\"atqa\":\"4403\",\"sak\":40,\"historicalBytes\":\"80318065\","
                + "\"fsci\":5,\"fsdi\":10,\"fwi\":4,\"sfgi\":3,\"ta1\":119,\"tc1\":0}";
        try (TestReader r = new TestReader(BenchNfcAdapter.Options.url(Bench.get().url("fresh")).isoDep(isoDep))) {
            BenchIsoDep iso = r.nextIsoDep();
            Activation a = iso.getTag().getActivation();
            assertArrayEquals(Hex.decode("0A0B0C0D0E0F10"), iso.getTag().getId());
            assertArrayEquals("NfcA.getAtqa() order as configured", Hex.decode("4403"), a.getAtqa());
            assertEquals(0x28, a.getSak());
            assertArrayEquals(Hex.decode("80318065"), iso.getHistoricalBytes());
            // TL, T0 = 0x70 | FSCI (TA1, TB1, TC1 present), TA1, TB1 = FWI << 4 | SFGI, TC1, T1..Tk.
            assertEquals("ATS", "0975774300" + "80318065", Hex.encode(a.getAts()));
            assertEquals("FSCI 5", 64, a.getFsc());
            assertEquals("FSDI 10", 1024, a.getFsd());
            assertEquals("FWT = 256 · 16 / fc · 2^4", 4096.0 / 13560 * 16, a.getFwtMs(), 1e-3);
            assertEquals("the card still answers", 0x9000, Apdus.sw(iso.transceive(Apdus.SELECT_IAS)));
            // Configured historical bytes stay across taps; the fixed UID too.
            r.adapter.tap();
            BenchIsoDep again = r.nextIsoDep();
            assertArrayEquals(Hex.decode("80318065"), again.getHistoricalBytes());
            assertArrayEquals(Hex.decode("0A0B0C0D0E0F10"), again.getTag().getId());
        }
    }

    @Test
    public void everyTapHasANewRandomUid() throws Exception {
        try (TestReader r = TestReader.at(Bench.get().url("fresh"))) {
            Set<String> uids = new HashSet<>();
            uids.add(Hex.encode(r.nextTag().getId()));
            for (int i = 0; i < 2; i++) {
                r.adapter.tap();
                uids.add(Hex.encode(r.nextTag().getId()));
            }
            // Three draws of 24 random bits: all equal with probability 2^-48.
            assertTrue("UIDs of three taps: " + uids, uids.size() > 1);
        }
    }

    @Test
    public void transceiveReachesTheCard() throws Exception {
        try (TestReader r = TestReader.at(Bench.get().url("fresh"))) {
            BenchIsoDep iso = r.nextIsoDep();
            assertTrue(iso.isConnected());
            assertArrayEquals(Hex.decode("9000"), iso.transceive(Apdus.SELECT_IAS));
            assertEquals(0x6A82, Apdus.sw(iso.transceive(Apdus.SELECT_UNKNOWN)));
            assertEquals(2, iso.getApduCount());
            assertEquals(0, iso.getLastWtxRounds());
        }
    }

    @Test
    public void transceiveNeedsConnect() throws Exception {
        try (TestReader r = TestReader.at(Bench.get().url("fresh"))) {
            BenchIsoDep iso = BenchIsoDep.get(r.nextTag());
            assertFalse(iso.isConnected());
            try {
                iso.transceive(Apdus.SELECT_IAS);
                fail("transceive before connect");
            } catch (IllegalStateException e) {
                assertEquals("Call connect() first!", e.getMessage());
            }
            iso.connect();
            iso.transceive(Apdus.SELECT_IAS);
            iso.close();
            assertFalse(iso.isConnected());
            try {
                iso.transceive(Apdus.SELECT_IAS);
                fail("transceive after close");
            } catch (IllegalStateException e) {
                assertEquals("Call connect() first!", e.getMessage());
            }
            try {
                iso.transceive(null);
                fail("null command");
            } catch (NullPointerException expected) {
                // as Android, which cannot marshal a null array
            }
        }
    }

    @Test
    public void timeoutDefaultsToAospAndCloseResetsIt() throws Exception {
        try (TestReader r = TestReader.at(Bench.get().url("fresh"))) {
            BenchIsoDep iso = BenchIsoDep.get(r.nextTag());
            assertEquals(618, iso.getTimeout());
            iso.setTimeout(4000);
            assertEquals(4000, iso.getTimeout());
            iso.connect();
            iso.close();
            assertEquals("close() resets the timeout", 618, iso.getTimeout());
            try {
                iso.setTimeout(0);
                fail("timeout 0");
            } catch (IllegalArgumentException e) {
                assertEquals("The supplied timeout is not valid", e.getMessage());
            }
        }
    }

    @Test
    public void closeReactivatesTheCardAndTheTagStays() throws Exception {
        try (TestReader r = TestReader.at(Bench.get().url("fresh"))) {
            BenchIsoDep iso = r.nextIsoDep();
            byte[] readNisBySfi = Hex.decode("00B081000C");
            iso.transceive(Apdus.SELECT_IAS);
            iso.transceive(Hex.decode("00A4040C06A00000000039"));
            byte[] nis = iso.transceive(readNisBySfi);
            assertEquals(0x9000, Apdus.sw(nis));
            assertEquals(Bench.get().nis(), new String(Arrays.copyOf(nis, 12), "US-ASCII"));
            iso.close();
            iso.setTimeout(TestReader.GENEROUS_TIMEOUT_MS);
            iso.connect();
            assertTrue("same tag after close()", iso.isConnected());
            assertEquals("a new activation: the bench numbers APDUs from 1 again", 0, iso.getApduCount());
            // The card lost its volatile state (current DF): EF 1001 is not reachable by SFI from the MF.
            assertNotEquals(0x9000, Apdus.sw(iso.transceive(readNisBySfi)));
            assertTrue("no new discovery for a close()", r.tags.isEmpty());
        }
    }

    @Test
    public void anEmptyCommandFailsWithoutLosingTheTag() throws Exception {
        try (TestReader r = TestReader.at(Bench.get().url("fresh"))) {
            BenchIsoDep iso = r.nextIsoDep();
            try {
                iso.transceive(new byte[0]);
                fail("empty command");
            } catch (IOException e) {
                assertFalse(TagLostException.isTagLost(e));
                assertEquals("Transceive failed", e.getMessage());
            }
            assertTrue(iso.isConnected());
            assertEquals(0x9000, Apdus.sw(iso.transceive(Apdus.SELECT_IAS)));
        }
    }
}
