package ciebench.nfc;

import java.io.Closeable;
import java.io.IOException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import okhttp3.OkHttpClient;

/**
 * The bench's {@code NfcAdapter} in reader mode: {@link #enableReaderMode} starts polling the
 * bench's NFC endpoint and calls {@link ReaderCallback#onTagDiscovered} — on the adapter's reader
 * thread, as Android calls it on a binder thread — each time a card enters the field:
 *
 * <ul>
 *   <li>when the endpoint hands the card over (a shared card held by another session, close code
 *       4409, is polled until it is free, the way a phone polls until a card is presented);
 *   <li>after {@link #tap()}: the card leaves and enters the field again (a new activation, a
 *       new random UID; the previous {@link BenchTag} is dead);
 *   <li>{@link Options#retapAfter} ms after the tag was lost, when that option is set (the user
 *       taps again).
 * </ul>
 *
 * A lost tag is reported to {@link Options#onTagRemoved} (Android: {@code OnTagRemovedListener}).
 * Errors of the bench connection go to {@link Options#onError}; a refused configuration or fault
 * plan stops the reader, anything else is retried at the poll interval.
 */
public final class BenchNfcAdapter implements Closeable, BenchSession.Events {
    private static final String FIELD_ON = "{\"type\":\"field\",\"on\":true}";
    private static final String FIELD_OFF = "{\"type\":\"field\",\"on\":false}";

    /** {@code NfcAdapter.ReaderCallback}. */
    public interface ReaderCallback {
        void onTagDiscovered(BenchTag tag);
    }

    /** {@code NfcAdapter.OnTagRemovedListener}. */
    public interface TagRemovedListener {
        void onTagRemoved(BenchTag tag);
    }

    /** A failure of the connection to the bench (not something a phone reports). */
    public interface ErrorListener {
        void onBenchError(IOException e);
    }

    /** The shared card is held by another session (close code 4409); the reader polls on. */
    public interface CardBusyListener {
        void onCardBusy();
    }

    private final Options options;
    private final OkHttpClient client;
    private final LinkedBlockingQueue<Command> commands = new LinkedBlockingQueue<>();
    private volatile Thread reader;
    private volatile boolean enabled;
    private volatile BenchSession session;
    private volatile BenchTag current;
    private int removedEpoch = -1;
    private String lastError;

    private BenchNfcAdapter(Options options) {
        this.options = options;
        this.client = new OkHttpClient.Builder()
                .connectTimeout(options.answerTimeoutMs, TimeUnit.MILLISECONDS)
                .readTimeout(0, TimeUnit.MILLISECONDS)
                .writeTimeout(options.answerTimeoutMs, TimeUnit.MILLISECONDS)
                .build();
    }

    public static BenchNfcAdapter create(Options options) {
        return new BenchNfcAdapter(options);
    }

    Options options() {
        return options;
    }

    /** Starts polling; replaces an earlier callback. */
    public synchronized void enableReaderMode(final ReaderCallback callback) {
        if (callback == null) throw new NullPointerException("callback");
        disableReaderMode();
        commands.clear();
        enabled = true;
        Thread t = new Thread(new Runnable() {
            @Override
            public void run() {
                poll(callback);
            }
        }, "ciebench-nfc-reader");
        t.setDaemon(true);
        reader = t;
        t.start();
    }

    /**
     * Stops polling and takes the card out of the field (field off, connection closed). Waits for
     * the reader thread unless called from it (from inside the callback).
     */
    public synchronized void disableReaderMode() {
        Thread t = reader;
        if (t == null) return;
        enabled = false;
        commands.add(Command.STOP);
        reader = null;
        if (t == Thread.currentThread()) return;
        try {
            t.join(options.answerTimeoutMs + 5000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Whether the reader polls (false after {@link #disableReaderMode()} or a refused configuration). */
    public boolean isReaderModeEnabled() {
        return enabled;
    }

    /** The user taps again: the card leaves and re-enters the field; the callback fires. */
    public void tap() {
        commands.add(Command.TAP);
    }

    /**
     * Replaces the fault plan of the current session (PROTOCOL.md §3.2), from the next APDU on.
     *
     * @param faultsJson a JSON array of faults, e.g. {@code [{"kind":"tag-lost","atApdu":3}]}
     */
    public void setFaults(String faultsJson) throws IOException {
        BenchSession s = session;
        if (s == null) throw new IOException("no bench session: enable reader mode first");
        s.control("{\"type\":\"faults\",\"faults\":" + Options.jsonArray(faultsJson) + "}", Inbound.Kind.FAULTS_SET,
                options.answerTimeoutMs);
    }

    /** Disables reader mode and releases the HTTP client's threads. */
    @Override
    public void close() {
        disableReaderMode();
        client.dispatcher().executorService().shutdown();
        client.connectionPool().evictAll();
    }

    // ----------------------------------------------------------------------------------------
    // Reader thread

    private void poll(ReaderCallback callback) {
        try {
            while (enabled) {
                BenchSession s = connect();
                if (s == null) return;
                session = s;
                discover(s, callback);
                if (!idle(s, callback)) return;
            }
        } finally {
            BenchSession s = session;
            session = null;
            current = null;
            if (s != null) s.close();
        }
    }

    /** Opens a session, polling while the card is busy or the endpoint unreachable; null when stopped. */
    private BenchSession connect() {
        for (;;) {
            if (!enabled) return null;
            BenchSession s = null;
            try {
                s = BenchSession.open(client, options.url, options.answerTimeoutMs, this);
                if (options.isoDepJson != null)
                    s.control("{\"type\":\"configure\",\"isoDep\":" + options.isoDepJson + "}",
                            Inbound.Kind.CONFIGURED, options.answerTimeoutMs);
                if (options.faultsJson != null)
                    s.control("{\"type\":\"faults\",\"faults\":" + options.faultsJson + "}",
                            Inbound.Kind.FAULTS_SET, options.answerTimeoutMs);
                lastError = null;
                return s;
            } catch (BenchProtocolException e) {
                // The bench refused the configuration or the fault plan: retrying cannot help.
                if (s != null) s.close();
                enabled = false;
                report(e);
                return null;
            } catch (BenchConnectionException e) {
                if (s != null) s.close();
                if (!e.isCardBusy()) report(e);
                else if (options.onCardBusy != null) options.onCardBusy.onCardBusy();
            } catch (IOException e) {
                if (s != null) s.close();
                report(e);
            }
            Command c = next(options.pollIntervalMs);
            if (c == Command.STOP) return null;
        }
    }

    /** Field on (a new tap when it was on): a new tag for the callback. */
    private void discover(BenchSession s, ReaderCallback callback) {
        Inbound a;
        try {
            a = s.control(FIELD_ON, Inbound.Kind.ACTIVATED, options.answerTimeoutMs);
        } catch (IOException e) {
            if (s.isOpen()) report(e);
            return;
        }
        BenchTag tag = new BenchTag(this, s, a.activation, a.epoch);
        current = tag;
        try {
            callback.onTagDiscovered(tag);
        } catch (RuntimeException e) {
            report(new IOException("the reader callback threw " + e, e));
        }
    }

    /** Handles taps and losses until the session ends (true: reconnect) or reader mode stops. */
    private boolean idle(BenchSession s, ReaderCallback callback) {
        for (;;) {
            Command c = next(-1);
            if (c == Command.STOP || !enabled) return false;
            if (c.kind == Command.CLOSED && c.session == s) {
                if (s.isOpen()) continue;
                report(s.failure());
                return true;
            }
            if (c.kind == Command.TAP_KIND) discover(s, callback);
            if (c.kind == Command.LEFT && c.session == s && removed(c.epoch) && options.retapAfterMs >= 0) {
                Command interrupt = next(options.retapAfterMs);
                if (interrupt == Command.STOP) return false;
                if (interrupt != null && interrupt.kind == Command.CLOSED && interrupt.session == s) return true;
                discover(s, callback);
            }
        }
    }

    /** Reports the loss of the current tag once; true if it was the current tag. */
    private boolean removed(int epoch) {
        BenchTag tag = current;
        if (tag == null || tag.epoch != epoch || removedEpoch == epoch) return false;
        removedEpoch = epoch;
        TagRemovedListener l = options.onTagRemoved;
        if (l != null) {
            try {
                l.onTagRemoved(tag);
            } catch (RuntimeException e) {
                report(new IOException("the tag-removed listener threw " + e, e));
            }
        }
        return true;
    }

    /** Next command within {@code ms} (forever when negative); null on timeout. */
    private Command next(long ms) {
        try {
            return ms < 0 ? commands.take() : commands.poll(ms, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Command.STOP;
        }
    }

    private synchronized void report(IOException e) {
        String text = String.valueOf(e.getMessage());
        if (text.equals(lastError)) return;
        lastError = text;
        ErrorListener l = options.onError;
        if (l != null) l.onBenchError(e);
        else System.err.println("[ciebench-nfc] " + text);
    }

    // ----------------------------------------------------------------------------------------
    // Called by tags and sessions

    /** {@code IsoDep.close()}: field off and on again; the tag lives on in the new activation. */
    void reactivate(BenchTag tag) {
        BenchSession s = tag.session;
        s.lock();
        try {
            if (!s.isPresent(tag.epoch)) return;
            s.control(FIELD_OFF, Inbound.Kind.FIELD_OFF, options.answerTimeoutMs);
            Inbound a = s.control(FIELD_ON, Inbound.Kind.ACTIVATED, options.answerTimeoutMs);
            tag.epoch = a.epoch;
        } catch (IOException e) {
            report(e);
        } finally {
            s.unlock();
        }
    }

    @Override
    public void tagLeft(BenchSession s, int epoch, String reason) {
        s.markLost(epoch, reason);
        commands.add(new Command(Command.LEFT, s, epoch));
    }

    @Override
    public void closed(BenchSession s) {
        commands.add(new Command(Command.CLOSED, s, -1));
    }

    private static final class Command {
        static final int STOP_KIND = 0;
        static final int TAP_KIND = 1;
        static final int LEFT = 2;
        static final int CLOSED = 3;
        static final Command STOP = new Command(STOP_KIND, null, -1);
        static final Command TAP = new Command(TAP_KIND, null, -1);

        final int kind;
        final BenchSession session;
        final int epoch;

        Command(int kind, BenchSession session, int epoch) {
            this.kind = kind;
            this.session = session;
            this.epoch = epoch;
        }
    }

    /** Where the bench is and how the reader behaves. */
    public static final class Options {
        /** AOSP's default ISO-DEP transceive timeout ({@code NfcTag::resetAllTransceiveTimeouts}). */
        public static final int ANDROID_DEFAULT_TIMEOUT_MS = 618;

        final String url;
        String isoDepJson;
        String faultsJson;
        int defaultTimeoutMs = ANDROID_DEFAULT_TIMEOUT_MS;
        long pollIntervalMs = 250;
        long answerTimeoutMs = 10_000;
        long retapAfterMs = -1;
        TagRemovedListener onTagRemoved;
        ErrorListener onError;
        CardBusyListener onCardBusy;

        private Options(String url) {
            this.url = url;
        }

        /**
         * The bench's NFC endpoint: {@code ws://127.0.0.1:35990} on the machine running the bench,
         * {@code ws://10.0.2.2:35990} from the Android emulator.
         */
        public static Options url(String url) {
            if (url == null || !(url.startsWith("ws://") || url.startsWith("wss://")))
                throw new IllegalArgumentException("expected a ws:// URL, got " + url);
            return new Options(url);
        }

        /** ISO-DEP parameters for every session (PROTOCOL.md §3.1), e.g. {@code {"maxTransceiveLength":261}}. */
        public Options isoDep(String json) {
            this.isoDepJson = jsonObject(json);
            return this;
        }

        /** Fault plan for every session (PROTOCOL.md §3.2), a JSON array. */
        public Options faults(String json) {
            this.faultsJson = jsonArray(json);
            return this;
        }

        /** Timeout of a new or closed {@link BenchIsoDep} (default 618 ms, as AOSP). */
        public Options defaultTimeout(int ms) {
            if (ms <= 0) throw new IllegalArgumentException("timeout must be positive");
            this.defaultTimeoutMs = ms;
            return this;
        }

        /** How often an unavailable endpoint or a busy card is tried again (default 250 ms). */
        public Options pollInterval(long ms) {
            if (ms <= 0) throw new IllegalArgumentException("poll interval must be positive");
            this.pollIntervalMs = ms;
            return this;
        }

        /** How long to wait for the bench to answer a control message (default 10 s). */
        public Options answerTimeout(long ms) {
            if (ms <= 0) throw new IllegalArgumentException("answer timeout must be positive");
            this.answerTimeoutMs = ms;
            return this;
        }

        /** Tap again automatically this long after the tag was lost (default: never; see {@link #tap()}). */
        public Options retapAfter(long ms) {
            if (ms < 0) throw new IllegalArgumentException("retap delay must not be negative");
            this.retapAfterMs = ms;
            return this;
        }

        public Options onTagRemoved(TagRemovedListener l) {
            this.onTagRemoved = l;
            return this;
        }

        public Options onError(ErrorListener l) {
            this.onError = l;
            return this;
        }

        public Options onCardBusy(CardBusyListener l) {
            this.onCardBusy = l;
            return this;
        }

        static String jsonObject(String json) {
            try {
                return new org.json.JSONObject(json).toString();
            } catch (org.json.JSONException | NullPointerException e) {
                throw new IllegalArgumentException("not a JSON object: " + json, e);
            }
        }

        static String jsonArray(String json) {
            try {
                return new org.json.JSONArray(json).toString();
            } catch (org.json.JSONException | NullPointerException e) {
                throw new IllegalArgumentException("not a JSON array: " + json, e);
            }
        }
    }
}
