package android.nfc.tech;

import android.nfc.Tag;
import java.io.Closeable;
import java.io.IOException;

/** Compile-time stand-in for {@code android.nfc.tech.TagTechnology} (Android API reference). */
public interface TagTechnology extends Closeable {
    Tag getTag();

    void connect() throws IOException;

    boolean isConnected();

    @Override
    void close() throws IOException;
}
