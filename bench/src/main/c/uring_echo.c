/*
 * uring_echo: the io_uring reference echo server of `./jring bench compare` — what one thread
 * gets out of io_uring with no runtime around it, as a near-physical limit for jring.
 *
 * One ring (SINGLE_ISSUER | DEFER_TASKRUN where the kernel has them), a multishot accept, a
 * multishot recv per connection into a provided-buffer ring (an idle connection holds no
 * buffer), and a send of the same buffer back, which returns it to the ring when it completes.
 * Sends on one connection run one at a time, in order (a short send is continued).
 *
 * Given a second port it also serves the bench's http workload there, as the C limit for the
 * http cells: each request ends at its first CRLFCRLF (counted by a four-state matcher that
 * carries across reads), the receive buffer goes straight back to the ring, and all the answers
 * owed are sent in one SEND from one preformatted buffer of responses.
 *
 *   uring_echo ECHO_PORT [HTTP_PORT]   (built at run time: gcc -O2 -o uring_echo uring_echo.c -luring)
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <liburing.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define ENTRIES 4096
#define BUF_SIZE 4096
#define BUF_COUNT 4096          /* a power of two */
#define BGID 1
#define MAX_FD 65536

enum { OP_ACCEPT = 1, OP_RECV = 2, OP_SEND = 3, OP_HTTP_SEND = 4 };

static const char RESPONSE[] = "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 13\r\n\r\nHello, World!";
#define RESPONSE_LEN (sizeof RESPONSE - 1)
#define MAX_ANSWERS 1024        /* answers per SEND; more owed go in the next one */
static char answers[MAX_ANSWERS * RESPONSE_LEN];

/* user_data: op in the top byte, fd in the next 32 bits, buffer id in the low 16. */
#define UD(op, fd, bid) (((unsigned long long)(op) << 56) | ((unsigned long long)(unsigned)(fd) << 16) | (unsigned)(bid))
#define UD_OP(u) ((int)((u) >> 56))
#define UD_FD(u) ((int)(((u) >> 16) & 0xffffffffu))
#define UD_BID(u) ((int)((u) & 0xffff))

typedef struct {
    int open;
    int sending;                /* a send is in the kernel */
    int recv_armed;
    int head, tail;             /* FIFO of buffer ids waiting to be sent (linked through next_bid) */
    int http;                   /* accepted on the http port */
    int matched;                /* http: how much of CRLFCRLF the last bytes matched (0..3) */
    long owed;                  /* http: requests received, not yet in a send */
    size_t send_off, send_len;  /* http: the answers in the kernel */
} conn_t;

static struct io_uring ring;
static struct io_uring_buf_ring *br;
static char *bufs;
static conn_t *conns;
static int next_bid[BUF_COUNT];
static int buf_off[BUF_COUNT], buf_len[BUF_COUNT];
static volatile sig_atomic_t stop;

static void on_signal(int sig) { (void)sig; stop = 1; }

static struct io_uring_sqe *sqe_get(void) {
    struct io_uring_sqe *sqe = io_uring_get_sqe(&ring);
    if (!sqe) {
        io_uring_submit(&ring);
        sqe = io_uring_get_sqe(&ring);
        if (!sqe) { fprintf(stderr, "uring_echo: SQ full\n"); exit(1); }
    }
    return sqe;
}

static void give_back(int bid) {
    io_uring_buf_ring_add(br, bufs + (size_t)bid * BUF_SIZE, BUF_SIZE, (unsigned short)bid,
                          io_uring_buf_ring_mask(BUF_COUNT), 0);
    io_uring_buf_ring_advance(br, 1);
}

static void arm_recv(int fd) {
    struct io_uring_sqe *sqe = sqe_get();
    io_uring_prep_recv_multishot(sqe, fd, NULL, 0, 0);
    sqe->flags |= IOSQE_BUFFER_SELECT;
    sqe->buf_group = BGID;
    io_uring_sqe_set_data64(sqe, UD(OP_RECV, fd, 0));
    conns[fd].recv_armed = 1;
}

static void start_send(int fd, int bid) {
    struct io_uring_sqe *sqe = sqe_get();
    io_uring_prep_send(sqe, fd, bufs + (size_t)bid * BUF_SIZE + buf_off[bid], (size_t)buf_len[bid], 0);
    io_uring_sqe_set_data64(sqe, UD(OP_SEND, fd, bid));
    conns[fd].sending = 1;
}

static void queue_send(int fd, int bid, int len) {
    conn_t *c = &conns[fd];
    buf_off[bid] = 0;
    buf_len[bid] = len;
    next_bid[bid] = -1;
    if (!c->sending) { start_send(fd, bid); return; }
    if (c->tail < 0) c->head = bid; else next_bid[c->tail] = bid;
    c->tail = bid;
}

/* Counts the requests that end in data[0..n), carrying the CRLFCRLF match across reads. */
static long count_requests(conn_t *c, const char *data, int n) {
    long done = 0;
    int m = c->matched;
    for (int i = 0; i < n; i++) {
        char b = data[i];
        if (b == '\r') m = m == 2 ? 3 : 1;
        else if (b == '\n') {
            if (m == 3) { done++; m = 0; } else m = m == 1 ? 2 : 0;
        } else m = 0;
    }
    c->matched = m;
    return done;
}

static void send_answers(int fd) {
    conn_t *c = &conns[fd];
    if (c->send_off == c->send_len) {          /* the last send is done: the next batch of answers */
        long n = c->owed < MAX_ANSWERS ? c->owed : MAX_ANSWERS;
        c->owed -= n;
        c->send_off = 0;
        c->send_len = (size_t)n * RESPONSE_LEN;
    }
    struct io_uring_sqe *sqe = sqe_get();
    io_uring_prep_send(sqe, fd, answers + c->send_off, c->send_len - c->send_off, 0);
    io_uring_sqe_set_data64(sqe, UD(OP_HTTP_SEND, fd, 0));
    c->sending = 1;
}

static void maybe_close(int fd) {
    conn_t *c = &conns[fd];
    if (c->open && !c->sending && !c->recv_armed) {
        c->open = 0;
        close(fd);
    }
}

static void drop_queue(int fd) {
    conn_t *c = &conns[fd];
    while (c->head >= 0) { int b = c->head; c->head = next_bid[b]; give_back(b); }
    c->tail = -1;
}

static int listen_on(const char *port) {
    int lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    int one = 1;
    setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    struct sockaddr_in addr = { .sin_family = AF_INET, .sin_port = htons((unsigned short)atoi(port)) };
    inet_pton(AF_INET, "127.0.0.1", &addr.sin_addr);
    if (bind(lfd, (struct sockaddr *)&addr, sizeof addr) < 0 || listen(lfd, 4096) < 0) return -1;
    return lfd;
}

static void arm_accept(int lfd) {
    struct io_uring_sqe *sqe = sqe_get();
    io_uring_prep_multishot_accept(sqe, lfd, NULL, NULL, SOCK_CLOEXEC);
    io_uring_sqe_set_data64(sqe, UD(OP_ACCEPT, lfd, 0));
}

int main(int argc, char **argv) {
    if (argc < 2) { fprintf(stderr, "usage: uring_echo ECHO_PORT [HTTP_PORT]\n"); return 2; }
    signal(SIGPIPE, SIG_IGN);
    signal(SIGTERM, on_signal);
    signal(SIGINT, on_signal);
    for (int i = 0; i < MAX_ANSWERS; i++) memcpy(answers + (size_t)i * RESPONSE_LEN, RESPONSE, RESPONSE_LEN);

    int one = 1;
    int lfd = listen_on(argv[1]);
    int http_lfd = argc > 2 ? listen_on(argv[2]) : -1;
    if (lfd < 0 || (argc > 2 && http_lfd < 0)) { perror("uring_echo: bind/listen"); return 1; }

    struct io_uring_params p;
    unsigned flag_sets[] = { IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN, IORING_SETUP_COOP_TASKRUN, 0 };
    int res = -EINVAL;
    for (unsigned i = 0; i < sizeof flag_sets / sizeof flag_sets[0] && res == -EINVAL; i++) {
        memset(&p, 0, sizeof p);
        p.flags = flag_sets[i] | IORING_SETUP_CQSIZE;
        p.cq_entries = ENTRIES * 4;
        res = io_uring_queue_init_params(ENTRIES, &ring, &p);
    }
    if (res < 0) { fprintf(stderr, "uring_echo: io_uring_queue_init_params: %s\n", strerror(-res)); return 1; }

    /* The provided-buffer ring (liburing 2.3 has no io_uring_setup_buf_ring: map and register it). */
    size_t ring_bytes = BUF_COUNT * sizeof(struct io_uring_buf);
    if (posix_memalign((void **)&br, 4096, ring_bytes)) return 1;
    memset(br, 0, ring_bytes);
    struct io_uring_buf_reg reg = { .ring_addr = (unsigned long)br, .ring_entries = BUF_COUNT, .bgid = BGID };
    if ((res = io_uring_register_buf_ring(&ring, &reg, 0)) < 0) { fprintf(stderr, "uring_echo: register_buf_ring: %s\n", strerror(-res)); return 1; }
    io_uring_buf_ring_init(br);
    bufs = malloc((size_t)BUF_COUNT * BUF_SIZE);
    for (int b = 0; b < BUF_COUNT; b++) give_back(b);
    conns = calloc(MAX_FD, sizeof *conns);

    arm_accept(lfd);
    if (http_lfd >= 0) arm_accept(http_lfd);
    printf("uring_echo ready on %s%s%s (ring flags 0x%x)\n", argv[1], argc > 2 ? " and http on " : "",
           argc > 2 ? argv[2] : "", p.flags);
    fflush(stdout);

    while (!stop) {
        res = io_uring_submit_and_wait(&ring, 1);
        if (res < 0 && res != -EINTR && res != -EAGAIN && res != -EBUSY) { fprintf(stderr, "uring_echo: enter: %s\n", strerror(-res)); return 1; }
        struct io_uring_cqe *cqe;
        unsigned head, seen = 0;
        io_uring_for_each_cqe(&ring, head, cqe) {
            seen++;
            unsigned long long ud = cqe->user_data;
            int fd = UD_FD(ud);
            switch (UD_OP(ud)) {
            case OP_ACCEPT:
                if (cqe->res >= 0) {
                    int cfd = cqe->res;
                    if (cfd >= MAX_FD) { close(cfd); break; }
                    setsockopt(cfd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
                    conns[cfd] = (conn_t){ .open = 1, .head = -1, .tail = -1, .http = fd == http_lfd };
                    arm_recv(cfd);
                }
                if (!(cqe->flags & IORING_CQE_F_MORE)) arm_accept(fd);
                break;
            case OP_RECV: {
                conn_t *c = &conns[fd];
                int more = cqe->flags & IORING_CQE_F_MORE;
                if (cqe->res > 0) {
                    int bid = (int)(cqe->flags >> IORING_CQE_BUFFER_SHIFT);
                    if (c->open && c->http) {
                        c->owed += count_requests(c, bufs + (size_t)bid * BUF_SIZE, cqe->res);
                        give_back(bid);
                        if (!c->sending && c->owed > 0) send_answers(fd);
                    } else if (c->open) queue_send(fd, bid, cqe->res);
                    else give_back(bid);
                    if (!more) c->recv_armed = 0, arm_recv(fd);     /* out of buffers: re-arm */
                } else if (cqe->res == -ENOBUFS) {
                    c->recv_armed = 0;
                    arm_recv(fd);
                } else {                                            /* EOF or error */
                    if (!more) c->recv_armed = 0;
                    drop_queue(fd);
                    maybe_close(fd);
                }
                break;
            }
            case OP_HTTP_SEND: {
                conn_t *c = &conns[fd];
                c->sending = 0;
                if (cqe->res < 0) { c->owed = 0; shutdown(fd, SHUT_RDWR); maybe_close(fd); break; }
                c->send_off += (size_t)cqe->res;
                if (c->send_off < c->send_len || c->owed > 0) send_answers(fd);
                else maybe_close(fd);
                break;
            }
            case OP_SEND: {
                conn_t *c = &conns[fd];
                int bid = UD_BID(ud);
                c->sending = 0;
                if (cqe->res > 0 && cqe->res < buf_len[bid]) {          /* short send: go on */
                    buf_off[bid] += cqe->res;
                    buf_len[bid] -= cqe->res;
                    start_send(fd, bid);
                    break;
                }
                give_back(bid);
                if (cqe->res < 0) { drop_queue(fd); shutdown(fd, SHUT_RDWR); maybe_close(fd); break; }
                if (c->head >= 0) {
                    int next = c->head;
                    c->head = next_bid[next];
                    if (c->head < 0) c->tail = -1;
                    start_send(fd, next);
                } else {
                    maybe_close(fd);
                }
                break;
            }
            }
        }
        io_uring_cq_advance(&ring, seen);
    }
    io_uring_queue_exit(&ring);
    close(lfd);
    return 0;
}
