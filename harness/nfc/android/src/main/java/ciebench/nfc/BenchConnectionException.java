package ciebench.nfc;

import java.io.IOException;

/**
 * The connection to the bench's NFC endpoint failed or ended: a transport error, not something a
 * phone would report. {@link #getCloseCode()} is the WebSocket close code ({@value #CARD_BUSY}:
 * the card is held by another session; -1: no close frame, e.g. connection refused).
 */
public class BenchConnectionException extends IOException {
    private static final long serialVersionUID = 1L;

    /** Close code of a refused session while the shared card is held by another one. */
    public static final int CARD_BUSY = 4409;

    private final int closeCode;

    public BenchConnectionException(String message, int closeCode) {
        super(message);
        this.closeCode = closeCode;
    }

    public BenchConnectionException(String message, Throwable cause) {
        super(message, cause);
        this.closeCode = -1;
    }

    public int getCloseCode() {
        return closeCode;
    }

    /** The shared card is in another session: a reader keeps polling until it is free. */
    public boolean isCardBusy() {
        return closeCode == CARD_BUSY;
    }
}
