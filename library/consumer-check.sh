#!/usr/bin/env bash
# The consumer check: a project outside the reactor (library/consumer-check), made only from the
# README's "Use jring in your project" (`./jring install`, then one <dependency>, and
# `requires io.jring;` in its module-info), is built and run: an echo round trip on io_uring,
# then on epoll with liburing hidden, on the class path and on the module path, each with
# --illegal-native-access=deny and no restricted-method warning. Then javac must refuse a source
# of that module that imports jring's internal packages. .ci/run runs it.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

./jring install
JAVA_HOME="$(./jring java-home)"
export MAVEN_OPTS="${MAVEN_OPTS:-} --sun-misc-unsafe-memory-access=allow" # Maven's guava on JDK 25
export JAVA_HOME
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cp -r library/consumer-check/. "$work/"
mvn -B -ntp -q -f "$work/pom.xml" package dependency:build-classpath -Dmdep.outputFile="$work/cp.txt" \
  -DincludeScope=runtime
jars="$(cat "$work/cp.txt")"

run() { # class-path|module-path, extra JVM options, then: what the program must print
  local path="$1" expected="${*: -1}" out
  local -a launch
  shift
  case "$path" in
    class-path)  launch=(--enable-native-access=ALL-UNNAMED -cp "$work/target/classes:$jars" example.EchoRoundTrip) ;;
    module-path) launch=(--enable-native-access=io.jring.bindings --module-path "$work/target/classes:$jars"
                         -m example/example.EchoRoundTrip) ;;
  esac
  out="$("$JAVA_HOME/bin/java" --illegal-native-access=deny "${@:1:$#-1}" "${launch[@]}" 2>&1)" \
    || { echo "$out"; echo "consumer check ($path): the program failed" >&2; exit 1; }
  if ! grep -q "$expected" <<<"$out"; then
    echo "$out"; echo "consumer check ($path): expected '$expected'" >&2; exit 1
  fi
  if grep -qi "restricted method" <<<"$out"; then
    echo "$out"; echo "consumer check ($path): a restricted-method warning was printed" >&2; exit 1
  fi
  echo "consumer check ($path): $expected"
}

for path in class-path module-path; do
  run "$path" "backend=io_uring reply=ping" # with JRING_REQUIRE_URING=1 (CI), a fallback fails here
  (unset JRING_REQUIRE_URING; run "$path" -Djring.liburing=nope.so "backend=epoll reply=ping")
done

# On the module path jring exports io.jring alone: importing an internal package must not compile.
if out="$("$JAVA_HOME/bin/javac" -d "$work/must-not-compile-classes" --module-path "$jars" \
    "$work/src/main/java/module-info.java" "$work/must-not-compile/example/ReachesIntoJring.java" 2>&1)"; then
  echo "consumer check (module-path): javac compiled a source that imports io.jring.loop and io.jring.spi" >&2; exit 1
fi
for package in io.jring.loop io.jring.spi; do
  if ! grep -q "package $package is not visible" <<<"$out" \
      || ! grep -q "package $package is declared in module io.jring, which does not export it to module example" <<<"$out"; then
    echo "$out"; echo "consumer check (module-path): expected javac to say $package is not visible (not exported)" >&2; exit 1
  fi
done
echo "consumer check (module-path): io.jring.loop and io.jring.spi are not visible to a consumer module"
