package ciebench.nfc;

/**
 * A tag discovered on the bench: what {@code android.nfc.Tag} is to a phone app. It stays valid
 * for one tap; after the tag left the field (or a new tap) its {@link BenchIsoDep} fails like a
 * dead {@code Tag} does, and the app waits for the next {@code onTagDiscovered}.
 */
public final class BenchTag {
    /** {@code Tag.getTechList()} of a Type A ISO-DEP card such as the CIE. */
    private static final String[] TECH_LIST = {"android.nfc.tech.IsoDep", "android.nfc.tech.NfcA"};

    final BenchNfcAdapter adapter;
    final BenchSession session;
    final Activation activation;
    /** Activation of the session this tag currently lives in; moved on by {@code close()}. */
    volatile int epoch;

    BenchTag(BenchNfcAdapter adapter, BenchSession session, Activation activation, int epoch) {
        this.adapter = adapter;
        this.session = session;
        this.activation = activation;
        this.epoch = epoch;
    }

    /** {@code Tag.getId()}: the UID of the activation that discovered the tag. */
    public byte[] getId() {
        return activation.getUid();
    }

    public String[] getTechList() {
        return TECH_LIST.clone();
    }

    /** Everything the activation reported (ATQA, SAK, ATS, frame sizes, FWT, reader limits). */
    public Activation getActivation() {
        return activation;
    }

    /** The bench's description of the card (its {@code hello} message). */
    public String getCardDescription() {
        return session.cardDescription();
    }

    /** Whether the tag is still in the field (no loss, no new tap since). */
    public boolean isPresent() {
        return session.isPresent(epoch);
    }

    @Override
    public String toString() {
        return "BenchTag[uid=" + Hex.encode(activation.getUid()) + ", " + session.url() + "]";
    }
}
