package ciebench.nfc;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNotNull;
import static org.junit.Assert.assertTrue;

import ciebench.nfc.app.CieLogin;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.Test;

/**
 * The endpoint a team starts by hand, {@code ciebench card start --no-pcsc --nfc ws://127.0.0.1:0}:
 * the adapter reads the announced URL and logs in through it.
 */
public class CardStartCliTest {
    private static final Pattern NFC = Pattern.compile("^\\s+NFC: (ws://127\\.0\\.0\\.1:\\d+)\\s");
    private static final Pattern PIN = Pattern.compile("^\\s+TEST secrets: PIN (\\d{8})\\s");

    @Test
    public void aLoginThroughTheEndpointOfCardStart() throws Exception {
        Process p = new ProcessBuilder("node", "harness/cli/ciebench.mjs", "card", "start", "--no-pcsc",
                        "--nfc", "ws://127.0.0.1:0", "--quiet", "--show-secrets")
                .directory(Bench.root())
                .redirectError(ProcessBuilder.Redirect.INHERIT)
                .start();
        try {
            final BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
            final String[] found = new String[2];
            final CountDownLatch announced = new CountDownLatch(1);
            // Reads the announcement, then keeps draining the log until the process ends (a closed
            // pipe would make its next log line fail).
            Thread reader = new Thread(new Runnable() {
                @Override
                public void run() {
                    try {
                        for (String line; (line = out.readLine()) != null;) {
                            Matcher m = NFC.matcher(line);
                            if (m.find()) found[0] = m.group(1);
                            m = PIN.matcher(line);
                            if (m.find()) found[1] = m.group(1);
                            if (found[0] != null && found[1] != null) announced.countDown();
                        }
                    } catch (java.io.IOException ignored) {
                        // the process ended: the assertions below say what is missing
                    }
                    announced.countDown();
                }
            });
            reader.setDaemon(true);
            reader.start();
            announced.await(120, TimeUnit.SECONDS);
            assertNotNull("card start announced no NFC URL", found[0]);
            assertNotNull("card start printed no TEST PIN", found[1]);
            try (TestReader r = TestReader.at(found[0])) {
                BenchIsoDep iso = r.nextIsoDep();
                assertTrue(iso.getTag().getCardDescription().contains("CIE 3.0"));
                byte[] challenge = "card start".getBytes(StandardCharsets.UTF_8);
                CieLogin.Result login = CieLogin.run(iso, found[1], challenge, Seeds.rng("card-start"));
                assertTrue(CieLogin.verifies(login.certificate, challenge, login.signature));
                assertEquals(12, login.nis.length());
            }
        } finally {
            // SIGTERM without closing the pipes (Process.destroy closes them): card start stops cleanly.
            p.toHandle().destroy();
            if (!p.waitFor(60, TimeUnit.SECONDS)) p.destroyForcibly();
        }
    }
}
