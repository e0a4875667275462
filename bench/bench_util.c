#include "bench_util.h"

#include <c2rt/c2rt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

double bench_now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

static double now(void) { return bench_now(); }

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

double bench_median_seconds(void (*fn)(void *), void *ctx, bool quick) {
  double t0 = now();
  fn(ctx); /* a warm-up that also sizes the run */
  double first = now() - t0;
  /* Up to 15 timed runs (3 with quick) within ~3 s (0.5 s) per case, never fewer than 3 (1). */
  int max_reps = quick ? 3 : 15, min_reps = quick ? 1 : 3;
  double budget = quick ? 0.5 : 3.0;
  int reps = first * max_reps <= budget ? max_reps : (int)(budget / first);
  if (reps < min_reps) reps = min_reps;
  if (!quick && first * 3 < budget) fn(ctx); /* a second warm-up when it is cheap */
  double times[15];
  for (int i = 0; i < reps; i++) {
    t0 = now();
    fn(ctx);
    times[i] = now() - t0;
  }
  qsort(times, (size_t)reps, sizeof *times, cmp_double);
  return times[reps / 2];
}

double bench_per_call_seconds(void (*fn)(void *), void *ctx, long calls) {
  double best = 1e30;
  for (int batch = 0; batch < 5; batch++) {
    double t0 = now();
    for (long i = 0; i < calls; i++) fn(ctx);
    double t = (now() - t0) / (double)calls;
    if (t < best) best = t;
  }
  return best;
}

float *bench_random(int64_t n, float lo, float hi, uint64_t seed) {
  float *p = aligned_alloc(64, ((size_t)n * sizeof *p + 63) / 64 * 64);
  if (!p) {
    fprintf(stderr, "c2bench: out of memory\n");
    exit(1);
  }
  uint64_t s = seed * 0x9E3779B97F4A7C15ull + 1;
  for (int64_t i = 0; i < n; i++) {
    s ^= s >> 12, s ^= s << 25, s ^= s >> 27;
    p[i] = lo + (hi - lo) * (float)((s * 0x2545F4914F6CDD1Dull) >> 40) * (1.0f / 16777216.0f);
  }
  return p;
}

/* ---- copy bandwidth ---- */

#define COPY_FLOATS ((int64_t)16 << 20)

struct bench_copy {
  float *a, *b;
  c2_workspace *ws;
};

bench_copy *bench_copy_new(void) {
  bench_copy *c = calloc(1, sizeof *c);
  c2_error err;
  if (!c || c2_workspace_new(&c->ws, &err)) {
    fprintf(stderr, "c2bench: cannot set up the copy benchmark\n");
    exit(1);
  }
  c->a = bench_random(COPY_FLOATS, 0, 1, 9);
  c->b = bench_random(COPY_FLOATS, 0, 1, 10);
  return c;
}

/* A plain loop (this file is built without loop-to-memcpy rewriting): what STREAM's copy
 * measures, regular stores included. */
static void copy_chunk(void *ctx, int64_t begin, int64_t end, int thread) {
  (void)thread;
  bench_copy *c = ctx;
  float *restrict b = c->b;
  const float *restrict a = c->a;
  for (int64_t i = begin; i < end; i++) b[i] = a[i];
}

static void copy_once(void *ctx) {
  bench_copy *c = ctx;
  c2_error err;
  if (c2_workspace_parallel_for(c->ws, COPY_FLOATS, 1 << 16, copy_chunk, c, &err)) {
    fprintf(stderr, "c2bench: %s\n", err.message);
    exit(1);
  }
}

void bench_copy_sample(bench_copy *c, int threads, int reps, double *gbps) {
  c2_workspace_set_num_threads(c->ws, threads);
  copy_once(c); /* warm-up: the pool's threads, the pages */
  for (int i = 0; i < reps; i++) {
    double t0 = now();
    copy_once(c);
    gbps[i] = 2.0 * (double)COPY_FLOATS * sizeof(float) / (now() - t0) / 1e9;
  }
}

double bench_median(double *v, int n) {
  qsort(v, (size_t)n, sizeof *v, cmp_double);
  return v[n / 2];
}

void bench_copy_free(bench_copy *c) {
  c2_workspace_free(c->ws);
  free(c->a), free(c->b), free(c);
}

double bench_foreign_cpu_seconds(void) {
  unsigned long long user, nice, sys, idle, iowait, irq, softirq, steal;
  FILE *f = fopen("/proc/stat", "r");
  int got = f ? fscanf(f, "cpu %llu %llu %llu %llu %llu %llu %llu %llu", &user, &nice, &sys,
                       &idle, &iowait, &irq, &softirq, &steal)
              : 0;
  if (f) fclose(f);
  if (got != 8) return -1;
  double busy = (double)(user + nice + sys + irq + softirq + steal) / (double)sysconf(_SC_CLK_TCK);
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  double own = (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec * 1e-6 +
               (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec * 1e-6;
  return busy - own;
}

void bench_cpu_name(char *buf, size_t len) {
  char line[256], model[128] = "unknown CPU";
  int family = -1, model_no = -1;
  bool kvm = false;
  FILE *f = fopen("/proc/cpuinfo", "r");
  while (f && fgets(line, sizeof line, f)) {
    char *colon = strchr(line, ':');
    if (!colon) continue;
    char *value = colon + 2;
    value[strcspn(value, "\n")] = 0;
    if (!strncmp(line, "model name", 10)) snprintf(model, sizeof model, "%s", value);
    else if (!strncmp(line, "cpu family", 10)) family = atoi(value);
    else if (!strncmp(line, "model\t", 6)) model_no = atoi(value);
    else if (!strncmp(line, "flags", 5) && strstr(value, " hypervisor")) kvm = true;
  }
  if (f) fclose(f);
  snprintf(buf, len, "%s (family %d, model %d), %ld CPUs%s", model, family, model_no,
           sysconf(_SC_NPROCESSORS_ONLN), kvm ? ", virtual machine" : "");
}
