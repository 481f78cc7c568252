package ciebench.nfc;

import java.io.IOException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;
import okhttp3.WebSocket;
import okhttp3.WebSocketListener;
import okio.ByteString;
import org.json.JSONException;
import org.json.JSONObject;

/**
 * One WebSocket connection to the bench = one ISO-DEP session (PROTOCOL.md §1–2).
 *
 * <p>OkHttp's reader thread parses every message (strictly: a known message with a wrong shape
 * ends the connection; unknown types and keys are ignored, §7), keeps the field state (activation
 * count, tag lost) and queues the message. Exchanges — a control message and its answer, an APDU
 * and its answer — run one at a time under {@link #lock()} (ISO-DEP is half-duplex) and take
 * their answers from the queue, skipping what belongs to an earlier exchange: the server answers
 * in order, so a late R-APDU of a timed-out command always comes before the answer to the next
 * control message.
 */
final class BenchSession extends WebSocketListener {
    static final String PROTOCOL = "ciebench-nfc/1";

    /** What the adapter hears of a session without asking. */
    interface Events {
        /** The tag of activation {@code epoch} left the field (fault, field off mid-command, FWT). */
        void tagLeft(BenchSession session, int epoch, String reason);

        void closed(BenchSession session);
    }

    private final LinkedBlockingQueue<Inbound> inbox = new LinkedBlockingQueue<>();
    private final ReentrantLock exchange = new ReentrantLock();
    private final Events events;
    private final String url;
    private volatile WebSocket socket;
    /** Activations seen so far; the tag of activation n is "epoch n". */
    private volatile int epoch;
    private volatile int lostEpoch = -1;
    private volatile String lostReason;
    private volatile boolean fieldOn;
    private volatile IOException failure;
    private volatile String cardDescription = "";

    private BenchSession(String url, Events events) {
        this.url = url;
        this.events = events;
    }

    /** Opens a connection and waits for {@code hello}. A busy shared card is close code 4409. */
    static BenchSession open(OkHttpClient client, String url, long timeoutMs, Events events)
            throws IOException {
        BenchSession s = new BenchSession(url, events);
        Request request;
        try {
            request = new Request.Builder().url(url).build();
        } catch (IllegalArgumentException e) {
            throw new BenchConnectionException("not a ws:// URL: " + url, e);
        }
        s.socket = client.newWebSocket(request, s);
        try {
            s.await(Inbound.Kind.HELLO, timeoutMs, "hello");
        } catch (IOException e) {
            s.cancel();
            throw e;
        }
        return s;
    }

    String url() {
        return url;
    }

    String cardDescription() {
        return cardDescription;
    }

    void lock() {
        exchange.lock();
    }

    void unlock() {
        exchange.unlock();
    }

    int epoch() {
        return epoch;
    }

    boolean isOpen() {
        return failure == null;
    }

    /** Why the connection ended, or null while it is open. */
    IOException failure() {
        return failure;
    }

    /** The tag of activation {@code e} is still in the field. */
    boolean isPresent(int e) {
        return failure == null && fieldOn && e == epoch && lostEpoch != e;
    }

    void markLost(int e, String reason) {
        if (e != epoch) return;
        if (lostEpoch != e) lostReason = reason;
        lostEpoch = e;
    }

    /** Why the tag of activation {@code e} left, as the bench said (null if it did not). */
    String lossReason(int e) {
        return lostEpoch == e ? lostReason : null;
    }

    /** Sends a control message and waits for its answer (an error answer is thrown). */
    Inbound control(String json, Inbound.Kind expected, long timeoutMs) throws IOException {
        lock();
        try {
            drain();
            sendText(json);
            return await(expected, timeoutMs, json);
        } finally {
            unlock();
        }
    }

    void sendText(String json) throws IOException {
        if (failure != null) throw failure;
        if (!socket.send(json)) throw closedNow();
    }

    void sendBinary(byte[] apdu) throws IOException {
        if (failure != null) throw failure;
        if (!socket.send(ByteString.of(apdu))) throw closedNow();
    }

    /** Next queued item, or null after {@code timeoutMs}. */
    Inbound poll(long timeoutMs) throws IOException {
        try {
            return inbox.poll(Math.max(0, timeoutMs), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new java.io.InterruptedIOException("interrupted while waiting for the bench");
        }
    }

    /** Drops what earlier exchanges left behind (the field state was already applied). */
    void drain() {
        Inbound m;
        while ((m = inbox.peek()) != null && m.kind != Inbound.Kind.CLOSED) inbox.poll();
    }

    void post(Inbound m) {
        inbox.add(m);
    }

    /** Field off and a normal close; quiet if the connection is already gone. */
    void close() {
        WebSocket ws = socket;
        if (ws == null) return;
        if (failure == null) ws.send("{\"type\":\"field\",\"on\":false}");
        ws.close(1000, "done");
        ended(new BenchConnectionException("the adapter closed the connection to " + url, 1000));
    }

    void cancel() {
        WebSocket ws = socket;
        if (ws != null) ws.cancel();
        ended(new BenchConnectionException("connection to " + url + " cancelled", -1));
    }

    private Inbound await(Inbound.Kind expected, long timeoutMs, String what) throws IOException {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs);
        for (;;) {
            long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
            Inbound m = left > 0 ? poll(left) : null;
            if (m == null)
                throw new BenchConnectionException(
                        "the bench at " + url + " did not answer " + what + " within " + timeoutMs + " ms", -1);
            if (m.kind == expected) return m;
            if (m.kind == Inbound.Kind.CLOSED) throw failure;
            // An error without an APDU number answers a control message; with one it is stale.
            if (m.kind == Inbound.Kind.ERROR && m.seq == null) throw new BenchProtocolException(m.code, m.text);
        }
    }

    private IOException closedNow() {
        IOException f = failure;
        return f != null ? f : new BenchConnectionException("the connection to " + url + " is closing", -1);
    }

    private void ended(IOException why) {
        synchronized (this) {
            if (failure != null) return;
            failure = why;
            fieldOn = false;
        }
        inbox.add(Inbound.simple(Inbound.Kind.CLOSED, epoch));
        events.closed(this);
    }

    // ----------------------------------------------------------------------------------------
    // OkHttp's reader thread

    @Override
    public void onMessage(WebSocket ws, String text) {
        try {
            JSONObject m = new JSONObject(text);
            Object type = m.opt("type");
            if (!(type instanceof String)) throw new BenchProtocolException("PROTOCOL", "message without a type: " + text);
            onControl((String) type, m);
        } catch (JSONException e) {
            violation(ws, "not a JSON object: " + e.getMessage());
        } catch (BenchProtocolException e) {
            violation(ws, e.getMessage());
        }
    }

    private void onControl(String type, JSONObject m) throws BenchProtocolException {
        switch (type) {
            case "hello":
                if (!PROTOCOL.equals(Fields.string(m, "protocol")))
                    throw new BenchProtocolException("PROTOCOL", "the bench speaks " + m.opt("protocol") + ", not " + PROTOCOL);
                cardDescription = Fields.string(m, "card");
                post(Inbound.simple(Inbound.Kind.HELLO, epoch));
                return;
            case "configured":
                post(Inbound.simple(Inbound.Kind.CONFIGURED, epoch));
                return;
            case "faults-set":
                Fields.integer(m, "count");
                post(Inbound.simple(Inbound.Kind.FAULTS_SET, epoch));
                return;
            case "activated": {
                Activation a = Activation.parse(m);
                epoch = epoch + 1;
                fieldOn = true;
                post(Inbound.activated(a, epoch));
                return;
            }
            case "field-off":
                fieldOn = false;
                post(Inbound.simple(Inbound.Kind.FIELD_OFF, epoch));
                return;
            case "wtx":
                post(Inbound.wtx(Fields.integer(m, "seq"), Fields.integer(m, "count"), epoch));
                return;
            case "tag-lost": {
                Inbound lost = Inbound.tagLost(Fields.string(m, "reason"), Fields.optionalInteger(m, "seq"), epoch);
                markLost(epoch, lost.text);
                post(lost);
                events.tagLeft(this, lost.epoch, lost.text);
                return;
            }
            case "error": {
                Inbound e = Inbound.error(Fields.string(m, "code"), Fields.string(m, "message"), Fields.optionalInteger(m, "seq"), epoch);
                post(e);
                if ("NFC_TAG_LOST".equals(e.code)) {
                    markLost(epoch, e.text);
                    events.tagLeft(this, e.epoch, e.text);
                }
                return;
            }
            default:
                // PROTOCOL.md §7: adapters ignore message types they do not know.
        }
    }

    @Override
    public void onMessage(WebSocket ws, ByteString bytes) {
        // Passed on as received, even shorter than a status word: a corrupted answer (a
        // corrupt-response fault) reaches the app as it would from the radio.
        post(Inbound.apdu(bytes.toByteArray(), epoch));
    }

    @Override
    public void onClosing(WebSocket ws, int code, String reason) {
        ws.close(1000, null);
        ended(closedBy(code, reason));
    }

    @Override
    public void onClosed(WebSocket ws, int code, String reason) {
        ended(closedBy(code, reason));
    }

    @Override
    public void onFailure(WebSocket ws, Throwable t, Response response) {
        String status = response != null ? " (HTTP " + response.code() + ")" : "";
        ended(new BenchConnectionException("connection to " + url + " failed" + status + ": " + t, t));
    }

    private BenchConnectionException closedBy(int code, String reason) {
        String why = code == BenchConnectionException.CARD_BUSY
                ? "the card is held by another session"
                : "the bench closed the connection";
        return new BenchConnectionException(
                why + " (" + code + (reason == null || reason.isEmpty() ? "" : " " + reason) + ")", code);
    }

    private void violation(WebSocket ws, String what) {
        ws.close(1002, "protocol error");
        ended(new BenchConnectionException("the bench at " + url + " broke " + PROTOCOL + ": " + what, 1002));
    }
}
