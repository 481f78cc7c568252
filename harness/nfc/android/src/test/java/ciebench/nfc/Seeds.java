package ciebench.nfc;

import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;

/**
 * Seeded randomness for the terminal side of the tests (DH exponents, DAPP challenges): SHA1PRNG
 * seeded before first use is deterministic. The seed is printed; {@code -Dciebench.seed=…} replays.
 */
final class Seeds {
    private Seeds() {}

    static SecureRandom rng(String label) throws Exception {
        String seed = System.getProperty("ciebench.seed", "ciebench-android-v1") + "|" + label;
        SecureRandom r = SecureRandom.getInstance("SHA1PRNG");
        r.setSeed(seed.getBytes(StandardCharsets.UTF_8));
        System.out.println("[seed] " + seed);
        return r;
    }
}
