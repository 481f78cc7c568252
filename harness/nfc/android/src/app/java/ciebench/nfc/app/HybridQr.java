package ciebench.nfc.app;

import java.io.UnsupportedEncodingException;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URLDecoder;
import java.util.HashMap;
import java.util.Map;

/**
 * The QR code of a hybrid login (the bench IdP's scenarios/idp/L3-PROTOCOL.md §4.2):
 * {@code {IDP}/idp/erroreQr.jsp?opId=_<32 hex>&opType=login&SPName=…&IdPName=…&userId=<serial>&opText=…&SPLogo=…}.
 */
public final class HybridQr {
    public final String idpOrigin;
    public final String opId;
    public final String userId;
    public final String spName;
    public final String opText;

    private HybridQr(String idpOrigin, String opId, String userId, String spName, String opText) {
        this.idpOrigin = idpOrigin;
        this.opId = opId;
        this.userId = userId;
        this.spName = spName;
        this.opText = opText;
    }

    /** Parses and checks a scanned payload; {@link IllegalArgumentException} says what is wrong. */
    public static HybridQr parse(String payload) {
        URI u;
        try {
            u = new URI(payload.trim());
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException("the QR code is not a URL: " + e.getMessage());
        }
        if (!"https".equals(u.getScheme()) || u.getHost() == null)
            throw new IllegalArgumentException("the QR code is not an https URL of an identity provider");
        if (!"/idp/erroreQr.jsp".equals(u.getRawPath()))
            throw new IllegalArgumentException("not a CieID QR code (path " + u.getRawPath() + ")");
        Map<String, String> q = query(u.getRawQuery());
        String opId = q.get("opId");
        if (opId == null || !opId.matches("_[0-9a-f]{32}")) throw new IllegalArgumentException("QR code without a valid opId");
        if (!"login".equals(q.get("opType"))) throw new IllegalArgumentException("QR code for operation " + q.get("opType"));
        String userId = q.get("userId");
        if (userId == null || userId.isEmpty()) throw new IllegalArgumentException("QR code without userId");
        String origin = u.getScheme() + "://" + u.getHost() + (u.getPort() >= 0 ? ":" + u.getPort() : "");
        return new HybridQr(origin, opId, userId, q.get("SPName"), q.get("opText"));
    }

    private static Map<String, String> query(String raw) {
        Map<String, String> out = new HashMap<>();
        if (raw == null) return out;
        for (String pair : raw.split("&")) {
            int eq = pair.indexOf('=');
            if (eq <= 0) continue;
            try {
                out.put(URLDecoder.decode(pair.substring(0, eq), "UTF-8"), URLDecoder.decode(pair.substring(eq + 1), "UTF-8"));
            } catch (UnsupportedEncodingException e) {
                throw new IllegalStateException(e);
            }
        }
        return out;
    }
}
