package ciebench.nfc;

import java.io.BufferedReader;
import java.io.ByteArrayInputStream;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.json.JSONArray;
import org.json.JSONObject;

/**
 * The bench for the tests: one Node process (testing/bench-endpoints.ts) serving the emulated
 * default CIE on NFC endpoints on free loopback ports, started once per JVM and stopped when the
 * JVM ends (the process also stops when its standard input closes).
 *
 * <ul>
 *   <li>{@code fresh}: every session gets its own fresh card (faults and PIN tries stay in the test);
 *   <li>{@code shared}: one card, one session at a time (close code 4409 for a second one).
 * </ul>
 */
final class Bench {
    private static Bench instance;

    final JSONObject endpoints;
    final JSONObject card;
    private final Process process;

    private Bench(Process process, JSONObject announced) throws Exception {
        this.process = process;
        this.endpoints = announced.getJSONObject("endpoints");
        this.card = announced.getJSONObject("cards").getJSONObject("default");
    }

    static synchronized Bench get() throws Exception {
        if (instance == null) instance = start();
        return instance;
    }

    static File root() {
        String root = System.getProperty("ciebench.root");
        if (root == null) throw new IllegalStateException("run with -Dciebench.root=<repository> (build.sh does)");
        return new File(root);
    }

    private static Bench start() throws Exception {
        String config = "{\"endpoints\":[{\"name\":\"fresh\",\"cards\":\"fresh\"},{\"name\":\"shared\",\"cards\":\"shared\"}]}";
        final Process p = new ProcessBuilder(
                        "node", "--import", "tsx", "harness/nfc/android/testing/bench-endpoints.ts", config)
                .directory(root())
                .redirectError(ProcessBuilder.Redirect.INHERIT)
                .start();
        Runtime.getRuntime().addShutdownHook(new Thread(new Runnable() {
            @Override
            public void run() {
                p.destroy();
            }
        }));
        String line = firstLine(p, 120);
        return new Bench(p, new JSONObject(line));
    }

    /** The first stdout line of {@code p}, waiting up to {@code seconds} (the process starts tsx). */
    static String firstLine(Process p, int seconds) throws Exception {
        final BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
        final String[] line = new String[1];
        Thread t = new Thread(new Runnable() {
            @Override
            public void run() {
                try {
                    line[0] = r.readLine();
                } catch (IOException e) {
                    line[0] = null;
                }
            }
        });
        t.setDaemon(true);
        t.start();
        t.join(TimeUnit.SECONDS.toMillis(seconds));
        if (line[0] == null) {
            p.destroy();
            throw new IllegalStateException("the bench did not announce its endpoints within " + seconds + " s");
        }
        return line[0];
    }

    String url(String name) {
        return required(endpoints, name);
    }

    String pin() {
        return required(card, "pin");
    }

    String nis() {
        return required(card, "nis");
    }

    byte[] historicalBytes() {
        return Hex.decode(required(card, "historicalBytes"));
    }

    private static String required(JSONObject o, String key) {
        String v = o.optString(key, null);
        if (v == null) throw new IllegalStateException("the bench did not announce '" + key + "'");
        return v;
    }

    List<X509Certificate> holderCa() throws Exception {
        List<X509Certificate> out = new ArrayList<>();
        JSONArray a = card.getJSONArray("holderCa");
        CertificateFactory f = CertificateFactory.getInstance("X.509");
        for (int i = 0; i < a.length(); i++)
            out.add((X509Certificate) f.generateCertificate(new ByteArrayInputStream(Hex.decode(a.getString(i)))));
        return out;
    }

    boolean alive() {
        return process.isAlive();
    }
}
