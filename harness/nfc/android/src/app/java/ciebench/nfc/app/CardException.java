package ciebench.nfc.app;

/** The card's answer was not what the IAS flow expects (status word, format, signature). */
public class CardException extends Exception {
    private static final long serialVersionUID = 1L;

    private final String code;
    private final int sw;

    public CardException(String code, String message) {
        this(code, message, -1);
    }

    public CardException(String code, String message, int sw) {
        super(message + (sw >= 0 ? String.format(" (SW %04X)", sw) : ""));
        this.code = code;
        this.sw = sw;
    }

    /** Stable code: UNEXPECTED_SW, BAD_RESPONSE, SM_RESPONSE_INVALID, DAPP_SIGNATURE_INVALID, … */
    public String getCode() {
        return code;
    }

    /** The status word, or -1. */
    public int getSw() {
        return sw;
    }
}
