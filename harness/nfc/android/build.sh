#!/usr/bin/env bash
# Builds the bench's NFC adapter for Android apps and runs its JVM tests, with Debian's OpenJDK 17
# and Debian's jars only (no Gradle, no Maven download):
#   openjdk-17-jdk-headless libokhttp-java libandroid-json-java junit4
#
#   harness/nfc/android/build.sh jar    the library jar (Java 8 bytecode) and the sample app jar
#   harness/nfc/android/build.sh test   the jars, then the JUnit suites against the bench's endpoint
#
# Output in harness/nfc/android/build/ (CIEBENCH_ANDROID_BUILD overrides). The tests start the bench
# with Node (node_modules installed: npm ci). Exit code 0 only if everything compiled and passed.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../../.." && pwd)
out=${CIEBENCH_ANDROID_BUILD:-$here/build}
java_dir=${CIEBENCH_JAVA_DIR:-/usr/share/java}
mode=${1:-test}

# The library depends on OkHttp 3 (+ Okio) and org.json: Android ships org.json, Debian's
# libandroid-json-java is the same code (AOSP libcore). JUnit 4 finds Hamcrest via its manifest.
okhttp="$java_dir/okhttp.jar:$java_dir/okio.jar"
json="$java_dir/com.android.json.jar"
junit="$java_dir/junit4.jar:$java_dir/hamcrest-core.jar"

need() {
  for f in "$@"; do
    if [ ! -e "$f" ]; then
      echo "missing $f: apt-get install openjdk-17-jdk-headless libokhttp-java libandroid-json-java junit4" >&2
      exit 3
    fi
  done
}
command -v javac >/dev/null || { echo "javac not found: apt-get install openjdk-17-jdk-headless" >&2; exit 3; }
need "$java_dir/okhttp.jar" "$java_dir/okio.jar" "$json"

sources() { find "$1" -name '*.java' | sort; }
# The library, the sample app and the stand-ins at Java 8 language level and API (--release checks
# both); the tests, which only run on the build machine's JDK, at 17. Warnings are errors.
release=8
compile() {
  local dest=$1 cp=$2
  shift 2
  rm -rf "$dest"
  mkdir -p "$dest"
  javac --release "$release" -encoding UTF-8 -Xlint:all,-options -Werror -d "$dest" -cp "$cp" "$@"
}

echo "-- library (Java 8): $out/ciebench-nfc-android.jar"
compile "$out/classes/main" "$okhttp:$json" $(sources "$here/src/main/java")
jar --create --file "$out/ciebench-nfc-android.jar" -C "$out/classes/main" .
jar --create --file "$out/ciebench-nfc-android-sources.jar" -C "$here/src/main/java" .

echo "-- sample app (JVM program: IAS login and hybrid login through the adapter): $out/ciebench-nfc-app.jar"
compile "$out/classes/app" "$out/ciebench-nfc-android.jar:$okhttp:$json" $(sources "$here/src/app/java")
jar --create --file "$out/ciebench-nfc-app.jar" -C "$out/classes/app" .

echo "-- the README's wrapper for the real IsoDep, against Android API stubs"
compile "$out/classes/stubs" "" $(sources "$here/src/stubs/java")
mkdir -p "$out/readme"
awk '/^<!-- radio-isodep:begin -->$/{on=1; next} /^<!-- radio-isodep:end -->$/{on=0} on && !/^```/' \
  "$here/../README.md" >"$out/readme/RadioIsoDep.java"
if [ ! -s "$out/readme/RadioIsoDep.java" ]; then
  echo "harness/nfc/README.md has no radio-isodep block" >&2
  exit 1
fi
compile "$out/classes/readme" "$out/classes/stubs:$out/ciebench-nfc-android.jar" "$out/readme/RadioIsoDep.java"

[ "$mode" = jar ] && exit 0
need "$java_dir/junit4.jar" "$java_dir/hamcrest-core.jar"
command -v node >/dev/null || { echo "node not found" >&2; exit 3; }
[ -d "$root/node_modules/tsx" ] || { echo "node_modules missing: run npm ci in $root" >&2; exit 3; }

lib_cp="$out/ciebench-nfc-android.jar:$out/ciebench-nfc-app.jar:$okhttp:$json"
test_classes() { (cd "$1" && find . -name '*Test.java' | sed 's|^\./||; s|\.java$||; s|/|.|g' | sort); }

echo "-- JVM tests (plain JVM: no android.* classes)"
release=17
compile "$out/classes/test" "$lib_cp:$junit" $(sources "$here/src/test/java")
java -Dciebench.root="$root" -cp "$out/classes/test:$lib_cp:$junit" org.junit.runner.JUnitCore \
  $(test_classes "$here/src/test/java")

echo "-- JVM tests with the Android API stubs on the class path (the platform's exception types)"
compile "$out/classes/android-test" "$out/classes/test:$out/classes/stubs:$lib_cp:$junit" \
  $(sources "$here/src/android-test/java")
java -Dciebench.root="$root" -cp "$out/classes/android-test:$out/classes/test:$out/classes/stubs:$lib_cp:$junit" \
  org.junit.runner.JUnitCore $(test_classes "$here/src/android-test/java")
