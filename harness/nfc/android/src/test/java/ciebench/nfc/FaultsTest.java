package ciebench.nfc;

import static org.junit.Assert.assertArrayEquals;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertNotEquals;
import static org.junit.Assert.assertSame;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.junit.Test;

/**
 * Every fault of PROTOCOL.md §3.2 and the reader limits of §3.1, observed through the adapter's
 * API as an app on a phone observes them: the same exception types, at the same moments.
 */
public class FaultsTest {

    private static TestReader reader(String isoDep, String faults) throws Exception {
        BenchNfcAdapter.Options o = BenchNfcAdapter.Options.url(Bench.get().url("fresh"));
        if (isoDep != null) o.isoDep(isoDep);
        if (faults != null) o.faults(faults);
        return new TestReader(o);
    }

    @Test
    public void tagLostAtApduNFailsThatApduAndEveryLaterOne() throws Exception {
        for (int n = 1; n <= 4; n++) {
            try (TestReader r = reader(null, "[{\"kind\":\"tag-lost\",\"atApdu\":" + n + "}]")) {
                final BenchIsoDep iso = r.nextIsoDep();
                for (int i = 1; i < n; i++) assertEquals(0x9000, Apdus.sw(iso.transceive(Apdus.SELECT_IAS)));
                IOException e = Apdus.expectTagLost(new Apdus.Call() {
                    @Override
                    public void run() throws Exception {
                        iso.transceive(Apdus.SELECT_IAS);
                    }
                });
                assertEquals("tag lost before APDU " + n, e.getCause().getMessage());
                assertFalse(iso.isConnected());
                assertFalse(iso.getTag().isPresent());
                assertSame("the app hears the tag left", iso.getTag(), r.nextRemoved());
                // A dead Tag: the next command fails at once, the bench numbers no APDU.
                Apdus.expectTagLost(new Apdus.Call() {
                    @Override
                    public void run() throws Exception {
                        iso.transceive(Apdus.SELECT_IAS);
                    }
                });
                assertEquals(n, iso.getApduCount());
                try {
                    iso.connect();
                    fail("connect on a tag that left");
                } catch (IOException expected) {
                    assertFalse(TagLostException.isTagLost(expected));
                }
                // The user taps again: a new tag, and the card answers (APDUs are numbered per activation).
                r.adapter.setFaults("[]");
                r.adapter.tap();
                BenchIsoDep again = r.nextIsoDep();
                assertEquals(0x9000, Apdus.sw(again.transceive(Apdus.SELECT_IAS)));
            }
        }
    }

    @Test
    public void tagLostAfterMillisecondsIsAnnouncedBetweenCommands() throws Exception {
        try (TestReader r = reader(null, "[{\"kind\":\"tag-lost-after\",\"ms\":300}]")) {
            final BenchIsoDep iso = r.nextIsoDep();
            assertSame(iso.getTag(), r.nextRemoved());
            assertFalse("isConnected() follows the presence check", iso.isConnected());
            IOException e = Apdus.expectTagLost(new Apdus.Call() {
                @Override
                public void run() throws Exception {
                    iso.transceive(Apdus.SELECT_IAS);
                }
            });
            assertTrue(e.getCause().getMessage(), e.getCause().getMessage().contains("300 ms after activation"));
            assertEquals("the command never left the phone", 0, iso.getApduCount());
        }
    }

    @Test
    public void aDelayBeyondTheIsoDepTimeoutIsATagLoss() throws Exception {
        try (TestReader r = reader(null, "[{\"kind\":\"delay\",\"atApdu\":2,\"ms\":5000}]")) {
            final BenchIsoDep iso = r.nextIsoDep();
            assertEquals(0x9000, Apdus.sw(iso.transceive(Apdus.SELECT_IAS)));
            iso.setTimeout(300);
            IOException e = Apdus.expectTagLost(new Apdus.Call() {
                @Override
                public void run() throws Exception {
                    iso.transceive(Apdus.SELECT_IAS);
                }
            });
            assertEquals("no answer within 300 ms (IsoDep timeout)", e.getCause().getMessage());
            assertFalse(iso.isConnected());
            assertSame(iso.getTag(), r.nextRemoved());
            // The late answer of the card is not mistaken for the next one: a new tap works.
            r.adapter.tap();
            BenchIsoDep again = r.nextIsoDep();
            assertEquals(0x6A82, Apdus.sw(again.transceive(Apdus.SELECT_UNKNOWN)));
            assertEquals(0x9000, Apdus.sw(again.transceive(Apdus.SELECT_IAS)));
        }
    }

    @Test
    public void aDelayBeyondTheFrameWaitingTimeWithoutWtxIsATagLoss() throws Exception {
        try (TestReader r = reader("{\"wtx\":false}", "[{\"kind\":\"delay\",\"atApdu\":1,\"ms\":200}]")) {
            final BenchIsoDep iso = r.nextIsoDep();
            IOException e = Apdus.expectTagLost(new Apdus.Call() {
                @Override
                public void run() throws Exception {
                    iso.transceive(Apdus.SELECT_IAS);
                }
            });
            assertTrue(e.getCause().getMessage(), e.getCause().getMessage().startsWith("frame waiting time exceeded"));
            assertFalse(iso.isConnected());
        }
    }

    @Test
    public void aSlowCardWithWtxAnswersWithinTheTimeout() throws Exception {
        // FWI 8: FWT = 0.302 ms · 2^8 = 77.3 ms; 400 ms take ceil((400 − 77.3) / 77.3) = 5 S(WTX).
        try (TestReader r = reader("{\"fwi\":8,\"wtx\":true}", "[{\"kind\":\"delay\",\"atApdu\":1,\"ms\":400}]")) {
            BenchIsoDep iso = r.nextIsoDep();
            assertArrayEquals(Hex.decode("9000"), iso.transceive(Apdus.SELECT_IAS));
            assertEquals(5, iso.getLastWtxRounds());
            assertTrue(iso.isConnected());
        }
    }

    @Test
    public void eachWaitingTimeExtensionLastsWtxmFrameWaitingTimes() throws Exception {
        // WTXM 4: each S(WTX) grants 4 · 77.3 ms; 400 ms take ceil((400 − 77.3) / 309.3) = 2 rounds.
        try (TestReader r = reader("{\"fwi\":8,\"wtxm\":4}", "[{\"kind\":\"delay\",\"atApdu\":1,\"ms\":400}]")) {
            BenchIsoDep iso = r.nextIsoDep();
            assertArrayEquals(Hex.decode("9000"), iso.transceive(Apdus.SELECT_IAS));
            assertEquals(2, iso.getLastWtxRounds());
            assertTrue(iso.isConnected());
        }
    }

    @Test
    public void aDelayWithoutApduNumberSlowsEveryAnswer() throws Exception {
        // 200 ms on every APDU, FWT 77.3 ms: ceil((200 − 77.3) / 77.3) = 2 S(WTX) before each answer.
        try (TestReader r = reader("{\"fwi\":8}", "[{\"kind\":\"delay\",\"ms\":200}]")) {
            BenchIsoDep iso = r.nextIsoDep();
            for (int i = 1; i <= 3; i++) {
                assertEquals(0x9000, Apdus.sw(iso.transceive(Apdus.SELECT_IAS)));
                assertEquals("APDU " + i, 2, iso.getLastWtxRounds());
            }
            assertEquals(3, iso.getApduCount());
            assertTrue(iso.isConnected());
        }
    }

    @Test
    public void closeFromAnotherThreadCancelsABlockedTransceive() throws Exception {
        try (TestReader r = reader(null, "[{\"kind\":\"delay\",\"atApdu\":1,\"ms\":3000}]")) {
            final BenchIsoDep iso = r.nextIsoDep();
            final java.util.concurrent.LinkedBlockingQueue<Object> outcome = new java.util.concurrent.LinkedBlockingQueue<>();
            Thread t = new Thread(new Runnable() {
                @Override
                public void run() {
                    try {
                        outcome.add(iso.transceive(Apdus.SELECT_IAS));
                    } catch (Exception e) {
                        outcome.add(e);
                    }
                }
            });
            t.start();
            long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(TestReader.WAIT_S);
            while (!iso.transceiving() && outcome.isEmpty() && System.nanoTime() < deadline) Thread.yield();
            assertTrue("the transceive is waiting for the slow card", iso.transceiving());
            iso.close();
            Object o = outcome.poll(TestReader.WAIT_S, java.util.concurrent.TimeUnit.SECONDS);
            assertTrue(String.valueOf(o), o instanceof IOException);
            assertFalse("cancelled, not lost", TagLostException.isTagLost((IOException) o));
            assertEquals("Transceive failed", ((IOException) o).getMessage());
            assertEquals("cancelled by close()", ((IOException) o).getCause().getMessage());
            // The tag stays: connect again, the late answer of the cancelled command is not taken for this one.
            iso.setTimeout(TestReader.GENEROUS_TIMEOUT_MS);
            iso.connect();
            assertEquals(0x6A82, Apdus.sw(iso.transceive(Apdus.SELECT_UNKNOWN)));
        }
    }

    @Test
    public void theFieldOffMidCommandLosesTheAnswerAfterTheCardActed() throws Exception {
        try (TestReader r = reader(null, "[{\"kind\":\"field-off-mid-command\",\"atApdu\":2}]")) {
            final BenchIsoDep iso = r.nextIsoDep();
            iso.transceive(Apdus.SELECT_IAS);
            IOException e = Apdus.expectTagLost(new Apdus.Call() {
                @Override
                public void run() throws Exception {
                    iso.transceive(Apdus.SELECT_IAS);
                }
            });
            assertEquals("field off while APDU 2 was being processed", e.getCause().getMessage());
            assertEquals(2, iso.getApduCount());
            assertFalse(iso.isConnected());
        }
    }

    @Test
    public void corruptedAnswersReachTheAppAsTheyAre() throws Exception {
        try (TestReader r = reader(null,
                "[{\"kind\":\"corrupt-response\",\"atApdu\":1,\"mode\":\"flip-bit\"},"
                        + "{\"kind\":\"corrupt-response\",\"atApdu\":2,\"mode\":\"truncate\"}]")) {
            BenchIsoDep iso = r.nextIsoDep();
            byte[] flipped = iso.transceive(Apdus.SELECT_IAS);
            assertEquals(2, flipped.length);
            int diff = ((flipped[0] ^ 0x90) & 0xFF) << 8 | ((flipped[1] ^ 0x00) & 0xFF);
            assertEquals("exactly one bit differs from 9000: " + Hex.encode(flipped), 1, Integer.bitCount(diff));
            assertArrayEquals("9000 cut by its last byte", Hex.decode("90"), iso.transceive(Apdus.SELECT_IAS));
            assertTrue("the card itself is unaffected", iso.isConnected());
            assertArrayEquals(Hex.decode("9000"), iso.transceive(Apdus.SELECT_IAS));
        }
    }

    /** What a run of 24 SELECTs meets under a random plan: the same every time for the same seed. */
    private static List<String> randomRun(String seed) throws Exception {
        String plan = "[{\"kind\":\"random\",\"seed\":\"" + seed + "\",\"tagLost\":0.15,\"fieldOff\":0.1,"
                + "\"corrupt\":0.15,\"delay\":0.2,\"maxDelayMs\":30}]";
        List<String> outcomes = new ArrayList<>();
        try (TestReader r = reader(null, plan)) {
            BenchIsoDep iso = r.nextIsoDep();
            while (outcomes.size() < 24) {
                int n = iso.getApduCount() + 1;
                try {
                    byte[] rsp = iso.transceive(Apdus.SELECT_IAS);
                    outcomes.add(n + ":" + Hex.encode(rsp));
                } catch (IOException e) {
                    assertTrue(e.toString(), TagLostException.isTagLost(e));
                    outcomes.add(n + ":lost(" + e.getCause().getMessage() + ")");
                    r.adapter.tap();
                    iso = r.nextIsoDep();
                }
            }
        }
        return outcomes;
    }

    @Test
    public void aRandomPlanReplaysExactlyWithItsSeed() throws Exception {
        List<String> first = randomRun("android-replay-1");
        assertEquals(first, randomRun("android-replay-1"));
        assertNotEquals(first, randomRun("android-replay-2"));
        assertTrue("the plan produced losses: " + first, first.toString().contains("lost("));
        assertTrue("and answers: " + first, first.toString().contains(":9000"));
    }

    @Test
    public void aPhoneLimitedTo261BytesRefusesLongerCommandsAndKeepsTheTag() throws Exception {
        try (TestReader r = reader("{\"maxTransceiveLength\":261,\"extendedLengthSupported\":false}", null)) {
            BenchIsoDep iso = r.nextIsoDep();
            assertEquals(261, iso.getMaxTransceiveLength());
            assertFalse(iso.isExtendedLengthApduSupported());
            try {
                iso.transceive(Apdus.selectOfLength(262));
                fail("262 bytes on a 261-byte phone");
            } catch (IOException e) {
                assertFalse(TagLostException.isTagLost(e));
                assertEquals("Transceive length exceeds supported maximum", e.getMessage());
            }
            assertEquals("refused before anything was sent", 0, iso.getApduCount());
            assertTrue(iso.isConnected());
            iso.transceive(Apdus.selectOfLength(261));
            assertEquals("261 bytes reached the card", 1, iso.getApduCount());
            assertEquals(0x9000, Apdus.sw(iso.transceive(Apdus.SELECT_IAS)));
        }
    }

    @Test
    public void withoutALimitExtendedCommandsReachTheCard() throws Exception {
        try (TestReader r = reader(null, null)) {
            BenchIsoDep iso = r.nextIsoDep();
            assertTrue(iso.isExtendedLengthApduSupported());
            byte[] rsp = iso.transceive(Apdus.selectOfLength(600));
            assertEquals("the card answered the extended command", 2, rsp.length);
            assertEquals(1, iso.getApduCount());
        }
    }
}
