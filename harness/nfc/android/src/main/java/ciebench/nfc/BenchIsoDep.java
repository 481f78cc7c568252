package ciebench.nfc;

import java.io.IOException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * {@code android.nfc.tech.IsoDep} over the bench's NFC endpoint. Obtained like the real one, with
 * {@link #get(BenchTag)} in the reader callback, and used through {@link IsoDepLike}.
 *
 * <p>Behaviour, with where Android does the same (README.md, "What an app sees"):
 *
 * <ul>
 *   <li>{@link #transceive} before {@link #connect()} or after {@link #close()}:
 *       {@link IllegalStateException} "Call connect() first!" ({@code BasicTagTechnology.checkConnected});
 *   <li>a command longer than {@link #getMaxTransceiveLength()}: {@link IOException} "Transceive
 *       length exceeds supported maximum", checked before anything is sent; the tag stays usable
 *       ({@code NfcService.transceive}, {@code TransceiveResult.RESULT_EXCEEDED_LENGTH});
 *   <li>the tag lost before or during the command, the field switched off mid-command, the frame
 *       waiting time expired without S(WTX), or no answer within {@link #getTimeout()}:
 *       {@code TagLostException} "Tag was lost." (the NCI stack reports a response timeout as a
 *       lost target); the tag is then dead: every later transceive throws the same, without
 *       reaching the card, until the next discovery;
 *   <li>{@link #close()} resets the timeout and re-activates the tag (the card loses its volatile
 *       state, the tag stays); a transceive blocked in another thread fails with an IOException.
 * </ul>
 */
public final class BenchIsoDep implements IsoDepLike {
    private static final AtomicInteger TOKENS = new AtomicInteger();

    private final BenchTag tag;
    private final int defaultTimeout;
    private volatile int timeout;
    private volatile boolean connected;
    private volatile int inflight;
    /** Reason the tag of {@link #deadEpoch} was given up (timeout), if it was. */
    private volatile String deadReason;
    private volatile int deadEpoch = -1;
    private volatile int apduCount;
    private volatile int countEpoch = -1;
    private volatile int lastWtx;

    private BenchIsoDep(BenchTag tag) {
        this.tag = tag;
        this.defaultTimeout = tag.adapter.options().defaultTimeoutMs;
        this.timeout = defaultTimeout;
    }

    /** {@code IsoDep.get(tag)}: the CIE is an ISO-DEP tag, so never null for a bench tag. */
    public static BenchIsoDep get(BenchTag tag) {
        if (tag == null) throw new NullPointerException("tag");
        return new BenchIsoDep(tag);
    }

    public BenchTag getTag() {
        return tag;
    }

    @Override
    public void connect() throws IOException {
        BenchSession s = tag.session;
        if (!s.isOpen()) throw s.failure();
        if (!tag.isPresent() || deadEpoch == tag.epoch) {
            // BasicTagTechnology.connect: a failed connect is a bare IOException.
            IOException e = new IOException();
            e.initCause(new IOException("the tag " + Hex.encode(tag.getId()) + " is no longer in the field"));
            throw e;
        }
        connected = true;
    }

    @Override
    public boolean isConnected() {
        return connected && tag.isPresent() && deadEpoch != tag.epoch;
    }

    @Override
    public void close() throws IOException {
        timeout = defaultTimeout;
        int token = inflight;
        if (token != 0) tag.session.post(Inbound.cancel(token));
        boolean was = connected;
        connected = false;
        if (was) tag.adapter.reactivate(tag);
    }

    @Override
    public byte[] transceive(byte[] data) throws IOException {
        if (data == null) throw new NullPointerException("data");
        if (!connected) throw new IllegalStateException("Call connect() first!");
        BenchSession s = tag.session;
        s.lock();
        try {
            return exchange(s, data);
        } finally {
            inflight = 0;
            s.unlock();
        }
    }

    private byte[] exchange(BenchSession s, byte[] data) throws IOException {
        int epoch = tag.epoch;
        if (!s.isOpen()) throw s.failure();
        if (data.length > tag.activation.getMaxTransceiveLength())
            throw new IOException("Transceive length exceeds supported maximum");
        if (deadEpoch == epoch) throw lost(deadReason);
        if (!s.isPresent(epoch)) {
            String why = s.lossReason(epoch);
            throw lost(why != null ? why : "the tag is no longer in the field");
        }
        if (countEpoch != epoch) {
            countEpoch = epoch;
            apduCount = 0;
        }
        s.drain();
        int token = TOKENS.incrementAndGet();
        inflight = token;
        lastWtx = 0;
        int limit = timeout;
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(limit);
        s.sendBinary(data);
        for (;;) {
            Inbound m = s.poll(TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime()));
            if (m == null) {
                deadReason = "no answer within " + limit + " ms (IsoDep timeout)";
                deadEpoch = epoch;
                tag.adapter.tagLeft(s, epoch, deadReason);
                throw lost(deadReason);
            }
            switch (m.kind) {
                case APDU:
                    apduCount++;
                    return m.bytes;
                case WTX:
                    lastWtx = m.count;
                    break;
                case TAG_LOST:
                    if (m.seq != null) apduCount++;
                    throw lost(m.text);
                case ERROR:
                    if (m.seq != null) throw refused(s, epoch, m);
                    break;
                case CLOSED:
                    throw s.failure();
                case CANCEL:
                    if (m.count == token) {
                        IOException e = new IOException("Transceive failed");
                        e.initCause(new IOException("cancelled by close()"));
                        throw e;
                    }
                    break;
                default:
                    // Answers to earlier control messages.
            }
        }
    }

    /** The bench refused the command: the error code decides what the app sees. */
    private IOException refused(BenchSession s, int epoch, Inbound m) {
        String why = m.code + ": " + m.text;
        if ("NFC_TAG_LOST".equals(m.code) || "NFC_FIELD_OFF".equals(m.code)) {
            tag.adapter.tagLeft(s, epoch, why);
            return lost(why);
        }
        if ("NFC_TRANSCEIVE_TOO_LONG".equals(m.code))
            return new IOException("Transceive length exceeds supported maximum");
        // NFC_EMPTY_COMMAND, NFC_BUSY and anything new: RESULT_FAILURE on Android.
        IOException e = new IOException("Transceive failed");
        e.initCause(new BenchProtocolException(m.code, m.text));
        return e;
    }

    private IOException lost(String reason) {
        return TagLostException.create(reason == null ? "tag lost" : reason);
    }

    @Override
    public int getMaxTransceiveLength() {
        return tag.activation.getMaxTransceiveLength();
    }

    @Override
    public boolean isExtendedLengthApduSupported() {
        return tag.activation.isExtendedLengthSupported();
    }

    /**
     * {@code IsoDep.setTimeout}: a timeout of 0 or less is refused as by the NFC service
     * ({@code nfcManager_doSetTimeout}: "Timeout must be positive").
     */
    @Override
    public void setTimeout(int timeout) {
        if (timeout <= 0) throw new IllegalArgumentException("The supplied timeout is not valid");
        this.timeout = timeout;
    }

    @Override
    public int getTimeout() {
        return timeout;
    }

    @Override
    public byte[] getHistoricalBytes() {
        return tag.activation.getHistoricalBytes();
    }

    @Override
    public byte[] getTagId() {
        return tag.getId();
    }

    /**
     * APDUs the bench has numbered in the current activation (PROTOCOL.md §3.2): a fault planned
     * {@code atApdu: getApduCount() + 1} hits the next command. Not part of {@code IsoDep}.
     */
    public int getApduCount() {
        return countEpoch == tag.epoch ? apduCount : 0;
    }

    /** Whether a transceive waits for its answer right now (tests). */
    boolean transceiving() {
        return inflight != 0;
    }

    /** S(WTX) rounds the card needed for the last answer (invisible to Android apps; for logs). */
    public int getLastWtxRounds() {
        return lastWtx;
    }
}
