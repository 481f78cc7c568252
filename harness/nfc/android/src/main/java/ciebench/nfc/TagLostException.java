package ciebench.nfc;

import java.io.IOException;
import java.lang.reflect.Constructor;

/**
 * The tag left the field: {@code android.nfc.TagLostException} for code that runs outside Android.
 *
 * <p>On Android (an app under an Espresso test on the emulator) the adapter throws the platform's
 * own {@code android.nfc.TagLostException}, so the app's {@code catch (TagLostException e)} is the
 * one it has in production; this class is thrown only where that class does not exist (plain JVM).
 * Both are {@link IOException}s with the platform's message {@value #MESSAGE}; the bench's reason
 * (fault, timeout, field off) is the exception's cause. {@link #isTagLost} recognises either.
 */
public class TagLostException extends IOException {
    private static final long serialVersionUID = 1L;

    /** The message of Android's {@code TransceiveResult.getResponseOrThrow()}. */
    public static final String MESSAGE = "Tag was lost.";

    private static final String ANDROID_CLASS = "android.nfc.TagLostException";
    private static final Constructor<? extends IOException> ANDROID = androidConstructor();

    public TagLostException() {
        super();
    }

    public TagLostException(String message) {
        super(message);
    }

    /** True for this class and for {@code android.nfc.TagLostException}. */
    public static boolean isTagLost(Throwable t) {
        return t instanceof TagLostException
                || (t != null && t.getClass().getName().equals(ANDROID_CLASS));
    }

    /** A tag-lost exception of the platform's type, its cause saying why the tag was lost. */
    static IOException create(String reason) {
        IOException e = null;
        if (ANDROID != null) {
            try {
                e = ANDROID.newInstance(MESSAGE);
            } catch (ReflectiveOperationException ignored) {
                e = null;
            }
        }
        if (e == null) e = new TagLostException(MESSAGE);
        e.initCause(new IOException(reason));
        return e;
    }

    @SuppressWarnings("unchecked")
    private static Constructor<? extends IOException> androidConstructor() {
        try {
            Class<?> c = Class.forName(ANDROID_CLASS, false, TagLostException.class.getClassLoader());
            if (!IOException.class.isAssignableFrom(c)) return null;
            return ((Class<? extends IOException>) c).getConstructor(String.class);
        } catch (ClassNotFoundException | NoSuchMethodException | LinkageError e) {
            return null;
        }
    }
}
