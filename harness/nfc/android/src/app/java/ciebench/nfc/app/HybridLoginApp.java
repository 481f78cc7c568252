package ciebench.nfc.app;

import ciebench.nfc.BenchIsoDep;
import ciebench.nfc.BenchNfcAdapter;
import ciebench.nfc.BenchTag;
import ciebench.nfc.Hex;
import ciebench.nfc.IsoDepLike;
import ciebench.nfc.TagLostException;
import java.io.BufferedReader;
import java.io.ByteArrayInputStream;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.SecureRandom;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;
import okhttp3.FormBody;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;
import org.json.JSONException;
import org.json.JSONObject;

/**
 * A CieID-style "app" on the JVM, for the hybrid login (desktop browser + phone) of the bench IdP
 * (scenarios/idp/L3-PROTOCOL.md §4): it scans a QR payload, waits for the card on the bench's NFC
 * endpoint through {@link BenchNfcAdapter} (reader mode, {@link IsoDepLike}), runs the card step
 * (NIS, secure channel, VERIFY PIN, certificate), asks the IdP for the challenge (H1), has the card
 * sign it, sends the signature (H2) and shows the OTP the user types into the desktop page.
 *
 * <pre>
 * java -cp … ciebench.nfc.app.HybridLoginApp --nfc ws://127.0.0.1:35990 --pin 12345678 \
 *      --idp-ca ~/.ciebench/idp/ca.pem (--qr '&lt;payload&gt;' | --qr-stdin) [--timeout-ms 30000] \
 *      [--isodep '{"maxTransceiveLength":261}'] [--faults '[…]'] [--retap-after-ms 500] [--seed s]
 * java -cp … ciebench.nfc.app.HybridLoginApp --external-app reports/…/external-app.json --pin 12345678 […]
 * </pre>
 *
 * With {@code --external-app} the QR payload, the NFC endpoint and the IdP's TLS CA come from the file
 * the scenario runner publishes for an external app ({@link ExternalAppFile}); the app waits for it.
 *
 * Each QR payload (one argument, or one line of standard input) gives one login. Progress goes to
 * standard output as JSON lines: {@code qr}, {@code tag}, {@code card}, {@code challenge},
 * {@code otp} (the OTP and the IdP's message), {@code tag-lost} (waiting for the next tap),
 * {@code error}. Exit code 0 when every login ended with an OTP, 1 otherwise, 2 for bad usage.
 */
public final class HybridLoginApp {
    static final String HYBRID_PATH = "/idp/Authn/SSL/X509AuthIbridoTLS13";

    private final Map<String, String> args;
    private final OkHttpClient http;
    private final SecureRandom rng;
    private final LinkedBlockingQueue<BenchTag> tags = new LinkedBlockingQueue<>();
    private final BenchNfcAdapter nfc;
    private final long waitMs;

    private HybridLoginApp(Map<String, String> args, byte[] idpCaPem) throws Exception {
        this.args = args;
        this.http = httpClient(idpCaPem);
        this.rng = SecureRandom.getInstance("SHA1PRNG");
        rng.setSeed(args.containsKey("seed") ? args.get("seed").getBytes(StandardCharsets.UTF_8) : SecureRandom.getSeed(32));
        this.waitMs = waitMs(args);
        BenchNfcAdapter.Options o = BenchNfcAdapter.Options.url(required("nfc"));
        if (args.containsKey("isodep")) o.isoDep(args.get("isodep"));
        if (args.containsKey("faults")) o.faults(args.get("faults"));
        if (args.containsKey("retap-after-ms")) o.retapAfter(Long.parseLong(args.get("retap-after-ms")));
        o.onError(new BenchNfcAdapter.ErrorListener() {
            @Override
            public void onBenchError(IOException e) {
                event("bench-error", "message", e.getMessage());
            }
        });
        this.nfc = BenchNfcAdapter.create(o);
    }

    public static void main(String[] argv) {
        Map<String, String> args;
        try {
            args = parse(argv);
            String pin = args.get("pin");
            if (pin == null || !pin.matches("[0-9]{8}")) throw new IllegalArgumentException("--pin: 8 digits");
            int sources = (args.containsKey("qr") ? 1 : 0) + (args.containsKey("qr-stdin") ? 1 : 0)
                    + (args.containsKey("external-app") ? 1 : 0);
            if (sources != 1) throw new IllegalArgumentException("give --qr <payload>, --qr-stdin or --external-app <file>");
        } catch (IllegalArgumentException e) {
            System.err.println("usage error: " + e.getMessage());
            System.exit(2);
            return;
        }
        byte[] ca;
        try {
            ca = idpCa(args);
        } catch (IllegalArgumentException | IOException e) {
            event("error", "code", "BAD_INPUT", "message", e.getMessage());
            System.exit(2);
            return;
        } catch (InterruptedException e) {
            System.exit(1);
            return;
        }
        int code;
        try {
            HybridLoginApp app = new HybridLoginApp(args, ca);
            try {
                code = app.run();
            } finally {
                app.nfc.close();
            }
        } catch (Exception e) {
            event("error", "code", "INTERNAL", "message", e.toString());
            code = 1;
        }
        System.exit(code);
    }

    private int run() throws Exception {
        nfc.enableReaderMode(new BenchNfcAdapter.ReaderCallback() {
            @Override
            public void onTagDiscovered(BenchTag tag) {
                tags.add(tag);
            }
        });
        if (args.containsKey("qr")) return login(args.get("qr")) ? 0 : 1;
        boolean all = true;
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        for (String line; (line = in.readLine()) != null;) if (!line.trim().isEmpty()) all &= login(line);
        return all ? 0 : 1;
    }

    /** One hybrid login; true when the OTP was shown. */
    private boolean login(String payload) throws Exception {
        HybridQr qr;
        try {
            qr = HybridQr.parse(payload);
        } catch (IllegalArgumentException e) {
            event("error", "code", "QR_NOT_RECOGNISED", "message", e.getMessage());
            return false;
        }
        event("qr", "opId", qr.opId, "userId", qr.userId, "sp", qr.spName);
        for (;;) {
            BenchTag tag = tags.poll(waitMs, TimeUnit.MILLISECONDS);
            if (tag == null) {
                event("error", "code", "CARD_NOT_DETECTED", "message", "no card within " + waitMs + " ms");
                return false;
            }
            BenchIsoDep iso = BenchIsoDep.get(tag);
            iso.setTimeout(Integer.parseInt(args.containsKey("timeout-ms") ? args.get("timeout-ms") : "30000"));
            event("tag", "uid", Hex.encode(tag.getId()));
            try {
                iso.connect();
                return cardAndIdp(iso, qr);
            } catch (IOException e) {
                if (!TagLostException.isTagLost(e)) throw e;
                event("tag-lost", "message", "Avvicina di nuovo la carta al telefono");
            } finally {
                iso.close();
            }
        }
    }

    private boolean cardAndIdp(IsoDepLike iso, HybridQr qr) throws IOException {
        IasClient card = new IasClient(iso, rng);
        try {
            String nis = card.readNis();
            card.openSecureChannel();
            IasClient.PinStatus pin = card.verifyPin(args.get("pin"));
            if (!pin.ok()) {
                event("error", "code", pin.blocked() ? "PIN_BLOCKED" : "PIN_WRONG", "message", pin.toString());
                return false;
            }
            byte[] cert = card.readCertificate();
            event("card", "nis", nis, "certificate", CieLogin.parse(cert).getSubjectX500Principal().getName());
            String endpoint = qr.idpOrigin + HYBRID_PATH;
            JSONObject resolved = post(endpoint, form("opId", qr.opId, "userId", qr.userId, "cert", Hex.encode(cert)));
            if (resolved == null) return false;
            String challenge = resolved.optString("challenge", "");
            if (!challenge.matches("[A-Za-z0-9_-]{1,512}")) {
                event("error", "code", "BAD_ANSWER", "message", "H1 answer without a challenge: " + resolved);
                return false;
            }
            event("challenge", "sp", resolved.optString("SpName"), "opText", resolved.optString("opText"));
            byte[] signature = card.sign(IasClient.sha256DigestInfo(challenge.getBytes(StandardCharsets.UTF_8)));
            JSONObject done = post(endpoint,
                    form("opId", qr.opId, "userId", qr.userId, "cert", Hex.encode(cert), "challenge", Hex.encode(signature)));
            if (done == null) return false;
            String otp = done.optString("otp", "");
            if (!otp.matches("[0-9]{4,10}")) {
                event("error", "code", "BAD_ANSWER", "message", "H2 answer without an OTP: " + done);
                return false;
            }
            event("otp", "otp", otp, "message", done.optString("messaggio"));
            return true;
        } catch (CardException e) {
            event("error", "code", e.getCode(), "message", e.getMessage());
            return false;
        }
    }

    /** The form as the SDKs post it: values sent as they are (every IdP value is URL-safe; hex is too). */
    private static FormBody form(String... kv) {
        FormBody.Builder b = new FormBody.Builder();
        for (int i = 0; i < kv.length; i += 2) b.addEncoded(kv[i], kv[i + 1]);
        return b.build();
    }

    /** POST and parse the JSON answer; an error answer ({@code esito KO}) is reported and gives null. */
    private JSONObject post(String url, FormBody body) throws IOException {
        Request req = new Request.Builder().url(url).post(body).build();
        try (Response rsp = http.newCall(req).execute()) {
            String text = rsp.body() != null ? rsp.body().string() : "";
            JSONObject json;
            try {
                json = new JSONObject(text);
            } catch (JSONException e) {
                event("error", "code", "BAD_ANSWER", "message", "HTTP " + rsp.code() + ", not JSON: " + text);
                return null;
            }
            if (rsp.code() != 200 || !"OK".equals(json.optString("esito"))) {
                event("error", "code", json.optString("codice", "HTTP_" + rsp.code()), "message", json.optString("messaggio", text));
                return null;
            }
            return json;
        }
    }

    /**
     * The IdP's TLS CA as PEM bytes: from {@code --idp-ca}, or from the runner's published file, whose
     * QR payload and NFC endpoint then become {@code --qr} and {@code --nfc}.
     */
    private static byte[] idpCa(Map<String, String> args) throws IOException, InterruptedException {
        if (!args.containsKey("external-app")) return Files.readAllBytes(new File(args.get("idp-ca")).toPath());
        ExternalAppFile published = ExternalAppFile.await(new File(args.get("external-app")), waitMs(args));
        event("external-app", "file", args.get("external-app"), "nfc", published.nfc);
        args.put("qr", published.qr);
        args.put("nfc", published.nfc);
        return published.idpCaPem.getBytes(StandardCharsets.US_ASCII);
    }

    private static long waitMs(Map<String, String> args) {
        return Long.parseLong(args.containsKey("wait-ms") ? args.get("wait-ms") : "120000");
    }

    /** HTTPS trusting the IdP's TLS CA (PEM) only. */
    private static OkHttpClient httpClient(byte[] caPem) throws IOException, GeneralSecurityException {
        KeyStore ks = KeyStore.getInstance(KeyStore.getDefaultType());
        ks.load(null, null);
        try (InputStream in = new ByteArrayInputStream(caPem)) {
            int i = 0;
            for (Certificate c : CertificateFactory.getInstance("X.509").generateCertificates(in)) ks.setCertificateEntry("ca" + i++, c);
            if (i == 0) throw new IllegalArgumentException("the IdP's TLS CA: no certificate");
        }
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(ks);
        X509TrustManager tm = null;
        for (TrustManager t : tmf.getTrustManagers()) if (t instanceof X509TrustManager) tm = (X509TrustManager) t;
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(null, new TrustManager[] {tm}, null);
        return new OkHttpClient.Builder()
                .sslSocketFactory(ctx.getSocketFactory(), tm)
                .connectTimeout(30, TimeUnit.SECONDS)
                .readTimeout(60, TimeUnit.SECONDS)
                .build();
    }

    private String required(String key) {
        String v = args.get(key);
        if (v == null) throw new IllegalArgumentException("--" + key + " is required");
        return v;
    }

    static Map<String, String> parse(String[] argv) {
        Map<String, String> out = new HashMap<>();
        for (int i = 0; i < argv.length; i++) {
            String a = argv[i];
            if (!a.startsWith("--")) throw new IllegalArgumentException("unexpected argument " + a);
            String key = a.substring(2);
            if (key.equals("qr-stdin")) out.put(key, "true");
            else {
                if (i + 1 >= argv.length) throw new IllegalArgumentException(a + " needs a value");
                out.put(key, argv[++i]);
            }
        }
        if (out.containsKey("external-app")) {
            for (String k : new String[] {"nfc", "idp-ca", "qr", "qr-stdin"})
                if (out.containsKey(k)) throw new IllegalArgumentException("--external-app gives --" + k + " itself");
        } else {
            for (String k : new String[] {"nfc", "idp-ca"})
                if (!out.containsKey(k)) throw new IllegalArgumentException("--" + k + " is required");
        }
        return out;
    }

    /** One JSON line on standard output. */
    static synchronized void event(String name, String... kv) {
        JSONObject o = new JSONObject();
        try {
            o.put("event", name);
            for (int i = 0; i + 1 < kv.length; i += 2) o.put(kv[i], kv[i + 1]);
        } catch (JSONException e) {
            throw new IllegalStateException(e);
        }
        System.out.println(o.toString());
        System.out.flush();
    }
}
