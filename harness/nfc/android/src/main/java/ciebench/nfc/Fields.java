package ciebench.nfc;

import org.json.JSONObject;

/**
 * Strict reads of a server message's fields: the JSON type must be the declared one (org.json
 * would turn {@code "5"} into 5). A wrong or missing field is a {@link BenchProtocolException}.
 */
final class Fields {
    private Fields() {}

    static String string(JSONObject m, String key) throws BenchProtocolException {
        Object v = m.opt(key);
        if (!(v instanceof String)) throw wrong(m, key, "a string");
        return (String) v;
    }

    static int integer(JSONObject m, String key) throws BenchProtocolException {
        Object v = m.opt(key);
        if (!(v instanceof Number)) throw wrong(m, key, "a number");
        double d = ((Number) v).doubleValue();
        if (d != Math.rint(d) || Math.abs(d) > Integer.MAX_VALUE) throw wrong(m, key, "an integer");
        return (int) d;
    }

    /** An optional integer: {@code null} when the key is absent. */
    static Integer optionalInteger(JSONObject m, String key) throws BenchProtocolException {
        return m.has(key) ? Integer.valueOf(integer(m, key)) : null;
    }

    static double number(JSONObject m, String key) throws BenchProtocolException {
        Object v = m.opt(key);
        if (!(v instanceof Number)) throw wrong(m, key, "a number");
        return ((Number) v).doubleValue();
    }

    static boolean bool(JSONObject m, String key) throws BenchProtocolException {
        Object v = m.opt(key);
        if (!(v instanceof Boolean)) throw wrong(m, key, "a boolean");
        return (Boolean) v;
    }

    static byte[] hex(JSONObject m, String key) throws BenchProtocolException {
        try {
            return Hex.decode(string(m, key));
        } catch (IllegalArgumentException e) {
            throw wrong(m, key, "hex");
        }
    }

    private static BenchProtocolException wrong(JSONObject m, String key, String what) {
        return new BenchProtocolException(
                "PROTOCOL", "'" + m.optString("type") + "' message: '" + key + "' is not " + what);
    }
}
