package io.jring.bench.jmh;

import io.jring.Connection;
import io.jring.IoBuffer;
import io.jring.IoRuntime;
import io.jring.IoRuntimeOptions;
import io.jring.Listener;
import io.jring.bench.server.Http;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The user-space work of one pipelined http batch of the bench servers, with no I/O: what a
 * handler does with an {@link IoBuffer} between its recv and its send.
 *
 * <ul>
 *   <li>{@code parse16}: 16 pipelined GETs read byte by byte with {@link IoBuffer#getByte} and
 *       counted with the bench servers' CRLFCRLF matcher (as {@code JringServer} does).</li>
 *   <li>{@code write16}: 16 answers of {@value #ANSWER_BYTES} bytes appended with
 *       {@link IoBuffer#write(MemorySegment)} (as {@code JringServer} does).</li>
 * </ul>
 * Both run on the benchmark thread, on a buffer it owns; the runtime is there only to make one.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED"})
public class IoBufferBenchmark {
    static final int ANSWER_BYTES = 78;
    private static final byte[] REQUEST = "GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".getBytes(StandardCharsets.US_ASCII);

    private IoRuntime runtime;
    private Listener listener;
    private Connection client;
    private IoBuffer requests;
    private IoBuffer answers;
    private MemorySegment answer;

    @Setup(Level.Trial)
    public void open() throws Exception {
        if (Http.RESPONSE.length != ANSWER_BYTES) {
            throw new IllegalStateException("the bench's answer is " + Http.RESPONSE.length + " bytes now");
        }
        runtime = IoRuntime.open(IoRuntimeOptions.defaults().withThreads(1));
        listener = runtime.listen(new InetSocketAddress("127.0.0.1", 0));
        listener.onAccept(Connection::close);
        client = runtime.connect(listener.localAddress()).get(10, TimeUnit.SECONDS);
        requests = client.allocate();
        for (int i = 0; i < 16; i++) {
            requests.write(REQUEST);
        }
        answers = client.allocate();
        answer = Arena.ofAuto().allocate(ANSWER_BYTES).copyFrom(MemorySegment.ofArray(Http.RESPONSE));
    }

    @TearDown(Level.Trial)
    public void close() {
        requests.release();
        answers.release();
        client.close().join();
        listener.close().join();
        runtime.close();
    }

    @Benchmark
    public int parse16() {
        Http.RequestCounter counter = new Http.RequestCounter();
        int complete = 0;
        for (int i = requests.readerIndex(), end = requests.writerIndex(); i < end; i++) {
            if (counter.feed(requests.getByte(i))) {
                complete++;
            }
        }
        return complete;
    }

    @Benchmark
    public int write16() {
        answers.clear();
        for (int i = 0; i < 16; i++) {
            answers.write(answer);
        }
        return answers.writerIndex();
    }
}
