#!/usr/bin/env bash
# The class path check (issue 13, part 4): `./jring classpath` prints one line, the last of its
# output, and a program compiled against that line alone, in a temp dir, runs with
# `java --enable-native-access=ALL-UNNAMED -cp "$(./jring classpath):app.jar"`: a jring echo
# round trip on io_uring (required: no silent fallback), and an AsynchronousSocketChannel that
# is jring's provider's, because the provider's jar is on that class path. .ci/run runs it.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

JAVA_HOME="$(./jring java-home)"
cp="$(./jring classpath | tail -n 1)"
[[ "$cp" == *jring-nio2-*.jar* && "$cp" == *jring-runtime-*.jar* && "$cp" == *jring-epoll-fallback-*.jar* ]] \
  || { echo "classpath check: unexpected class path: $cp" >&2; exit 1; }
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/src/app" "$work/classes"
cat > "$work/src/app/Main.java" <<'JAVA'
package app;

import io.jring.IoRuntime;
import io.jring.Listener;
import java.net.InetSocketAddress;
import java.nio.channels.AsynchronousSocketChannel;
import java.nio.charset.StandardCharsets;

public class Main {
    public static void main(String[] args) throws Exception {
        try (IoRuntime runtime = IoRuntime.open()) {
            Listener listener = runtime.listen(new InetSocketAddress("127.0.0.1", 0));
            listener.onAccept(c -> c.recv().thenCompose(c::send));
            var client = runtime.connect(listener.localAddress()).join();
            client.send(java.lang.foreign.MemorySegment.ofArray("ping".getBytes(StandardCharsets.US_ASCII))).join();
            var echoed = client.recv().join();
            System.out.println("echoed=" + StandardCharsets.US_ASCII.decode(echoed.asByteBuffer())
                    + " backend=" + runtime.backend());
            echoed.release();
            client.close();
        }
        try (AsynchronousSocketChannel channel = AsynchronousSocketChannel.open()) {
            System.out.println("provider=" + channel.provider().getClass().getName());
        }
    }
}
JAVA
"$JAVA_HOME/bin/javac" -d "$work/classes" -cp "$cp" "$work/src/app/Main.java"
"$JAVA_HOME/bin/jar" --create --file "$work/app.jar" -C "$work/classes" .
out="$(JRING_REQUIRE_URING=1 "$JAVA_HOME/bin/java" --enable-native-access=ALL-UNNAMED -cp "$cp:$work/app.jar" app.Main 2>&1)" \
  || { echo "$out"; echo "classpath check: the program failed" >&2; exit 1; }
for expected in "echoed=ping backend=io_uring" "provider=io.jring.nio2.JringAsynchronousChannelProvider"; do
  grep -qF "$expected" <<<"$out" || { echo "$out"; echo "classpath check: expected '$expected'" >&2; exit 1; }
done
echo "classpath check: $(tr '\n' ' ' <<<"$out")"
