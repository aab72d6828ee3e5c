/*
 * The latency histogram shared by loadgen.c and uringgen.c: values in ns; exact below 128, then
 * 64 linear sub-buckets per power of two (1/64 relative precision, like HdrHistogram with two
 * significant digits). Header-only: each generator is one gcc command.
 */
#ifndef JRING_BENCH_HISTOGRAM_H
#define JRING_BENCH_HISTOGRAM_H
#include <stdint.h>

#define SUB_BITS 7
#define SUB_COUNT (1 << SUB_BITS)          /* 128 exact values */
#define HALF (SUB_COUNT / 2)               /* 64 sub-buckets per power of two above */
#define ROWS 40                            /* up to 2^46 ns, far beyond any run */
#define HIST_SIZE (SUB_COUNT + ROWS * HALF)

typedef struct { uint64_t counts[HIST_SIZE]; uint64_t total; uint64_t max; } hist_t;

static inline int hist_index(uint64_t v) {
    if (v < SUB_COUNT) return (int)v;
    int msb = 63 - __builtin_clzll(v);       /* >= SUB_BITS */
    int shift = msb - (SUB_BITS - 1);         /* v >> shift lies in [HALF, SUB_COUNT) */
    int idx = SUB_COUNT + (shift - 1) * HALF + (int)((v >> shift) - HALF);
    return idx < HIST_SIZE ? idx : HIST_SIZE - 1;
}

static inline uint64_t hist_value(int idx) { /* the highest value the bucket holds */
    if (idx < SUB_COUNT) return (uint64_t)idx;
    int shift = (idx - SUB_COUNT) / HALF + 1;
    uint64_t sub = (uint64_t)((idx - SUB_COUNT) % HALF + HALF);
    return ((sub + 1) << shift) - 1;
}

static inline void hist_record_n(hist_t *h, uint64_t v, uint64_t n) {
    h->counts[hist_index(v)] += n;
    h->total += n;
    if (v > h->max) h->max = v;
}

static inline void hist_record(hist_t *h, uint64_t v) { hist_record_n(h, v, 1); }

static inline void hist_merge(hist_t *into, const hist_t *from) {
    for (int i = 0; i < HIST_SIZE; i++) into->counts[i] += from->counts[i];
    into->total += from->total;
    if (from->max > into->max) into->max = from->max;
}

static inline double hist_percentile_us(const hist_t *h, double p) {
    if (h->total == 0) return 0;
    uint64_t rank = (uint64_t)(p / 100.0 * (double)h->total + 0.5);
    if (rank < 1) rank = 1;
    if (rank > h->total) rank = h->total;
    uint64_t seen = 0;
    for (int i = 0; i < HIST_SIZE; i++) {
        seen += h->counts[i];
        if (seen >= rank) {
            uint64_t v = hist_value(i);
            if (v > h->max) v = h->max;
            return (double)v / 1000.0;
        }
    }
    return (double)h->max / 1000.0;
}

#endif
