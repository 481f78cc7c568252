package ciebench.nfc.app;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import org.json.JSONException;
import org.json.JSONObject;

/**
 * What the bench's scenario runner publishes for an external app at a QR step: {@code external-app.json}
 * in the journey's folder, with the QR payload ({@code qr}), the card's NFC endpoint ({@code nfc}) and the
 * IdP's TLS CA ({@code idpCaPem}, PEM text). The runner writes the file when the desktop page shows the
 * QR code, so the app waits for it to appear and to parse.
 */
final class ExternalAppFile {
    final String qr;
    final String nfc;
    final String idpCaPem;

    private ExternalAppFile(JSONObject o) throws JSONException {
        qr = o.getString("qr");
        nfc = o.getString("nfc");
        idpCaPem = o.getString("idpCaPem");
        if (!nfc.startsWith("ws://") && !nfc.startsWith("wss://"))
            throw new JSONException("'nfc' is not a WebSocket URL: " + nfc);
    }

    /** Parses the published file; an IllegalArgumentException says what is wrong with it. */
    static ExternalAppFile parse(String text) {
        try {
            return new ExternalAppFile(new JSONObject(text));
        } catch (JSONException e) {
            throw new IllegalArgumentException("external-app file: " + e.getMessage(), e);
        }
    }

    /**
     * Waits up to {@code waitMs} for {@code file} to exist and hold a complete publication (checked
     * every 100 ms: the runner's write may still be in progress); the last problem when it does not.
     */
    static ExternalAppFile await(File file, long waitMs) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + waitMs * 1_000_000L;
        String problem = "it does not exist";
        for (;;) {
            if (file.isFile()) {
                try {
                    return parse(new String(Files.readAllBytes(file.toPath()), StandardCharsets.UTF_8));
                } catch (IllegalArgumentException e) {
                    problem = e.getMessage();
                }
            }
            if (System.nanoTime() >= deadline)
                throw new IOException("--external-app " + file + ": nothing usable within " + waitMs + " ms (" + problem + ")");
            Thread.sleep(100);
        }
    }
}
