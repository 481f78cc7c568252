package android.nfc.tech;

import android.nfc.Tag;
import java.io.IOException;

/**
 * Compile-time stand-in for {@code android.nfc.tech.IsoDep}: the public methods of the Android API
 * reference (API 33), bodies throwing as in android.jar. Only for compiling the README's wrapper.
 */
public final class IsoDep implements TagTechnology {
    private IsoDep() {}

    public static IsoDep get(Tag tag) {
        throw new RuntimeException("Stub!");
    }

    @Override
    public Tag getTag() {
        throw new RuntimeException("Stub!");
    }

    @Override
    public void connect() throws IOException {
        throw new RuntimeException("Stub!");
    }

    @Override
    public boolean isConnected() {
        throw new RuntimeException("Stub!");
    }

    @Override
    public void close() throws IOException {
        throw new RuntimeException("Stub!");
    }

    public void setTimeout(int timeout) {
        throw new RuntimeException("Stub!");
    }

    public int getTimeout() {
        throw new RuntimeException("Stub!");
    }

    public byte[] getHistoricalBytes() {
        throw new RuntimeException("Stub!");
    }

    public byte[] getHiLayerResponse() {
        throw new RuntimeException("Stub!");
    }

    public byte[] transceive(byte[] data) throws IOException {
        throw new RuntimeException("Stub!");
    }

    public int getMaxTransceiveLength() {
        throw new RuntimeException("Stub!");
    }

    public boolean isExtendedLengthApduSupported() {
        throw new RuntimeException("Stub!");
    }
}
