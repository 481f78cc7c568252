package ciebench.nfc;

import java.io.Closeable;
import java.io.IOException;

/**
 * What an app's NFC layer uses of {@code android.nfc.tech.IsoDep}: the seam between the app and
 * the radio. Production code wraps the real {@code IsoDep} in ten lines (README.md, "The wrapper
 * for the real IsoDep"); test builds use {@link BenchIsoDep}, which talks to the bench's emulated
 * card. Every method keeps the contract of the {@code IsoDep} method of the same name, including
 * its exceptions: {@code TagLostException} (an {@link IOException}) when the tag has left,
 * {@link IOException} for other failures, {@link IllegalStateException} before {@link #connect()}.
 */
public interface IsoDepLike extends Closeable {

    /** Enables I/O with the tag ({@code IsoDep.connect()}). */
    void connect() throws IOException;

    /**
     * Ends I/O with the tag and resets the timeout to its default ({@code IsoDep.close()}); a
     * transceive blocked in another thread fails with an {@link IOException}.
     */
    @Override
    void close() throws IOException;

    /** True after {@link #connect()} while the tag is believed to be in the field. */
    boolean isConnected();

    /**
     * Sends a command APDU and returns the response APDU (data and status word).
     *
     * @throws IOException a {@code TagLostException} when the tag left the field or did not answer
     *     within {@link #getTimeout()}; an {@code IOException("Transceive length exceeds supported
     *     maximum")} when {@code data} is longer than {@link #getMaxTransceiveLength()}
     */
    byte[] transceive(byte[] data) throws IOException;

    /** Largest command {@link #transceive} accepts, in bytes. */
    int getMaxTransceiveLength();

    /** Whether the reader side accepts extended-length APDUs. */
    boolean isExtendedLengthApduSupported();

    /** Transceive timeout in milliseconds; reset to the default by {@link #close()}. */
    void setTimeout(int timeout);

    int getTimeout();

    /** The ISO-DEP historical bytes of the ATS ({@code null} for an NFC-B tag). */
    byte[] getHistoricalBytes();

    /** The tag's UID ({@code Tag.getId()}). */
    byte[] getTagId();
}
