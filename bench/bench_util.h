/* Timing, data and memory-bandwidth helpers for c2bench. */
#ifndef C2_BENCH_UTIL_H
#define C2_BENCH_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Median wall time of fn(ctx) after warm-up: 15 timed runs within ~3 s (quick: 3 within
 * 0.5 s), at least 3 (quick: 1) however slow one run is. */
double bench_median_seconds(void (*fn)(void *), void *ctx, bool quick);

typedef struct bench_copy bench_copy;
/* The same for fn, with a STREAM-style copy run right before each timed run on the same thread
 * count: *copy_gbps gets the copy's median bandwidth, sampled under the same conditions (the
 * bandwidth of the measured VM drifts by tens of percent within minutes). */
double bench_median_seconds_vs_copy(void (*fn)(void *), void *ctx, bool quick, bench_copy *copy,
                                    int threads, double *copy_gbps);
/* Mean time of one call over `calls` back-to-back calls (best of 5 such batches). */
double bench_per_call_seconds(void (*fn)(void *), void *ctx, long calls);

/* n floats uniform in [lo, hi) from a fixed seed (the pages are touched). */
float *bench_random(int64_t n, float lo, float hi, uint64_t seed);

/* The STREAM-style copy b[i] = a[i] over two 64 MiB arrays (together 4x the 32 MiB L3), run
 * on a c2rt workspace pool; bandwidth counts bytes read + written. */
bench_copy *bench_copy_new(void);
void bench_copy_free(bench_copy *c);

/* "AMD EPYC (family 25, model 17), 2 CPUs, KVM guest" from /proc/cpuinfo. */
void bench_cpu_name(char *buf, size_t len);

#endif
