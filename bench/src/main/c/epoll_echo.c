/*
 * epoll_echo: the epoll reference echo server of `./jring bench compare` — the classic
 * readiness loop with no runtime around it, as a near-physical limit for jring's epoll driver.
 *
 * One thread, level-triggered epoll, accept4 until EAGAIN, read into one shared buffer and
 * write straight back; only a short write keeps bytes per connection (and waits for EPOLLOUT).
 * An idle connection holds no buffer.
 *
 *   epoll_echo PORT            (built at run time: gcc -O2 -o epoll_echo epoll_echo.c)
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#define MAX_FD 65536
#define BUF_SIZE 65536

typedef struct { char *pending; size_t len; } conn_t;   /* bytes a short write left behind */

static conn_t *conns;
static int epfd;
static volatile sig_atomic_t stop;

static void on_signal(int sig) { (void)sig; stop = 1; }

static void drop(int fd) {
    free(conns[fd].pending);
    conns[fd].pending = NULL;
    conns[fd].len = 0;
    close(fd);                  /* closing removes it from the epoll set */
}

static void set_events(int fd, unsigned events) {
    struct epoll_event ev = { .events = events, .data.fd = fd };
    epoll_ctl(epfd, EPOLL_CTL_MOD, fd, &ev);
}

/* Writes buf; keeps what the socket did not take. Returns -1 if the connection broke. */
static int write_all(int fd, const char *buf, size_t len) {
    while (len > 0) {
        ssize_t n = write(fd, buf, len);
        if (n < 0) {
            if (errno != EAGAIN) return -1;
            conn_t *c = &conns[fd];
            c->pending = realloc(c->pending, c->len + len);
            memcpy(c->pending + c->len, buf, len);
            c->len += len;
            set_events(fd, EPOLLOUT);   /* stop reading until the backlog is gone */
            return 0;
        }
        buf += n;
        len -= (size_t)n;
    }
    return 0;
}

int main(int argc, char **argv) {
    if (argc < 2) { fprintf(stderr, "usage: epoll_echo PORT\n"); return 2; }
    signal(SIGPIPE, SIG_IGN);
    signal(SIGTERM, on_signal);
    signal(SIGINT, on_signal);

    int lfd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    int one = 1;
    setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    struct sockaddr_in addr = { .sin_family = AF_INET, .sin_port = htons((unsigned short)atoi(argv[1])) };
    inet_pton(AF_INET, "127.0.0.1", &addr.sin_addr);
    if (bind(lfd, (struct sockaddr *)&addr, sizeof addr) < 0 || listen(lfd, 4096) < 0) { perror("epoll_echo: bind/listen"); return 1; }

    conns = calloc(MAX_FD, sizeof *conns);
    epfd = epoll_create1(EPOLL_CLOEXEC);
    struct epoll_event ev = { .events = EPOLLIN, .data.fd = lfd };
    epoll_ctl(epfd, EPOLL_CTL_ADD, lfd, &ev);
    static char buf[BUF_SIZE];
    static struct epoll_event events[1024];
    printf("epoll_echo ready on %s\n", argv[1]);
    fflush(stdout);

    while (!stop) {
        int n = epoll_wait(epfd, events, 1024, -1);
        if (n < 0) { if (errno == EINTR) continue; perror("epoll_wait"); return 1; }
        for (int i = 0; i < n; i++) {
            int fd = events[i].data.fd;
            if (fd == lfd) {
                int cfd;
                while ((cfd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC)) >= 0) {
                    if (cfd >= MAX_FD) { close(cfd); continue; }
                    setsockopt(cfd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
                    struct epoll_event cev = { .events = EPOLLIN, .data.fd = cfd };
                    epoll_ctl(epfd, EPOLL_CTL_ADD, cfd, &cev);
                }
                continue;
            }
            conn_t *c = &conns[fd];
            if (c->len > 0) {                       /* EPOLLOUT: finish the backlog first */
                ssize_t w = write(fd, c->pending, c->len);
                if (w < 0) { if (errno != EAGAIN) drop(fd); continue; }
                memmove(c->pending, c->pending + w, c->len - (size_t)w);
                c->len -= (size_t)w;
                if (c->len == 0) set_events(fd, EPOLLIN);
                continue;
            }
            ssize_t r = read(fd, buf, sizeof buf);
            if (r > 0) {
                if (write_all(fd, buf, (size_t)r) < 0) drop(fd);
            } else if (r == 0 || errno != EAGAIN) {
                drop(fd);
            }
        }
    }
    close(epfd);
    close(lfd);
    return 0;
}
