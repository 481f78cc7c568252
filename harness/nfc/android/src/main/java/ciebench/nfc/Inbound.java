package ciebench.nfc;

/**
 * One thing that arrived on a session, in arrival order: a server message (PROTOCOL.md §4), an
 * R-APDU, the end of the connection, or a local cancellation of a blocked transceive.
 */
final class Inbound {
    enum Kind {
        HELLO,
        CONFIGURED,
        FAULTS_SET,
        ACTIVATED,
        FIELD_OFF,
        WTX,
        TAG_LOST,
        ERROR,
        APDU,
        /** The connection ended (the session's failure says why). */
        CLOSED,
        /** {@code close()} from another thread cancels the transceive with this token. */
        CANCEL
    }

    final Kind kind;
    /** R-APDU bytes ({@link Kind#APDU}). */
    final byte[] bytes;
    /** {@link Kind#ACTIVATED}. */
    final Activation activation;
    /** Activation count when the message arrived. */
    final int epoch;
    /** APDU number of a {@code wtx}, {@code tag-lost} or {@code error} message; null when absent. */
    final Integer seq;
    /** Error code ({@link Kind#ERROR}). */
    final String code;
    /** Reason or error text. */
    final String text;
    /** WTX rounds, or the cancellation token. */
    final int count;

    private Inbound(
            Kind kind, byte[] bytes, Activation a, int epoch, Integer seq, String code, String text, int count) {
        this.kind = kind;
        this.bytes = bytes;
        this.activation = a;
        this.epoch = epoch;
        this.seq = seq;
        this.code = code;
        this.text = text;
        this.count = count;
    }

    static Inbound simple(Kind kind, int epoch) {
        return new Inbound(kind, null, null, epoch, null, null, null, 0);
    }

    static Inbound activated(Activation a, int epoch) {
        return new Inbound(Kind.ACTIVATED, null, a, epoch, null, null, null, 0);
    }

    static Inbound apdu(byte[] bytes, int epoch) {
        return new Inbound(Kind.APDU, bytes, null, epoch, null, null, null, 0);
    }

    static Inbound wtx(int seq, int count, int epoch) {
        return new Inbound(Kind.WTX, null, null, epoch, seq, null, null, count);
    }

    static Inbound tagLost(String reason, Integer seq, int epoch) {
        return new Inbound(Kind.TAG_LOST, null, null, epoch, seq, null, reason, 0);
    }

    static Inbound error(String code, String message, Integer seq, int epoch) {
        return new Inbound(Kind.ERROR, null, null, epoch, seq, code, message, 0);
    }

    static Inbound cancel(int token) {
        return new Inbound(Kind.CANCEL, null, null, -1, null, null, null, token);
    }
}
