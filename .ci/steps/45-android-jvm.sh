# Android test adapter (harness/nfc/android/README.md): Debian's OpenJDK 17, OkHttp 3, org.json (AOSP libcore)
# and JUnit 4 — no Gradle, no Maven download. Builds the library jar (Java 8 bytecode) and runs its JVM suites
# against the bench's NFC endpoint; a failing test fails CI here. `npm test` (90-test.sh) runs the same suites
# again through harness/nfc/android/android-adapter.integration.test.ts, required there by CIE_REQUIRE_INTEGRATION.
apt-get install -y --no-install-recommends openjdk-17-jdk-headless libokhttp-java libandroid-json-java junit4
java -version 2>&1 | sed -n 1p
dpkg-query -W -f='${Package} ${Version}\n' openjdk-17-jdk-headless libokhttp-java libandroid-json-java junit4
# The JUnit suites run inside npm test (harness/nfc/android/android-adapter.integration.test.ts); here only
# the jars are built, so a compile error shows in this step.
bash harness/nfc/android/build.sh jar
echo "Android adapter jar: ${CIEBENCH_ANDROID_BUILD:-$PWD/harness/nfc/android/build}/ciebench-nfc-android.jar"
