package android.nfc;

import java.io.IOException;

/**
 * Stand-in for the platform class of the same name, with its public constructors (Android API
 * reference), so that the adapter's tests can check what an app on Android catches.
 */
public class TagLostException extends IOException {
    private static final long serialVersionUID = 1L;

    public TagLostException() {
        super();
    }

    public TagLostException(String message) {
        super(message);
    }
}
