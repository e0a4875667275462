/* Times a zoo net in c2rt and the same GEMM calls alone.
 *
 *   bench_zoo PREDICT.pb INIT.pb [--batch B] [--size S] [--threads T] [--iters N]
 *
 * Loads the init net (streaming), feeds data [B, 3, S, S] uniform in [-128, 128), warms up,
 * then reports the median wall time of N runs of the whole net, a per-op-type profile, and the
 * median time of replaying exactly the GEMM calls one run made (same shapes, same buffers, same
 * split over the same threads, op after op) without anything else. Lines starting with RESULT
 * and PROFILE are for bench/zoo_bench.py. */
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "c2rt/c2rt.h"
#include "ops/gemm.h"

static double now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static void fail(const c2_error *err) {
  fprintf(stderr, "bench_zoo: %s\n", err->message);
  exit(1);
}

static int cmp(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

static double median(double *v, int n) {
  qsort(v, (size_t)n, sizeof *v, cmp);
  return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

/* ---- recording ---- */

typedef struct recorded {
  c2_gemm_call call;
  size_t op;
} recorded;

typedef struct recorder {
  recorded *calls;
  size_t cap;
  atomic_size_t n;
  size_t current_op;
} recorder;

static void record(void *ctx, const c2_gemm_call *call) {
  recorder *r = ctx;
  size_t i = atomic_fetch_add(&r->n, 1);
  if (i < r->cap) r->calls[i] = (recorded){*call, r->current_op};
}

typedef struct replay_slice {
  const recorded *calls;
} replay_slice;

static void replay_fn(void *ctx, int64_t begin, int64_t end, int thread) {
  (void)thread;
  const replay_slice *s = ctx;
  for (int64_t i = begin; i < end; i++) {
    const c2_gemm_call *c = &s->calls[i].call;
    c2__sgemm(c->trans_a, c->trans_b, c->M, c->N, c->K, c->alpha, c->A, c->lda, c->B, c->ldb,
              c->beta, c->C, c->ldc);
  }
}

static int by_op(const void *a, const void *b) {
  const recorded *x = a, *y = b;
  return (x->op > y->op) - (x->op < y->op);
}

int main(int argc, char **argv) {
  if (argc < 3) {
    fprintf(stderr, "usage: bench_zoo PREDICT.pb INIT.pb [--batch B] [--size S] [--threads T] "
                    "[--iters N]\n");
    return 2;
  }
  int batch = 1, size = 227, threads = 1, iters = 20;
  for (int i = 3; i + 1 < argc; i += 2) {
    int v = atoi(argv[i + 1]);
    if (strcmp(argv[i], "--batch") == 0) batch = v;
    else if (strcmp(argv[i], "--size") == 0) size = v;
    else if (strcmp(argv[i], "--threads") == 0) threads = v;
    else if (strcmp(argv[i], "--iters") == 0) iters = v;
  }
  c2_error err = {0};
  c2_workspace *ws;
  c2_netdef *def;
  if (c2_workspace_new(&ws, &err)) fail(&err);
  c2_workspace_set_num_threads(ws, threads);
  if (c2_init_net_run_file(ws, argv[2], NULL, NULL, &err)) fail(&err);
  int64_t dims[4] = {batch, 3, size, size};
  size_t n = (size_t)batch * 3 * (size_t)size * (size_t)size;
  float *data = malloc(n * sizeof *data);
  uint64_t s = 12345;
  for (size_t i = 0; i < n; i++) {
    s = s * 6364136223846793005ull + 1442695040888963407ull;
    data[i] = (float)((double)(s >> 11) / 9007199254740992.0 * 256.0 - 128.0);
  }
  if (c2_workspace_feed(ws, "data", C2_DTYPE_FLOAT, 4, dims,
                        data, &err))
    fail(&err);
  free(data);
  if (c2_netdef_load_file(argv[1], NULL, &def, &err)) fail(&err);
  c2_net *net;
  if (c2_net_new(ws, def, NULL, &net, &err)) fail(&err);
  size_t n_ops = c2_net_num_ops(net);

  for (int w = 0; w < 3; w++)
    if (c2_net_run(net, &err)) fail(&err);
  double *t = malloc((size_t)iters * sizeof *t), *op_ms = calloc(n_ops, sizeof *op_ms);
  for (int it = 0; it < iters; it++) {
    double t0 = now_ms();
    if (c2_net_run(net, &err)) fail(&err);
    t[it] = now_ms() - t0;
  }
  double net_ms = median(t, iters);
  for (int it = 0; it < iters; it++)
    for (size_t k = 0; k < n_ops; k++) {
      double t0 = now_ms();
      if (c2_net_run_op(net, k, &err)) fail(&err);
      op_ms[k] += (now_ms() - t0) / iters;
    }

  /* one run recorded, op by op */
  recorder rec = {.cap = 1 << 20};
  rec.calls = malloc(rec.cap * sizeof *rec.calls);
  c2__gemm_set_recorder(record, &rec);
  for (size_t k = 0; k < n_ops; k++) {
    rec.current_op = k;
    if (c2_net_run_op(net, k, &err)) fail(&err);
  }
  c2__gemm_set_recorder(NULL, NULL);
  size_t n_calls = atomic_load(&rec.n);
  if (n_calls > rec.cap) {
    fprintf(stderr, "bench_zoo: more than %zu GEMM calls\n", rec.cap);
    return 1;
  }
  qsort(rec.calls, n_calls, sizeof *rec.calls, by_op);
  double flops = 0;
  for (size_t i = 0; i < n_calls; i++)
    flops += 2.0 * (double)rec.calls[i].call.M * (double)rec.calls[i].call.N *
             (double)rec.calls[i].call.K;
  for (int it = 0; it < iters; it++) {
    double t0 = now_ms();
    for (size_t i = 0; i < n_calls;) {
      size_t j = i;
      while (j < n_calls && rec.calls[j].op == rec.calls[i].op) j++;
      replay_slice slice = {rec.calls + i};
      if (c2_workspace_parallel_for(ws, (int64_t)(j - i), 1, replay_fn, &slice, &err)) fail(&err);
      i = j;
    }
    t[it] = now_ms() - t0;
  }
  double gemm_ms = median(t, iters);

  printf("RESULT batch=%d size=%d threads=%d net_ms=%.3f gemm_ms=%.3f gemm_calls=%zu "
         "gemm_gflop=%.3f\n",
         batch, size, threads, net_ms, gemm_ms, n_calls, flops / 1e9);
  const char *types[64];
  double type_ms[64] = {0};
  int calls[64] = {0};
  size_t n_types = 0;
  for (size_t k = 0; k < n_ops; k++) {
    const char *type = c2_op_type(c2_net_op(net, k));
    size_t i = 0;
    while (i < n_types && strcmp(types[i], type)) i++;
    if (i == n_types && n_types < 64) types[n_types++] = type;
    if (i < n_types) {
      type_ms[i] += op_ms[k];
      calls[i]++;
    }
  }
  for (size_t i = 0; i < n_types; i++)
    printf("PROFILE type=%s calls=%d ms=%.3f\n", types[i], calls[i], type_ms[i]);
  free(rec.calls);
  free(t);
  free(op_ms);
  c2_net_free(net);
  c2_netdef_free(def);
  c2_workspace_free(ws);
  return 0;
}
