package android.nfc;

/**
 * Compile-time stand-in for {@code android.nfc.Tag} (public API of the Android reference; bodies
 * throw, as in android.jar). Only for compiling the README's wrapper off Android.
 */
public final class Tag {
    private Tag() {}

    public byte[] getId() {
        throw new RuntimeException("Stub!");
    }

    public String[] getTechList() {
        throw new RuntimeException("Stub!");
    }
}
