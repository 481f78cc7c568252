package ciebench.nfc;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;

/**
 * A scripted stand-in for the bench's endpoint, speaking RFC 6455 by hand, to send the adapter
 * what the real server never sends: another protocol version, malformed or unknown messages.
 * Answers: {@code hello} on connect, the script's lines for each client text message, and the
 * R-APDU 9000 for each binary message. Records the close codes the adapter sends.
 */
final class FakeBench implements AutoCloseable {
    /** Lines to send back for one client text message. */
    interface Script {
        List<String> answer(String clientMessage);

        /** Text messages to send instead of the R-APDU 9000 for the n-th command (null: 9000). */
        default List<String> answerApdu(int n) {
            return null;
        }
    }

    final LinkedBlockingQueue<Integer> closeCodes = new LinkedBlockingQueue<>();
    private final ServerSocket server;
    private final String hello;
    private final Script script;
    private final Thread thread;

    FakeBench(String hello, Script script) throws IOException {
        this.server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        this.hello = hello;
        this.script = script;
        this.thread = new Thread(new Runnable() {
            @Override
            public void run() {
                serve();
            }
        }, "fake-bench");
        thread.setDaemon(true);
        thread.start();
    }

    String url() {
        return "ws://127.0.0.1:" + server.getLocalPort();
    }

    private void serve() {
        while (!server.isClosed()) {
            try (Socket s = server.accept()) {
                session(s.getInputStream(), s.getOutputStream());
            } catch (Exception e) {
                // the adapter went away; accept the next connection
            }
        }
    }

    private void session(InputStream in, OutputStream out) throws Exception {
        String key = null;
        for (String line; !(line = readLine(in)).isEmpty();)
            if (line.toLowerCase().startsWith("sec-websocket-key:")) key = line.substring(18).trim();
        byte[] sha1 = MessageDigest.getInstance("SHA-1")
                .digest((key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11").getBytes(StandardCharsets.US_ASCII));
        out.write(("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                        + "Sec-WebSocket-Accept: " + Base64.getEncoder().encodeToString(sha1) + "\r\n\r\n")
                .getBytes(StandardCharsets.US_ASCII));
        frame(out, 1, hello.getBytes(StandardCharsets.UTF_8));
        int apdus = 0;
        for (;;) {
            int b0 = in.read();
            if (b0 < 0) return;
            int opcode = b0 & 0x0F;
            byte[] payload = payload(in);
            if (opcode == 1) {
                for (String answer : script.answer(new String(payload, StandardCharsets.UTF_8)))
                    frame(out, 1, answer.getBytes(StandardCharsets.UTF_8));
            } else if (opcode == 2) {
                List<String> instead = script.answerApdu(++apdus);
                if (instead == null) frame(out, 2, new byte[] {(byte) 0x90, 0x00});
                else for (String m : instead) frame(out, 1, m.getBytes(StandardCharsets.UTF_8));
            } else if (opcode == 8) {
                closeCodes.add(payload.length >= 2 ? ((payload[0] & 0xFF) << 8) | (payload[1] & 0xFF) : 1005);
                frame(out, 8, new byte[0]);
                return;
            }
        }
    }

    private static byte[] payload(InputStream in) throws IOException {
        int b1 = in.read();
        long len = b1 & 0x7F;
        if (len == 126) len = (in.read() << 8) | in.read();
        else if (len == 127) {
            len = 0;
            for (int i = 0; i < 8; i++) len = (len << 8) | in.read();
        }
        byte[] mask = new byte[4];
        if ((b1 & 0x80) != 0) for (int i = 0; i < 4; i++) mask[i] = (byte) in.read();
        byte[] p = new byte[(int) len];
        for (int i = 0; i < p.length; i++) p[i] = (byte) (in.read() ^ mask[i % 4]);
        return p;
    }

    private static void frame(OutputStream out, int opcode, byte[] payload) throws IOException {
        ByteArrayOutputStream f = new ByteArrayOutputStream();
        f.write(0x80 | opcode);
        if (payload.length < 126) f.write(payload.length);
        else {
            f.write(126);
            f.write(payload.length >> 8);
            f.write(payload.length);
        }
        f.write(payload, 0, payload.length);
        out.write(f.toByteArray());
        out.flush();
    }

    private static String readLine(InputStream in) throws IOException {
        StringBuilder b = new StringBuilder();
        for (int c; (c = in.read()) >= 0 && c != '\n';) if (c != '\r') b.append((char) c);
        return b.toString();
    }

    static List<String> lines(String... l) {
        List<String> out = new ArrayList<>();
        for (String s : l) out.add(s);
        return out;
    }

    @Override
    public void close() throws IOException {
        server.close();
    }
}
