/*
 * loadgen: the closed-loop load generator of `./jring bench compare`.
 *
 * One epoll loop per thread (one thread by default, pinned by the caller to the CPU the server
 * does not use). Each of N connections sends one request (echo: a 64-byte message; http: a GET,
 * or `--depth` GETs back to back) and sends the next only once every answer has arrived.
 * Latency is measured per request, from the write that carried it to the read that completed
 * its answer, into a log-linear histogram (1/64 relative precision, like HdrHistogram with two
 * significant digits).
 *
 *   loadgen --port P --mode echo|http|idle [--host 127.0.0.1] [--conns N] [--depth D]
 *           [--size B] [--warmup S] [--duration S] [--threads T]
 *
 * Prints one JSON object on stdout. In idle mode it opens N connections, makes one request on
 * each (so the server has really accepted and served it), prints {"ready":N,...}, and holds
 * them until stdin closes: the caller measures the server's memory meanwhile.
 *
 * Built at run time by the bench: gcc -O2 -pthread -o loadgen loadgen.c
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "genclock.h"
#include "histogram.h"

/* ---- options ------------------------------------------------------------------------------ */
enum mode { MODE_ECHO, MODE_HTTP, MODE_IDLE };

static struct {
    const char *host;
    int port, conns, depth, size, threads;
    double warmup, duration;
    enum mode mode;
    int idle_http;
} opt = { "127.0.0.1", 0, 10, 1, 64, 1, 1.0, 5.0, MODE_ECHO, 0 };

static const char HTTP_REQUEST[] = "GET / HTTP/1.1\r\nHost: localhost\r\n\r\n";

static void die(const char *what) {
    fprintf(stderr, "loadgen: %s: %s\n", what, strerror(errno));
    exit(2);
}

/* ---- connections ---------------------------------------------------------------------------- */
#define RBUF 65536

typedef struct {
    int fd;
    int connected;
    size_t out_off, out_len;     /* the request batch being written */
    int pending;                 /* answers still expected in this batch */
    uint64_t sent_at;
    /* echo: bytes still to come back; http: the response parser's buffer */
    size_t echo_left;
    char *rbuf;
    size_t rlen;
} conn_t;

typedef struct {
    int index, first, count;
    int epfd;
    conn_t *conns;
    hist_t hist;
    uint64_t requests, errors, bytes;
    uint64_t answered_all;       /* every answer in every phase, read by the main thread for marks */
    const char *out;             /* the request batch every connection sends */
    size_t out_len;
    int per_batch;
    volatile int *phase;         /* 0 warmup, 1 measure, 2 stop */
    int busy;                    /* connections waiting for answers (idle mode's first request) */
    int started;                 /* idle mode: connections whose request has been sent */
    pthread_t thread;
} worker_t;

static volatile int phase;

static int workers_connected;   /* atomic: the warmup starts once every connection is up */
static struct sockaddr_in target;

static int open_conn(void) {
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) die("socket");
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    if (connect(fd, (struct sockaddr *)&target, sizeof target) < 0 && errno != EINPROGRESS) die("connect");
    return fd;
}

/* Writes what is left of the batch; returns -1 on error, 0 when all is written, 1 to wait. */
static int flush_out(worker_t *w, conn_t *c) {
    while (c->out_off < c->out_len) {
        ssize_t n = write(c->fd, w->out + c->out_off, c->out_len - c->out_off);
        if (n < 0) {
            if (errno == EAGAIN) return 1;
            return -1;
        }
        c->out_off += (size_t)n;
    }
    return 0;
}

static void arm(worker_t *w, conn_t *c, uint32_t events) {
    struct epoll_event ev = { .events = events, .data.ptr = c };
    if (epoll_ctl(w->epfd, EPOLL_CTL_MOD, c->fd, &ev) < 0) die("epoll_ctl mod");
}

static int start_batch(worker_t *w, conn_t *c) {
    c->out_off = 0;
    c->out_len = w->out_len;
    c->pending = w->per_batch;
    c->echo_left = w->out_len;
    c->sent_at = now_ns();
    int r = flush_out(w, c);
    if (r < 0) return -1;
    if (r > 0) arm(w, c, EPOLLIN | EPOLLOUT);
    return 0;
}

#define IDLE_WINDOW 64

/* Starts a connection's batch; on failure closes it and counts an error (returns -1). */
static int start_or_drop(worker_t *w, conn_t *c) {
    if (start_batch(w, c) == 0) return 0;
    w->errors++;
    close(c->fd);
    c->fd = -1;
    c->pending = 0;
    if (opt.mode == MODE_IDLE) w->busy--;
    return -1;
}

static void answered(worker_t *w, conn_t *c, uint64_t t) {
    if (--c->pending == 0 && opt.mode == MODE_IDLE) w->busy--;
    __atomic_store_n(&w->answered_all, w->answered_all + 1, __ATOMIC_RELAXED);
    if (*w->phase == 1) {
        hist_record(&w->hist, t - c->sent_at);
        w->requests++;
    }
}

/* Finds the end of one complete HTTP response in buf[0..len): returns its length, or 0. */
static size_t http_response_length(const char *buf, size_t len) {
    const char *end = memmem(buf, len, "\r\n\r\n", 4);
    if (!end) return 0;
    size_t header = (size_t)(end - buf) + 4;
    size_t body = 0;
    for (const char *p = buf; p < end; ) {
        const char *eol = memmem(p, (size_t)(end - p) + 2, "\r\n", 2);
        if (!eol) break;
        if ((size_t)(eol - p) > 15 && strncasecmp(p, "content-length:", 15) == 0) body = strtoul(p + 15, NULL, 10);
        p = eol + 2;
    }
    return header + body <= len ? header + body : 0;
}

/* Reads once; returns -1 on error or close, else 0. Starts the next batch when this one is done. */
static int on_readable(worker_t *w, conn_t *c) {
    if (opt.mode == MODE_ECHO || (opt.mode == MODE_IDLE && !opt.idle_http)) {
        char buf[RBUF];
        ssize_t n = read(c->fd, buf, sizeof buf);
        if (n <= 0) return (n < 0 && errno == EAGAIN) ? 0 : -1;
        w->bytes += (size_t)n;
        if ((size_t)n > c->echo_left) return -1;  /* more than we sent: a broken server */
        c->echo_left -= (size_t)n;
        if (c->echo_left == 0) answered(w, c, now_ns());
    } else {
        ssize_t n = read(c->fd, c->rbuf + c->rlen, RBUF - c->rlen);
        if (n <= 0) return (n < 0 && errno == EAGAIN) ? 0 : -1;
        w->bytes += (size_t)n;
        c->rlen += (size_t)n;
        uint64_t t = 0;
        size_t off = 0, len;
        while (c->pending > 0 && (len = http_response_length(c->rbuf + off, c->rlen - off)) > 0) {
            if (c->rbuf[off + 9] != '2') return -1;   /* "HTTP/1.1 200" */
            if (t == 0) t = now_ns();
            off += len;
            answered(w, c, t);
        }
        if (off > 0) {
            memmove(c->rbuf, c->rbuf + off, c->rlen - off);
            c->rlen -= off;
        }
        if (c->rlen == RBUF) return -1;               /* an answer larger than our buffer */
    }
    if (c->pending == 0) {
        if (opt.mode == MODE_IDLE) return 0;
        if (*w->phase == 2) return 0;
        if (c->rlen != 0) return -1;                  /* answers we never asked for */
        return start_batch(w, c);
    }
    return 0;
}

/* Connects this worker's connections, at most 256 handshakes in flight. */
static void connect_all(worker_t *w) {
    int next = 0, inflight = 0, done = 0;
    struct epoll_event events[512];
    while (done < w->count) {
        while (next < w->count && inflight < 256) {
            conn_t *c = &w->conns[next++];
            c->fd = open_conn();
            struct epoll_event ev = { .events = EPOLLOUT, .data.ptr = c };
            if (epoll_ctl(w->epfd, EPOLL_CTL_ADD, c->fd, &ev) < 0) die("epoll_ctl add");
            inflight++;
        }
        int n = epoll_wait(w->epfd, events, 512, 10000);
        if (n < 0 && errno != EINTR) die("epoll_wait");
        if (n == 0) { errno = ETIMEDOUT; die("connect"); }
        for (int i = 0; i < n; i++) {
            conn_t *c = events[i].data.ptr;
            if (c->connected) continue;
            int err = 0;
            socklen_t len = sizeof err;
            getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &len);
            if (err) { errno = err; die("connect"); }
            c->connected = 1;
            arm(w, c, EPOLLIN);
            inflight--;
            done++;
        }
    }
}

static void *run_worker(void *arg) {
    worker_t *w = arg;
    w->epfd = epoll_create1(EPOLL_CLOEXEC);
    if (w->epfd < 0) die("epoll_create1");
    connect_all(w);
    __atomic_add_fetch(&workers_connected, 1, __ATOMIC_SEQ_CST);
    int live = w->count;
    w->busy = w->count;
    /* Load runs start every connection at once. The idle pass serves its connections a few
       at a time instead: a burst of 10,000 requests would measure the server's high-water
       buffer memory, not what an idle connection costs. */
    int first_wave = opt.mode == MODE_IDLE && w->count > IDLE_WINDOW ? IDLE_WINDOW : w->count;
    for (w->started = 0; w->started < first_wave; w->started++) {
        if (start_or_drop(w, &w->conns[w->started]) < 0) live--;
    }
    struct epoll_event events[1024];
    while (live > 0) {
        if (*w->phase == 2 && opt.mode != MODE_IDLE) break;
        if (opt.mode == MODE_IDLE && w->busy == 0) break;
        int n = epoll_wait(w->epfd, events, 1024, 100);
        if (n < 0) {
            if (errno == EINTR) continue;
            die("epoll_wait");
        }
        for (int i = 0; i < n; i++) {
            conn_t *c = events[i].data.ptr;
            int r = 0;
            if (events[i].events & EPOLLOUT) {
                r = flush_out(w, c);
                if (r == 0) arm(w, c, EPOLLIN);
                if (r > 0) r = 0;
            }
            if (r == 0 && (events[i].events & (EPOLLIN | EPOLLERR | EPOLLHUP))) r = on_readable(w, c);
            if (r < 0) {
                if (*w->phase != 2) w->errors++;
                epoll_ctl(w->epfd, EPOLL_CTL_DEL, c->fd, NULL);
                close(c->fd);
                c->fd = -1;
                if (c->pending && opt.mode == MODE_IDLE) w->busy--;
                c->pending = 0;
                live--;
            }
        }
        if (opt.mode == MODE_IDLE) {
            int in_flight = w->started - (w->count - w->busy);
            while (w->started < w->count && in_flight < IDLE_WINDOW) {
                if (start_or_drop(w, &w->conns[w->started]) < 0) live--; else in_flight++;
                w->started++;
            }
        }
    }
    return NULL;
}

/* Sleeps `secs`; on SIGUSR1 prints {"mark":answers so far,"t_ns":now}, so a caller can count
   the requests inside a window it measures by other means (the syscall pass). */
static worker_t *all_workers; /* set before the warm-up; read by the mark answer */

static uint64_t answered_so_far(void) {
    uint64_t total = 0;
    for (int t = 0; t < opt.threads; t++) total += __atomic_load_n(&all_workers[t].answered_all, __ATOMIC_RELAXED);
    return total;
}

/* --self-test: the histogram's buckets hold what they should, to 1/64 relative error. */
static int self_test(void) {
    int bad = 0;
    for (uint64_t v = 0; v < 50000000000ull; v = v < 1000 ? v + 1 : v + v / 997) {
        int i = hist_index(v);
        uint64_t hi = hist_value(i);
        uint64_t lo = i == 0 ? 0 : hist_value(i - 1) + 1;
        if (v < lo || v > hi || (v >= SUB_COUNT && (double)(hi - lo + 1) / (double)lo > 1.0 / 64 + 1e-12)) {
            fprintf(stderr, "bucket %d [%llu, %llu] wrong for %llu\n", i, (unsigned long long)lo,
                    (unsigned long long)hi, (unsigned long long)v);
            if (++bad > 5) break;
        }
    }
    static hist_t h;
    for (uint64_t v = 1; v <= 100000; v++) hist_record(&h, v * 1000);   /* 1..100000 µs */
    double p50 = hist_percentile_us(&h, 50), p99 = hist_percentile_us(&h, 99), p999 = hist_percentile_us(&h, 99.9);
    if (p50 < 50000 || p50 > 50000 * 1.016 || p99 < 99000 || p99 > 99000 * 1.016 || p999 < 99900 || p999 > 100000) {
        fprintf(stderr, "percentiles wrong: p50 %.1f p99 %.1f p99.9 %.1f\n", p50, p99, p999);
        bad++;
    }
    printf("{\"self_test\":\"%s\",\"p50_us\":%.1f,\"p99_us\":%.1f,\"p999_us\":%.1f}\n", bad ? "failed" : "ok",
           p50, p99, p999);
    return bad ? 1 : 0;
}

static void usage(void) {
    fprintf(stderr, "usage: loadgen --port P --mode echo|http|idle [--host H] [--conns N] [--depth D] "
                    "[--size B] [--warmup S] [--duration S] [--threads T] [--idle-http]\n");
    exit(2);
}

int main(int argc, char **argv) {
    if (argc == 2 && !strcmp(argv[1], "--self-test")) return self_test();
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!strcmp(a, "--idle-http")) { opt.idle_http = 1; continue; }
        if (!v) usage();
        i++;
        if (!strcmp(a, "--host")) opt.host = v;
        else if (!strcmp(a, "--port")) opt.port = atoi(v);
        else if (!strcmp(a, "--conns")) opt.conns = atoi(v);
        else if (!strcmp(a, "--depth")) opt.depth = atoi(v);
        else if (!strcmp(a, "--size")) opt.size = atoi(v);
        else if (!strcmp(a, "--threads")) opt.threads = atoi(v);
        else if (!strcmp(a, "--warmup")) opt.warmup = atof(v);
        else if (!strcmp(a, "--duration")) opt.duration = atof(v);
        else if (!strcmp(a, "--mode")) {
            if (!strcmp(v, "echo")) opt.mode = MODE_ECHO;
            else if (!strcmp(v, "http")) opt.mode = MODE_HTTP;
            else if (!strcmp(v, "idle")) opt.mode = MODE_IDLE;
            else usage();
        } else usage();
    }
    if (opt.port <= 0 || opt.conns < 1 || opt.depth < 1 || opt.size < 1 || opt.size > RBUF || opt.threads < 1) usage();
    if (opt.threads > opt.conns) opt.threads = opt.conns;
    signal(SIGPIPE, SIG_IGN);
    struct sigaction sa = { .sa_handler = on_usr1 };
    sigaction(SIGUSR1, &sa, NULL);   /* no SA_RESTART: the sleeping main thread wakes at once */
    memset(&target, 0, sizeof target);
    target.sin_family = AF_INET;
    target.sin_port = htons((uint16_t)opt.port);
    if (inet_pton(AF_INET, opt.host, &target.sin_addr) != 1) { fprintf(stderr, "loadgen: bad host %s\n", opt.host); return 2; }

    /* The request batch: 64 bytes to echo, or `depth` GETs back to back. */
    int http = opt.mode == MODE_HTTP || (opt.mode == MODE_IDLE && opt.idle_http);
    size_t out_len;
    char *out;
    int per_batch;
    if (http) {
        int depth = opt.mode == MODE_IDLE ? 1 : opt.depth;
        size_t one = sizeof HTTP_REQUEST - 1;
        out_len = one * (size_t)depth;
        out = malloc(out_len);
        for (int i = 0; i < depth; i++) memcpy(out + one * (size_t)i, HTTP_REQUEST, one);
        per_batch = depth;
    } else {
        out_len = (size_t)opt.size;
        out = malloc(out_len);
        for (size_t i = 0; i < out_len; i++) out[i] = (char)('a' + i % 26);
        per_batch = 1;
    }

    worker_t *workers = calloc((size_t)opt.threads, sizeof *workers);
    conn_t *conns = calloc((size_t)opt.conns, sizeof *conns);
    for (int i = 0; i < opt.conns; i++) {
        conns[i].fd = -1;
        if (http) conns[i].rbuf = malloc(RBUF);
    }
    int per = opt.conns / opt.threads, extra = opt.conns % opt.threads, first = 0;
    uint64_t t0 = now_ns();
    sigset_t usr1;
    sigemptyset(&usr1);
    sigaddset(&usr1, SIGUSR1);
    pthread_sigmask(SIG_BLOCK, &usr1, NULL);          /* workers inherit the mask: marks wake main only */
    for (int t = 0; t < opt.threads; t++) {
        worker_t *w = &workers[t];
        w->index = t;
        w->first = first;
        w->count = per + (t < extra ? 1 : 0);
        w->conns = conns + first;
        w->out = out;
        w->out_len = out_len;
        w->per_batch = per_batch;
        w->phase = &phase;
        first += w->count;
        if (pthread_create(&w->thread, NULL, run_worker, w)) die("pthread_create");
    }
    pthread_sigmask(SIG_UNBLOCK, &usr1, NULL);

    if (opt.mode == MODE_IDLE) {
        uint64_t errors = 0;
        for (int t = 0; t < opt.threads; t++) { pthread_join(workers[t].thread, NULL); errors += workers[t].errors; }
        int open_count = 0;
        for (int i = 0; i < opt.conns; i++) if (conns[i].fd >= 0) open_count++;
        printf("{\"ready\":%d,\"errors\":%llu,\"connect_s\":%.3f}\n", open_count,
               (unsigned long long)errors, (double)(now_ns() - t0) / 1e9);
        fflush(stdout);
        char sink[256];
        while (read(0, sink, sizeof sink) > 0) {}
        for (int i = 0; i < opt.conns; i++) if (conns[i].fd >= 0) close(conns[i].fd);
        return 0;
    }

    while (__atomic_load_n(&workers_connected, __ATOMIC_SEQ_CST) < opt.threads) usleep(1000);
    while (__atomic_load_n(&workers_connected, __ATOMIC_SEQ_CST) < opt.threads) usleep(1000);
    all_workers = workers;
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

    hist_t *all = calloc(1, sizeof *all);
    uint64_t requests = 0, errors = 0;
    for (int t = 0; t < opt.threads; t++) {
        pthread_join(workers[t].thread, NULL);
        hist_merge(all, &workers[t].hist);
        requests += workers[t].requests;
        errors += workers[t].errors;
    }
    for (int i = 0; i < opt.conns; i++) if (conns[i].fd >= 0) close(conns[i].fd);
    double secs = (double)(end - start) / 1e9;
    printf("{\"mode\":\"%s\",\"conns\":%d,\"depth\":%d,\"duration_s\":%.3f,\"requests\":%llu,"
           "\"rps\":%.1f,\"p50_us\":%.1f,\"p90_us\":%.1f,\"p99_us\":%.1f,\"p999_us\":%.1f,\"max_us\":%.1f,"
           "\"errors\":%llu}\n",
           opt.mode == MODE_ECHO ? "echo" : "http", opt.conns, per_batch, secs,
           (unsigned long long)requests, (double)requests / secs,
           hist_percentile_us(all, 50), hist_percentile_us(all, 90), hist_percentile_us(all, 99),
           hist_percentile_us(all, 99.9), (double)all->max / 1000.0, (unsigned long long)errors);
    return 0;
}
