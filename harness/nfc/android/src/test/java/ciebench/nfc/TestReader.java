package ciebench.nfc;

import static org.junit.Assert.assertNotNull;

import java.io.IOException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A reader-mode session as a test drives it: the callback, tag-removed and error events go into
 * queues the test waits on (events, never sleeps; waits sized for a busy 2-core machine).
 */
final class TestReader implements AutoCloseable {
    static final long WAIT_S = 60;
    /** IsoDep timeout for tests that are not about timeouts: the emulator's RSA on a busy machine. */
    static final int GENEROUS_TIMEOUT_MS = 30_000;

    final BenchNfcAdapter adapter;
    final LinkedBlockingQueue<BenchTag> tags = new LinkedBlockingQueue<>();
    final LinkedBlockingQueue<BenchTag> removed = new LinkedBlockingQueue<>();
    final LinkedBlockingQueue<IOException> errors = new LinkedBlockingQueue<>();
    final LinkedBlockingQueue<String> callbackThreads = new LinkedBlockingQueue<>();
    final LinkedBlockingQueue<Boolean> busy = new LinkedBlockingQueue<>();

    TestReader(BenchNfcAdapter.Options options) {
        options.onTagRemoved(new BenchNfcAdapter.TagRemovedListener() {
            @Override
            public void onTagRemoved(BenchTag tag) {
                removed.add(tag);
            }
        }).onError(new BenchNfcAdapter.ErrorListener() {
            @Override
            public void onBenchError(IOException e) {
                errors.add(e);
            }
        }).onCardBusy(new BenchNfcAdapter.CardBusyListener() {
            @Override
            public void onCardBusy() {
                busy.add(Boolean.TRUE);
            }
        });
        adapter = BenchNfcAdapter.create(options);
        adapter.enableReaderMode(new BenchNfcAdapter.ReaderCallback() {
            @Override
            public void onTagDiscovered(BenchTag tag) {
                callbackThreads.add(Thread.currentThread().getName());
                tags.add(tag);
            }
        });
    }

    static TestReader at(String url) {
        return new TestReader(BenchNfcAdapter.Options.url(url));
    }

    BenchTag nextTag() throws InterruptedException {
        BenchTag t = tags.poll(WAIT_S, TimeUnit.SECONDS);
        assertNotNull("no tag discovered within " + WAIT_S + " s; bench errors: " + errors, t);
        return t;
    }

    /** The next tag as an app uses it: IsoDep.get, a generous timeout, connect. */
    BenchIsoDep nextIsoDep() throws Exception {
        BenchIsoDep iso = BenchIsoDep.get(nextTag());
        iso.setTimeout(GENEROUS_TIMEOUT_MS);
        iso.connect();
        return iso;
    }

    BenchTag nextRemoved() throws InterruptedException {
        BenchTag t = removed.poll(WAIT_S, TimeUnit.SECONDS);
        assertNotNull("no tag-removed event within " + WAIT_S + " s", t);
        return t;
    }

    IOException nextError() throws InterruptedException {
        IOException e = errors.poll(WAIT_S, TimeUnit.SECONDS);
        assertNotNull("no bench error reported within " + WAIT_S + " s", e);
        return e;
    }

    @Override
    public void close() {
        adapter.close();
    }
}
