package ciebench.nfc.app;

import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.List;

/** BER-TLV as the IAS answers use it (ISO/IEC 7816-4 §5.2): multi-byte tags, lengths up to 3 bytes. */
final class Tlv {
    final int tag;
    final byte[] value;
    /** Children of a constructed object (bit 6 of the first tag byte), else empty. */
    final List<Tlv> children;
    /** The encoded object as received (a MAC covers these bytes, whatever the length form). */
    final byte[] raw;

    private Tlv(int tag, byte[] value, List<Tlv> children, byte[] raw) {
        this.tag = tag;
        this.value = value;
        this.children = children;
        this.raw = raw;
    }

    /** Every object in {@code data} (trailing zero padding, as in EF files, is ignored). */
    static List<Tlv> parse(byte[] data) throws CardException {
        List<Tlv> out = new ArrayList<>();
        int i = 0;
        while (i < data.length) {
            if (data[i] == 0x00) break;
            int start = i;
            int first = data[i++] & 0xFF;
            int tag = first;
            if ((first & 0x1F) == 0x1F) {
                do {
                    if (i >= data.length) throw bad("tag runs past the end");
                    tag = (tag << 8) | (data[i] & 0xFF);
                } while ((data[i++] & 0x80) != 0);
            }
            if (i >= data.length) throw bad("no length after tag " + Integer.toHexString(tag));
            int len = data[i++] & 0xFF;
            if (len > 0x80) {
                int n = len & 0x7F;
                if (n > 3 || i + n > data.length) throw bad("length field of " + n + " bytes");
                len = 0;
                for (int k = 0; k < n; k++) len = (len << 8) | (data[i++] & 0xFF);
            } else if (len == 0x80) throw bad("indefinite length");
            if (i + len > data.length) throw bad("value of tag " + Integer.toHexString(tag) + " runs past the end");
            byte[] value = java.util.Arrays.copyOfRange(data, i, i + len);
            i += len;
            boolean constructed = (first & 0x20) != 0;
            out.add(new Tlv(tag, value, constructed ? parse(value) : new ArrayList<Tlv>(),
                    java.util.Arrays.copyOfRange(data, start, i)));
            if (i == start) throw bad("no progress");
        }
        return out;
    }

    /** The object at {@code path} (tags from the top level down), or null. */
    static Tlv find(List<Tlv> list, int... path) {
        List<Tlv> level = list;
        Tlv found = null;
        for (int tag : path) {
            found = null;
            for (Tlv t : level) if (t.tag == tag) found = t;
            if (found == null) return null;
            level = found.children;
        }
        return found;
    }

    static byte[] encode(int tag, byte[]... parts) {
        ByteArrayOutputStream value = new ByteArrayOutputStream();
        for (byte[] p : parts) value.write(p, 0, p.length);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        if (tag > 0xFFFF) out.write(tag >> 16);
        if (tag > 0xFF) out.write(tag >> 8);
        out.write(tag);
        int len = value.size();
        if (len < 0x80) out.write(len);
        else if (len < 0x100) {
            out.write(0x81);
            out.write(len);
        } else {
            out.write(0x82);
            out.write(len >> 8);
            out.write(len);
        }
        byte[] v = value.toByteArray();
        out.write(v, 0, v.length);
        return out.toByteArray();
    }

    /** Length of the DER object at the start of a file padded with zeros (EF 1003, 1004). */
    static int derLength(byte[] file) throws CardException {
        if (file.length < 2 || file[0] != 0x30) throw bad("file does not start with a DER SEQUENCE");
        int first = file[1] & 0xFF;
        int n = first < 0x80 ? 0 : first & 0x7F;
        int len = first < 0x80 ? first : 0;
        for (int k = 0; k < n; k++) len = (len << 8) | (file[2 + k] & 0xFF);
        int total = 2 + n + len;
        if (total > file.length) throw bad("DER length " + total + " exceeds the file (" + file.length + ")");
        return total;
    }

    private static CardException bad(String what) {
        return new CardException("BAD_RESPONSE", "TLV: " + what);
    }
}
