/*
 * uringgen: the cheap load generator of `./jring bench compare` (issue #16).
 *
 * loadgen.c spends most of its CPU parsing answers and making one syscall per read and per
 * write; on a 2-CPU machine it saturated its own core before the server did, so the old table
 * measured the generator. This one does the least work per request a closed-loop client can:
 *
 *   - one io_uring for all connections (SINGLE_ISSUER | DEFER_TASKRUN where the kernel has
 *     them), one io_uring_submit_and_wait per loop pass, one clock read per pass;
 *   - every batch of DEPTH requests is one SEND from one shared, preformatted buffer;
 *   - answers arrive through one multishot RECV per connection into a provided-buffer ring, and
 *     each buffer goes straight back to the ring;
 *   - answers are counted by their known length (learned from one probe request per connection,
 *     whose answer is also the reference copy), not parsed. So that counting cannot hide wrong
 *     answers, one batch in CHECK_EVERY per connection is compared byte for byte with the
 *     reference, and any difference is an error.
 *
 *   uringgen --port P --mode echo|http [--host 127.0.0.1] [--conns N] [--depth D] [--size B]
 *            [--warmup S] [--duration S]
 *
 * Same output as loadgen (one JSON line per phase, then the result) plus "checked_bytes", and
 * the same SIGUSR1 marks. Built at run time by the bench: gcc -O2 -pthread -o uringgen uringgen.c -luring
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <liburing.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "genclock.h"
#include "histogram.h"

#define BUF_SIZE 16384          /* one provided buffer */
#define BUF_COUNT 4096          /* power of two: 64 MiB of receive space, plenty for N=1000 x 64 */
#define BGID 7
#define CHECK_EVERY 16          /* one batch in 16 per connection is compared byte for byte */
#define USER_RECV 1ull
#define USER_SEND 2ull
#define USER_SHIFT 2

enum mode { MODE_ECHO, MODE_HTTP };

static struct {
    const char *host;
    int port, conns, depth, size;
    double warmup, duration;
    enum mode mode;
} opt = { "127.0.0.1", 0, 10, 1, 64, 1.0, 5.0, MODE_ECHO };

static const char HTTP_REQUEST[] = "GET / HTTP/1.1\r\nHost: localhost\r\n\r\n";

typedef struct {
    int fd;
    size_t sent;                /* bytes of the current batch the kernel has taken */
    size_t received;            /* bytes of the current batch's answers received */
    uint64_t batches;
    uint64_t sent_at;
    int checking;               /* this batch is compared byte for byte */
    int closed;
} conn_t;

static struct io_uring ring;
static struct io_uring_buf_ring *bufs;
static char *buf_memory;
static conn_t *conns;
static char *out;               /* the batch every connection sends */
static size_t out_len;
static char *expect;            /* the answers to one batch, as the server must send them */
static unsigned char *varies;   /* per byte of expect: 1 where the answer may differ (a Date value), or NULL */
static size_t expect_len;
static int per_batch;
static volatile int phase;      /* 0 warm-up, 1 measure, 2 stop */
static uint64_t answered_all;   /* every answered request, read by the main thread for marks */
static uint64_t requests, errors, bytes_in, checked_bytes;
static hist_t hist;
static int ready;

static void die(const char *what, int err) {
    fprintf(stderr, "uringgen: %s: %s\n", what, strerror(err));
    exit(2);
}

static struct io_uring_sqe *sqe(void) {
    struct io_uring_sqe *s = io_uring_get_sqe(&ring);
    if (!s) {                   /* the SQ is full: hand it to the kernel and take a fresh one */
        io_uring_submit(&ring);
        s = io_uring_get_sqe(&ring);
        if (!s) die("io_uring_get_sqe", EBUSY);
    }
    return s;
}

static void arm_recv(int i) {
    struct io_uring_sqe *s = sqe();
    io_uring_prep_recv_multishot(s, conns[i].fd, NULL, 0, 0);
    s->flags |= IOSQE_BUFFER_SELECT;
    s->buf_group = BGID;
    io_uring_sqe_set_data64(s, ((uint64_t)i << USER_SHIFT) | USER_RECV);
}

static void send_rest(int i) {
    struct io_uring_sqe *s = sqe();
    io_uring_prep_send(s, conns[i].fd, out + conns[i].sent, out_len - conns[i].sent, MSG_NOSIGNAL);
    io_uring_sqe_set_data64(s, ((uint64_t)i << USER_SHIFT) | USER_SEND);
}

static void start_batch(int i, uint64_t now) {
    conn_t *c = &conns[i];
    c->sent = 0;
    c->received = 0;
    c->sent_at = now;
    c->checking = (c->batches++ % CHECK_EVERY) == 0;
    send_rest(i);
}

static void drop(int i) {
    if (conns[i].closed) return;
    conns[i].closed = 1;
    if (phase != 2) errors++;
    shutdown(conns[i].fd, SHUT_RDWR);
}

/* Whether data[0..n) equals the reference from byte `at`, except where a Date header's value
 * (nginx always sends one) may differ: same length, the time of day changes. */
static int same_answer(const char *data, size_t at, size_t n) {
    if (!varies) return memcmp(data, expect + at, n) == 0;
    for (size_t k = 0; k < n; k++) {
        if (data[k] != expect[at + k] && !varies[at + k]) return 0;
    }
    return 1;
}

/* Answers arrived on connection i: check them if this batch is checked, count requests. */
static void on_bytes(int i, const char *data, size_t n, uint64_t now) {
    conn_t *c = &conns[i];
    if (c->received + n > expect_len) {             /* more than we asked for: a broken server */
        drop(i);
        return;
    }
    if (c->checking) {
        if (!same_answer(data, c->received, n)) {
            fprintf(stderr, "uringgen: connection %d: answer differs from the reference at byte %zu\n", i, c->received);
            drop(i);
            return;
        }
        checked_bytes += n;
    }
    c->received += n;
    bytes_in += n;
    if (c->received < expect_len) return;
    /* One writer (this thread): a plain read of its own variable races with nothing, and the
     * atomic store is what the main thread's atomic load pairs with. No lock prefix needed. */
    __atomic_store_n(&answered_all, answered_all + (uint64_t)per_batch, __ATOMIC_RELAXED);
    if (phase == 1) {
        hist_record_n(&hist, now - c->sent_at, (uint64_t)per_batch);
        requests += (uint64_t)per_batch;
    }
    if (phase != 2) start_batch(i, now);
}

static void on_cqe(struct io_uring_cqe *cqe, uint64_t now) {
    uint64_t data = io_uring_cqe_get_data64(cqe);
    int i = (int)(data >> USER_SHIFT);
    if ((data & 3) == USER_SEND) {
        if (cqe->res <= 0) { drop(i); return; }
        conns[i].sent += (size_t)cqe->res;
        if (conns[i].sent < out_len) send_rest(i);  /* a short send: the rest of the batch */
        return;
    }
    if (cqe->res == -ENOBUFS) {                      /* the ring ran dry: re-arm, buffers return */
        if (!(cqe->flags & IORING_CQE_F_MORE) && !conns[i].closed) arm_recv(i);
        return;
    }
    if (cqe->res <= 0) { drop(i); return; }
    int bid = (int)(cqe->flags >> IORING_CQE_BUFFER_SHIFT);
    char *b = buf_memory + (size_t)bid * BUF_SIZE;
    if (!conns[i].closed) on_bytes(i, b, (size_t)cqe->res, now);
    io_uring_buf_ring_add(bufs, b, BUF_SIZE, (unsigned short)bid, io_uring_buf_ring_mask(BUF_COUNT), 0);
    io_uring_buf_ring_advance(bufs, 1);
    if (!(cqe->flags & IORING_CQE_F_MORE) && !conns[i].closed) arm_recv(i);
}

static int connect_blocking(void) {
    struct sockaddr_in target = { .sin_family = AF_INET, .sin_port = htons((uint16_t)opt.port) };
    if (inet_pton(AF_INET, opt.host, &target.sin_addr) != 1) { fprintf(stderr, "uringgen: bad host %s\n", opt.host); exit(2); }
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) die("socket", errno);
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    if (connect(fd, (struct sockaddr *)&target, sizeof target) < 0) die("connect", errno);
    return fd;
}

static void write_all(int fd, const char *p, size_t n) {
    while (n > 0) {
        ssize_t w = write(fd, p, n);
        if (w < 0) die("write (probe)", errno);
        p += w;
        n -= (size_t)w;
    }
}

/* The length of one complete HTTP response at buf[0..len), or 0 while incomplete. */
static size_t http_response_length(const char *buf, size_t len) {
    const char *end = memmem(buf, len, "\r\n\r\n", 4);
    if (!end) return 0;
    size_t header = (size_t)(end - buf) + 4, body = 0;
    for (const char *p = buf; p < end;) {
        const char *eol = memmem(p, (size_t)(end - p) + 2, "\r\n", 2);
        if (!eol) break;
        if ((size_t)(eol - p) > 15 && strncasecmp(p, "content-length:", 15) == 0) body = strtoul(p + 15, NULL, 10);
        p = eol + 2;
    }
    return header + body <= len ? header + body : 0;
}

/*
 * Learns what one batch's answers must be, on one connection, before the ring takes over: one
 * request, parsed properly, gives the response every later request must get byte for byte
 * (the bench's servers answer every GET / with the same bytes). Echo answers are the request.
 */
static void probe(int fd) {
    if (opt.mode == MODE_ECHO) {
        expect_len = out_len;
        expect = out;
        return;
    }
    write_all(fd, HTTP_REQUEST, sizeof HTTP_REQUEST - 1);
    char buf[8192];
    size_t len = 0, one = 0;
    while ((one = http_response_length(buf, len)) == 0) {
        ssize_t r = read(fd, buf + len, sizeof buf - len);
        if (r <= 0) die("read (probe)", r < 0 ? errno : ECONNRESET);
        len += (size_t)r;
        if (len == sizeof buf) die("probe: an answer larger than 8 KiB", EMSGSIZE);
    }
    if (len != one || memcmp(buf, "HTTP/1.1 200", 12) != 0) die("probe: not one 200 answer", EPROTO);
    expect_len = one * (size_t)per_batch;
    expect = malloc(expect_len);
    for (int k = 0; k < per_batch; k++) memcpy(expect + one * (size_t)k, buf, one);
    const char *date = memmem(buf, one, "\r\nDate: ", 8);
    if (date) { /* its value is a fixed-width IMF-fixdate that changes every second */
        size_t from = (size_t)(date - buf) + 8;
        const char *eol = memmem(buf + from, one - from, "\r\n", 2);
        varies = calloc(expect_len, 1);
        for (int k = 0; k < per_batch && eol; k++) {
            memset(varies + one * (size_t)k + from, 1, (size_t)(eol - (buf + from)));
        }
    }
}

static void setup_ring(void) {
    struct io_uring_params p = { 0 };
    p.flags = IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN | IORING_SETUP_CQSIZE;
    p.cq_entries = 65536;
    int r = io_uring_queue_init_params(4096, &ring, &p);
    if (r == -EINVAL) {                                /* before 6.1: without the two flags */
        memset(&p, 0, sizeof p);
        p.flags = IORING_SETUP_CQSIZE;
        p.cq_entries = 65536;
        r = io_uring_queue_init_params(4096, &ring, &p);
    }
    if (r < 0) die("io_uring_queue_init_params", -r);
    size_t ring_bytes = BUF_COUNT * sizeof(struct io_uring_buf);
    bufs = mmap(NULL, ring_bytes, PROT_READ | PROT_WRITE, MAP_ANONYMOUS | MAP_PRIVATE, -1, 0);
    buf_memory = mmap(NULL, (size_t)BUF_COUNT * BUF_SIZE, PROT_READ | PROT_WRITE, MAP_ANONYMOUS | MAP_PRIVATE, -1, 0);
    if (bufs == MAP_FAILED || buf_memory == MAP_FAILED) die("mmap", errno);
    struct io_uring_buf_reg reg = { .ring_addr = (uint64_t)(uintptr_t)bufs, .ring_entries = BUF_COUNT, .bgid = BGID };
    r = io_uring_register_buf_ring(&ring, &reg, 0);
    if (r < 0) die("io_uring_register_buf_ring", -r);
    io_uring_buf_ring_init(bufs);
    for (int b = 0; b < BUF_COUNT; b++) {
        io_uring_buf_ring_add(bufs, buf_memory + (size_t)b * BUF_SIZE, BUF_SIZE, (unsigned short)b,
                              io_uring_buf_ring_mask(BUF_COUNT), b);
    }
    io_uring_buf_ring_advance(bufs, BUF_COUNT);
}

static void *run(void *arg) {
    (void)arg;
    setup_ring();                                      /* SINGLE_ISSUER: this thread owns it */
    for (int i = 0; i < opt.conns; i++) {
        conns[i].fd = connect_blocking();
        if (i == 0) probe(conns[i].fd);
    }
    uint64_t now = now_ns();
    for (int i = 0; i < opt.conns; i++) {
        arm_recv(i);
        start_batch(i, now);
    }
    __atomic_store_n(&ready, 1, __ATOMIC_RELEASE);
    int live = opt.conns;
    while (phase != 2 && live > 0) {
        int r = io_uring_submit_and_wait(&ring, 1);
        if (r < 0 && r != -EINTR && r != -EAGAIN && r != -EBUSY) die("io_uring_submit_and_wait", -r);
        now = now_ns();
        struct io_uring_cqe *cqe;
        unsigned head, seen = 0;
        io_uring_for_each_cqe(&ring, head, cqe) {
            on_cqe(cqe, now);
            seen++;
        }
        io_uring_cq_advance(&ring, seen);
        live = 0;
        for (int i = 0; i < opt.conns && live == 0; i++) live += !conns[i].closed;
    }
    return NULL;
}

static uint64_t answered_so_far(void) { return __atomic_load_n(&answered_all, __ATOMIC_RELAXED); }

static void usage(void) {
    fprintf(stderr, "usage: uringgen --port P --mode echo|http [--host H] [--conns N] [--depth D] "
                    "[--size B] [--warmup S] [--duration S]\n");
    exit(2);
}

int main(int argc, char **argv) {
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!v) usage();
        i++;
        if (!strcmp(a, "--host")) opt.host = v;
        else if (!strcmp(a, "--port")) opt.port = atoi(v);
        else if (!strcmp(a, "--conns")) opt.conns = atoi(v);
        else if (!strcmp(a, "--depth")) opt.depth = atoi(v);
        else if (!strcmp(a, "--size")) opt.size = atoi(v);
        else if (!strcmp(a, "--warmup")) opt.warmup = atof(v);
        else if (!strcmp(a, "--duration")) opt.duration = atof(v);
        else if (!strcmp(a, "--threads")) { /* accepted for loadgen's command line: always one ring */ }
        else if (!strcmp(a, "--mode")) {
            if (!strcmp(v, "echo")) opt.mode = MODE_ECHO;
            else if (!strcmp(v, "http")) opt.mode = MODE_HTTP;
            else usage();
        } else usage();
    }
    if (opt.port <= 0 || opt.conns < 1 || opt.conns >= (1 << 30) || opt.depth < 1 || opt.size < 1) usage();
    signal(SIGPIPE, SIG_IGN);
    struct sigaction sa = { .sa_handler = on_usr1 };
    sigaction(SIGUSR1, &sa, NULL);

    if (opt.mode == MODE_HTTP) {
        size_t one = sizeof HTTP_REQUEST - 1;
        per_batch = opt.depth;
        out_len = one * (size_t)opt.depth;
        out = malloc(out_len);
        for (int k = 0; k < opt.depth; k++) memcpy(out + one * (size_t)k, HTTP_REQUEST, one);
    } else {
        per_batch = 1;
        out_len = (size_t)opt.size;
        out = malloc(out_len);
        for (size_t k = 0; k < out_len; k++) out[k] = (char)('a' + k % 26);
    }
    conns = calloc((size_t)opt.conns, sizeof *conns);

    sigset_t usr1;
    sigemptyset(&usr1);
    sigaddset(&usr1, SIGUSR1);
    pthread_sigmask(SIG_BLOCK, &usr1, NULL);           /* the worker inherits it: marks wake main */
    pthread_t worker;
    if (pthread_create(&worker, NULL, run, NULL)) die("pthread_create", errno);
    pthread_sigmask(SIG_UNBLOCK, &usr1, NULL);
    while (!__atomic_load_n(&ready, __ATOMIC_ACQUIRE)) usleep(1000);

    sleep_marking(opt.warmup, answered_so_far);
    phase = 1;
    __sync_synchronize();
    uint64_t start = now_ns();
    printf("{\"phase\":\"measure\"}\n");
    fflush(stdout);
    sleep_marking(opt.duration, answered_so_far);
    phase = 2;
    __sync_synchronize();
    uint64_t end = now_ns();
    printf("{\"phase\":\"end\"}\n");
    fflush(stdout);
    for (int i = 0; i < opt.conns; i++) shutdown(conns[i].fd, SHUT_RDWR); /* wakes the worker's wait */
    pthread_join(worker, NULL);

    double secs = (double)(end - start) / 1e9;
    printf("{\"mode\":\"%s\",\"conns\":%d,\"depth\":%d,\"duration_s\":%.3f,\"requests\":%llu,"
           "\"rps\":%.1f,\"p50_us\":%.1f,\"p90_us\":%.1f,\"p99_us\":%.1f,\"p999_us\":%.1f,\"max_us\":%.1f,"
           "\"errors\":%llu,\"checked_bytes\":%llu,\"generator\":\"uringgen\"}\n",
           opt.mode == MODE_ECHO ? "echo" : "http", opt.conns, per_batch, secs, (unsigned long long)requests,
           (double)requests / secs, hist_percentile_us(&hist, 50), hist_percentile_us(&hist, 90),
           hist_percentile_us(&hist, 99), hist_percentile_us(&hist, 99.9), (double)hist.max / 1000.0,
           (unsigned long long)errors, (unsigned long long)checked_bytes);
    return 0;
}
