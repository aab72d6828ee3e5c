/* The load generators' shared clock and mark protocol.
 *
 * The bench driver sends SIGUSR1 when it samples /proc; the generator answers on stdout with
 * {"mark":ANSWERED,"t_ns":NOW}, so every CPU sample is paired with the request count at that
 * instant. Both generators wait out their warm-up and measurement phases here. */
#ifndef JRING_GENCLOCK_H
#define JRING_GENCLOCK_H

#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <time.h>

static volatile sig_atomic_t mark_requested;

static void on_usr1(int sig) { (void)sig; mark_requested = 1; }

static uint64_t now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* Sleeps for secs, in slices of at most 2 ms so a mark is answered promptly; answered() reads
 * the generator's count of answered requests (atomically: its I/O threads are still running). */
static void sleep_marking(double secs, uint64_t (*answered)(void)) {
    uint64_t until = now_ns() + (uint64_t)(secs * 1e9);
    for (;;) {
        if (mark_requested) {
            mark_requested = 0;
            printf("{\"mark\":%llu,\"t_ns\":%llu}\n", (unsigned long long)answered(), (unsigned long long)now_ns());
            fflush(stdout);
        }
        uint64_t now = now_ns();
        if (now >= until) return;
        uint64_t left = until - now;
        struct timespec ts = { 0, (long)(left < 2000000 ? left : 2000000) };
        nanosleep(&ts, NULL);
    }
}

#endif
