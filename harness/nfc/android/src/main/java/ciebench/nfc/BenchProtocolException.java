package ciebench.nfc;

import java.io.IOException;

/**
 * The bench refused a control message ({@code error} message of PROTOCOL.md §4, e.g.
 * {@code NFC_BAD_MESSAGE} for an invalid fault plan) or sent something this adapter cannot read.
 */
public class BenchProtocolException extends IOException {
    private static final long serialVersionUID = 1L;

    private final String code;

    public BenchProtocolException(String code, String message) {
        super(code + ": " + message);
        this.code = code;
    }

    /** The bench's error code ({@code NFC_BAD_MESSAGE}, …; {@code PROTOCOL} for unreadable input). */
    public String getCode() {
        return code;
    }
}
