// A cheap HTTP/1.1 reader for bench/files-bench.sh: one keep-alive connection, GET PATH again and
// again for SECONDS, each body read into one 4 MiB buffer and thrown away (so the client costs
// one recv per few hundred KiB, far less than the server it measures). Checks the status and
// Content-Length of every answer; prints one line:
//   requests=N bytes=B seconds=S client_cpu_seconds=C
// Usage: fileget PORT PATH SECONDS
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define BUF (4 << 20)

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec / 1e9;
}

static void die(const char *what) {
    perror(what);
    exit(1);
}

int main(int argc, char **argv) {
    if (argc != 4) {
        fprintf(stderr, "usage: fileget PORT PATH SECONDS\n");
        return 2;
    }
    int port = atoi(argv[1]);
    double seconds = atof(argv[3]);
    char request[512];
    int request_len = snprintf(request, sizeof request, "GET %s HTTP/1.1\r\nHost: localhost\r\n\r\n", argv[2]);
    char *buf = malloc(BUF);
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0) die("socket");
    struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons(port)};
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (connect(fd, (struct sockaddr *)&addr, sizeof addr) < 0) die("connect");
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);

    long requests = 0;
    long long bytes = 0;
    double start = now(), end = start + seconds;
    while (now() < end) {
        if (write(fd, request, request_len) != request_len) die("write");
        // The head: read until CRLFCRLF; whatever follows it is the start of the body.
        size_t have = 0;
        char *head_end = NULL;
        while (!head_end) {
            ssize_t n = read(fd, buf + have, BUF - 1 - have);
            if (n <= 0) { fprintf(stderr, "fileget: connection ended in a head\n"); return 1; }
            have += n;
            buf[have] = 0;
            head_end = strstr(buf, "\r\n\r\n");
        }
        if (strncmp(buf, "HTTP/1.1 200", 12) != 0) {
            fprintf(stderr, "fileget: %.60s\n", buf);
            return 1;
        }
        char *length = strcasestr(buf, "\r\nContent-Length:");
        if (!length || length > head_end) { fprintf(stderr, "fileget: no Content-Length\n"); return 1; }
        long long body = atoll(length + 17);
        long long left = body - (long long)(have - (head_end + 4 - buf));
        while (left > 0) {
            ssize_t n = read(fd, buf, left < BUF ? left : BUF);
            if (n <= 0) { fprintf(stderr, "fileget: connection ended with %lld body bytes left\n", left); return 1; }
            left -= n;
        }
        if (left < 0) { fprintf(stderr, "fileget: more bytes than Content-Length\n"); return 1; }
        requests++;
        bytes += body;
    }
    double took = now() - start;
    struct rusage usage;
    getrusage(RUSAGE_SELF, &usage);
    double cpu = usage.ru_utime.tv_sec + usage.ru_utime.tv_usec / 1e6 + usage.ru_stime.tv_sec + usage.ru_stime.tv_usec / 1e6;
    printf("requests=%ld bytes=%lld seconds=%.4f client_cpu_seconds=%.4f\n", requests, bytes, took, cpu);
    return 0;
}
