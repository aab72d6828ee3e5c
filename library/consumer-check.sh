#!/usr/bin/env bash
# The consumer check: a project outside the reactor (library/consumer-check), made only from the
# README's "Use jring in your project" (`./jring install`, then one <dependency>), is built and
# run on the class path: an echo round trip on io_uring, then on epoll with liburing hidden,
# with --illegal-native-access=deny and no restricted-method warning. .ci/run runs it.
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
classpath="$work/target/classes:$(cat "$work/cp.txt")"

run() { # extra JVM options, then: what the program must print
  local expected="${*: -1}" out
  out="$("$JAVA_HOME/bin/java" --enable-native-access=ALL-UNNAMED --illegal-native-access=deny \
    "${@:1:$#-1}" -cp "$classpath" example.EchoRoundTrip 2>&1)" || { echo "$out"; echo "consumer check: the program failed" >&2; exit 1; }
  if ! grep -q "$expected" <<<"$out"; then
    echo "$out"; echo "consumer check: expected '$expected'" >&2; exit 1
  fi
  if grep -qi "restricted method" <<<"$out"; then
    echo "$out"; echo "consumer check: a restricted-method warning was printed" >&2; exit 1
  fi
  echo "consumer check: $expected"
}

run "backend=io_uring reply=ping" # with JRING_REQUIRE_URING=1 (CI), a fallback fails here
(unset JRING_REQUIRE_URING; run -Djring.liburing=nope.so "backend=epoll reply=ping")
