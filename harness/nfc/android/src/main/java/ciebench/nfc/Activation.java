package ciebench.nfc;

import org.json.JSONObject;

/**
 * What the reader learnt when the card entered the field: the {@code activated} message of
 * PROTOCOL.md §4 (ISO/IEC 14443-3 UID, ATQA, SAK; ISO/IEC 14443-4 ATS with the historical bytes,
 * frame sizes and frame waiting time; the reader limits Android reports).
 */
public final class Activation {
    private final byte[] uid;
    private final byte[] atqa;
    private final int sak;
    private final byte[] ats;
    private final byte[] historicalBytes;
    private final int fsc;
    private final int fsd;
    private final double fwtMs;
    private final int maxTransceiveLength;
    private final boolean extendedLengthSupported;
    private final byte[] atr;

    private Activation(JSONObject m) throws BenchProtocolException {
        uid = Fields.hex(m, "uid");
        atqa = Fields.hex(m, "atqa");
        sak = Fields.integer(m, "sak");
        ats = Fields.hex(m, "ats");
        historicalBytes = Fields.hex(m, "historicalBytes");
        fsc = Fields.integer(m, "fsc");
        fsd = Fields.integer(m, "fsd");
        fwtMs = Fields.number(m, "fwtMs");
        maxTransceiveLength = Fields.integer(m, "maxTransceiveLength");
        extendedLengthSupported = Fields.bool(m, "extendedLengthSupported");
        atr = Fields.hex(m, "atr");
        if (uid.length != 4 && uid.length != 7 && uid.length != 10)
            throw new BenchProtocolException("PROTOCOL", "'activated' message: UID of " + uid.length + " bytes");
        if (maxTransceiveLength < 5)
            throw new BenchProtocolException("PROTOCOL", "'activated' message: maxTransceiveLength " + maxTransceiveLength);
    }

    static Activation parse(JSONObject m) throws BenchProtocolException {
        return new Activation(m);
    }

    public byte[] getUid() {
        return uid.clone();
    }

    /** In the byte order of {@code NfcA.getAtqa()}. */
    public byte[] getAtqa() {
        return atqa.clone();
    }

    public int getSak() {
        return sak;
    }

    public byte[] getAts() {
        return ats.clone();
    }

    public byte[] getHistoricalBytes() {
        return historicalBytes.clone();
    }

    /** Card frame size in bytes (from FSCI). */
    public int getFsc() {
        return fsc;
    }

    /** Reader frame size in bytes (from FSDI). */
    public int getFsd() {
        return fsd;
    }

    /** Frame waiting time, 0.302 ms · 2^FWI (ISO/IEC 14443-4 §7.2). */
    public double getFwtMs() {
        return fwtMs;
    }

    public int getMaxTransceiveLength() {
        return maxTransceiveLength;
    }

    public boolean isExtendedLengthSupported() {
        return extendedLengthSupported;
    }

    /** The ATR a PC/SC reader reports for this card (logs only; not part of ISO-DEP). */
    public byte[] getAtr() {
        return atr.clone();
    }
}
