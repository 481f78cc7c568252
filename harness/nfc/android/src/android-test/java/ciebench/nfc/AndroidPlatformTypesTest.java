package ciebench.nfc;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;

import java.io.IOException;
import org.junit.Test;

/**
 * With {@code android.nfc.TagLostException} on the class path (as on a phone or the Android
 * emulator), the adapter throws the platform's class: the app's own {@code catch} clauses work.
 * Run by build.sh with the Android API stand-ins (src/stubs) on the class path.
 */
public class AndroidPlatformTypesTest {

    @Test
    public void aLostTagIsThePlatformsTagLostException() throws Exception {
        String faults = "[{\"kind\":\"tag-lost\",\"atApdu\":2}]";
        try (TestReader r = new TestReader(BenchNfcAdapter.Options.url(Bench.get().url("fresh")).faults(faults))) {
            BenchIsoDep iso = r.nextIsoDep();
            iso.transceive(Apdus.SELECT_IAS);
            try {
                iso.transceive(Apdus.SELECT_IAS);
                fail("the tag leaves at APDU 2");
            } catch (android.nfc.TagLostException e) {
                assertEquals("Tag was lost.", e.getMessage());
                assertFalse("not the off-Android stand-in", (Object) e instanceof ciebench.nfc.TagLostException);
                assertTrue(TagLostException.isTagLost(e));
                assertTrue(e.getCause().getMessage().contains("tag lost before APDU 2"));
            } catch (IOException e) {
                fail("expected android.nfc.TagLostException, got " + e.getClass().getName());
            }
        }
    }
}
