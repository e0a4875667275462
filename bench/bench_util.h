/* Timing, data and memory-bandwidth helpers for c2bench. */
#ifndef C2_BENCH_UTIL_H
#define C2_BENCH_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Monotonic seconds. */
double bench_now(void);

/* Median wall time of fn(ctx) after warm-up: 15 timed runs within ~3 s (quick: 3 within
 * 0.5 s), at least 3 (quick: 1) however slow one run is. */
double bench_median_seconds(void (*fn)(void *), void *ctx, bool quick);

/* Mean time of one call over `calls` back-to-back calls (best of 5 such batches). */
double bench_per_call_seconds(void (*fn)(void *), void *ctx, long calls);

/* n floats uniform in [lo, hi) from a fixed seed (the pages are touched). */
float *bench_random(int64_t n, float lo, float hi, uint64_t seed);

typedef struct bench_copy bench_copy;
/* The STREAM-style copy b[i] = a[i] over two 64 MiB arrays (together 4x the 32 MiB L3), run
 * on a c2rt workspace pool; bandwidth counts bytes read + written. */
bench_copy *bench_copy_new(void);
/* Runs the copy `reps` times on `threads` threads and appends each run's GB/s to gbps[]. */
void bench_copy_sample(bench_copy *c, int threads, int reps, double *gbps);
/* Median of n values (reorders them). */
double bench_median(double *v, int n);
void bench_copy_free(bench_copy *c);

/* CPU seconds used so far by everything else on the machine: busy time from /proc/stat minus
 * this process's own user + system time (all its threads). Negative when /proc/stat is
 * unreadable. Its growth during a measurement tells whether someone else was running. */
double bench_foreign_cpu_seconds(void);

/* "AMD EPYC (family 25, model 17), 2 CPUs, KVM guest" from /proc/cpuinfo. */
void bench_cpu_name(char *buf, size_t len);

#endif
