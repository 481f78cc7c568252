package ciebench.nfc;

import static org.junit.Assert.assertArrayEquals;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertNotNull;
import static org.junit.Assert.assertNull;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;

import java.io.IOException;
import java.net.ServerSocket;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.Test;

/**
 * The discovery side, like {@code NfcAdapter.enableReaderMode}: the callback fires when the bench
 * puts a card in the field, on the reader thread; taps, hand-over of a shared card, removal,
 * automatic re-taps, and what the adapter does with an endpoint that misbehaves.
 */
public class ReaderModeTest {
    private static final String HELLO = "{\"type\":\"hello\",\"protocol\":\"ciebench-nfc/1\",\"card\":\"fake\"}";
    private static final String ACTIVATED = "{\"type\":\"activated\",\"uid\":\"08A1B2C3\",\"atqa\":\"0400\",\"sak\":32,"
            + "\"ats\":\"0578800270\",\"historicalBytes\":\"\",\"fsc\":256,\"fsd\":256,\"fwtMs\":77.329,"
            + "\"maxTransceiveLength\":261,\"extendedLengthSupported\":false,\"atr\":\"3B8080010101\"";

    @Test
    public void theCallbackRunsOnTheReaderThreadAndMayDoItsWorkThere() throws Exception {
        final LinkedBlockingQueue<String> answers = new LinkedBlockingQueue<>();
        BenchNfcAdapter adapter = BenchNfcAdapter.create(BenchNfcAdapter.Options.url(Bench.get().url("fresh")));
        try {
            // As the CieID SDK: IsoDep.get, setTimeout, connect and the whole card dialogue in onTagDiscovered.
            adapter.enableReaderMode(new BenchNfcAdapter.ReaderCallback() {
                @Override
                public void onTagDiscovered(BenchTag tag) {
                    try {
                        BenchIsoDep iso = BenchIsoDep.get(tag);
                        iso.setTimeout(TestReader.GENEROUS_TIMEOUT_MS);
                        iso.connect();
                        answers.add(Thread.currentThread().getName() + " " + Hex.encode(iso.transceive(Apdus.SELECT_IAS)));
                        iso.close();
                    } catch (IOException e) {
                        answers.add(e.toString());
                    }
                }
            });
            assertEquals("ciebench-nfc-reader 9000", answers.poll(TestReader.WAIT_S, TimeUnit.SECONDS));
        } finally {
            adapter.close();
        }
    }

    @Test
    public void aTapGivesANewTagAndTheOldOneIsDead() throws Exception {
        try (TestReader r = TestReader.at(Bench.get().url("fresh"))) {
            final BenchIsoDep first = r.nextIsoDep();
            assertEquals(0x9000, Apdus.sw(first.transceive(Apdus.SELECT_IAS)));
            r.adapter.tap();
            BenchIsoDep second = r.nextIsoDep();
            assertFalse(first.isConnected());
            assertFalse(first.getTag().isPresent());
            Apdus.expectTagLost(new Apdus.Call() {
                @Override
                public void run() throws Exception {
                    first.transceive(Apdus.SELECT_IAS);
                }
            });
            assertEquals(0x9000, Apdus.sw(second.transceive(Apdus.SELECT_IAS)));
        }
    }

    @Test
    public void aSharedCardHeldElsewhereIsDiscoveredWhenItIsHandedOver() throws Exception {
        String shared = Bench.get().url("shared");
        TestReader holder = TestReader.at(shared);
        BenchIsoDep held = holder.nextIsoDep();
        assertEquals(0x9000, Apdus.sw(held.transceive(Apdus.SELECT_IAS)));
        try (TestReader waiting = TestReader.at(shared)) {
            // Two refused attempts (close code 4409), and no tag while the card is held.
            assertNotNull(waiting.busy.poll(TestReader.WAIT_S, TimeUnit.SECONDS));
            assertNotNull(waiting.busy.poll(TestReader.WAIT_S, TimeUnit.SECONDS));
            assertNull(waiting.tags.peek());
            assertTrue("busy is not an error", waiting.errors.isEmpty());
            holder.close();
            BenchIsoDep iso = waiting.nextIsoDep();
            assertEquals(0x9000, Apdus.sw(iso.transceive(Apdus.SELECT_IAS)));
        } finally {
            holder.close();
        }
    }

    @Test
    public void theTagIsTappedAgainAutomaticallyAfterALoss() throws Exception {
        try (TestReader r = new TestReader(BenchNfcAdapter.Options.url(Bench.get().url("fresh")).retapAfter(0))) {
            final BenchIsoDep iso = r.nextIsoDep();
            r.adapter.setFaults("[{\"kind\":\"tag-lost\",\"atApdu\":1}]");
            Apdus.expectTagLost(new Apdus.Call() {
                @Override
                public void run() throws Exception {
                    iso.transceive(Apdus.SELECT_IAS);
                }
            });
            r.adapter.setFaults("[]");
            assertEquals(iso.getTag(), r.nextRemoved());
            BenchIsoDep again = r.nextIsoDep();
            assertEquals(0x9000, Apdus.sw(again.transceive(Apdus.SELECT_IAS)));
        }
    }

    @Test
    public void disablingReaderModeEndsTheSession() throws Exception {
        TestReader r = TestReader.at(Bench.get().url("fresh"));
        BenchIsoDep iso = r.nextIsoDep();
        r.adapter.disableReaderMode();
        assertFalse(r.adapter.isReaderModeEnabled());
        assertFalse(iso.isConnected());
        try {
            iso.transceive(Apdus.SELECT_IAS);
            fail("transceive after the reader stopped");
        } catch (BenchConnectionException e) {
            assertFalse("a transport error, not a lost tag", TagLostException.isTagLost(e));
        }
        r.close();
    }

    @Test
    public void aFaultPlanTheBenchRefusesIsReportedAndStopsTheReader() throws Exception {
        try (TestReader r = new TestReader(
                BenchNfcAdapter.Options.url(Bench.get().url("fresh")).faults("[{\"kind\":\"no-such-fault\"}]"))) {
            IOException e = r.nextError();
            assertTrue(e.toString(), e instanceof BenchProtocolException);
            assertEquals("NFC_BAD_MESSAGE", ((BenchProtocolException) e).getCode());
            assertFalse(r.adapter.isReaderModeEnabled());
            assertTrue(r.tags.isEmpty());
        }
        try {
            BenchNfcAdapter.Options.url("http://127.0.0.1:1");
            fail("not a WebSocket URL");
        } catch (IllegalArgumentException expected) {
            // refused at once
        }
        try {
            BenchNfcAdapter.Options.url("ws://127.0.0.1:1").isoDep("[not json");
            fail("isoDep must be a JSON object");
        } catch (IllegalArgumentException expected) {
            // refused at once
        }
    }

    @Test
    public void anUnreachableEndpointIsReportedAndPolledUntilDisabled() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        try (TestReader r = TestReader.at("ws://127.0.0.1:" + port)) {
            IOException e = r.nextError();
            assertTrue(e.toString(), e instanceof BenchConnectionException);
            assertTrue(r.adapter.isReaderModeEnabled());
            r.adapter.disableReaderMode();
            assertFalse(r.adapter.isReaderModeEnabled());
        }
    }

    @Test
    public void anotherProtocolVersionIsRefused() throws Exception {
        try (FakeBench fake = new FakeBench(HELLO.replace("ciebench-nfc/1", "ciebench-nfc/2"), new FakeBench.Script() {
                    @Override
                    public List<String> answer(String m) {
                        return FakeBench.lines();
                    }
                });
                TestReader r = TestReader.at(fake.url())) {
            IOException e = r.nextError();
            assertTrue(e.getMessage(), e.getMessage().contains("ciebench-nfc/2"));
            assertEquals("the adapter closes with 1002 (protocol error)", Integer.valueOf(1002),
                    fake.closeCodes.poll(TestReader.WAIT_S, TimeUnit.SECONDS));
            assertTrue(r.tags.isEmpty());
        }
    }

    @Test
    public void aMalformedActivationIsAProtocolErrorNotATag() throws Exception {
        try (FakeBench fake = new FakeBench(HELLO, new FakeBench.Script() {
                    @Override
                    public List<String> answer(String m) {
                        return m.contains("\"field\"") ? FakeBench.lines(ACTIVATED.replace("\"sak\":32", "\"sak\":\"32\"") + "}")
                                : FakeBench.lines();
                    }
                });
                TestReader r = TestReader.at(fake.url())) {
            IOException e = r.nextError();
            assertTrue(e.getMessage(), e.getMessage().contains("'sak' is not a number"));
            assertEquals(Integer.valueOf(1002), fake.closeCodes.poll(TestReader.WAIT_S, TimeUnit.SECONDS));
            assertTrue(r.tags.isEmpty());
        }
    }

    @Test
    public void unknownMessagesAndKeysAreIgnored() throws Exception {
        try (FakeBench fake = new FakeBench(HELLO.replace("}", ",\"future\":[1,{\"a\":2}]}"), new FakeBench.Script() {
                    @Override
                    public List<String> answer(String m) {
                        return m.contains("\"on\":true")
                                ? FakeBench.lines("{\"type\":\"something-new\",\"x\":{\"y\":[]}}", ACTIVATED + ",\"newKey\":{\"z\":1}}")
                                : FakeBench.lines("{\"type\":\"field-off\"}");
                    }
                });
                TestReader r = TestReader.at(fake.url())) {
            BenchIsoDep iso = r.nextIsoDep();
            assertArrayEquals(Hex.decode("08A1B2C3"), iso.getTagId());
            assertEquals(261, iso.getMaxTransceiveLength());
            assertArrayEquals(new byte[0], iso.getHistoricalBytes());
            assertArrayEquals(Hex.decode("9000"), iso.transceive(Apdus.SELECT_IAS));
            assertTrue(r.errors.toString(), r.errors.isEmpty());
        }
    }

    @Test
    public void theBenchsRefusalsOfACommandMapToWhatAndroidThrows() throws Exception {
        final String[] errors = {
            "{\"type\":\"error\",\"code\":\"NFC_BUSY\",\"message\":\"busy\",\"seq\":1}",
            "{\"type\":\"error\",\"code\":\"NFC_TRANSCEIVE_TOO_LONG\",\"message\":\"too long\",\"seq\":2}",
            "{\"type\":\"error\",\"code\":\"NFC_FIELD_OFF\",\"message\":\"no field\",\"seq\":3}",
        };
        try (FakeBench fake = new FakeBench(HELLO, new FakeBench.Script() {
                    @Override
                    public List<String> answer(String m) {
                        return m.contains("\"on\":true") ? FakeBench.lines(ACTIVATED + "}") : FakeBench.lines();
                    }

                    @Override
                    public List<String> answerApdu(int n) {
                        return n <= errors.length ? FakeBench.lines(errors[n - 1]) : null;
                    }
                });
                TestReader r = TestReader.at(fake.url())) {
            final BenchIsoDep iso = r.nextIsoDep();
            try {
                iso.transceive(Apdus.SELECT_IAS);
                fail("NFC_BUSY");
            } catch (IOException e) {
                assertFalse(TagLostException.isTagLost(e));
                assertEquals("Transceive failed", e.getMessage());
                assertEquals("NFC_BUSY", ((BenchProtocolException) e.getCause()).getCode());
            }
            try {
                iso.transceive(Apdus.SELECT_IAS);
                fail("NFC_TRANSCEIVE_TOO_LONG");
            } catch (IOException e) {
                assertFalse(TagLostException.isTagLost(e));
                assertEquals("Transceive length exceeds supported maximum", e.getMessage());
            }
            Apdus.expectTagLost(new Apdus.Call() {
                @Override
                public void run() throws Exception {
                    iso.transceive(Apdus.SELECT_IAS);
                }
            });
            assertFalse(iso.isConnected());
        }
    }

    @Test
    public void notJsonIsAProtocolError() throws Exception {
        try (FakeBench fake = new FakeBench(HELLO, new FakeBench.Script() {
                    @Override
                    public List<String> answer(String m) {
                        return FakeBench.lines("this is not JSON");
                    }
                });
                TestReader r = TestReader.at(fake.url())) {
            IOException e = r.nextError();
            assertTrue(e.getMessage(), e.getMessage().contains("not a JSON object"));
            assertTrue(r.tags.isEmpty());
        }
    }
}
