/* c2bench: LRN / LRNGradient speed against the memory floor and oneDNN, measured in one run.
 *
 *   c2bench [--csv] [--quick] [--tier ref|scalar|avx2|avx512] [--threads N[,N...]]
 *           [--shape NxCxHxW]...
 *
 * For each shape, layout (nchw, nhwc), pass (fwd: X -> Y; fwd_scale: X -> Y, Y_scale;
 * bwd: X, Y, dY -> dX), beta (0.75, 0.6) and thread count, it times the op through a net
 * (the user's path) and prints the median ms, GB/s of nominal traffic (2, 3 and 4 tensors), the
 * floor = nominal bytes / bandwidth of a STREAM-style copy run right before and right after the
 * case at the same thread count (the VM's bandwidth drifts by tens of percent within minutes),
 * x floor, and the time ratio to oneDNN (forward_inference for fwd, forward_training for
 * fwd_scale, backward for bwd), both timed hot (the same buffers run after run). LRN
 * parameters are AlexNet's: size 5, alpha 1e-4, bias 1.
 * It also measures what the op path (net, workspace) adds per call over the bare kernel. */
#include <c2rt/c2rt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench_util.h"
#include "ops/cpu_tier.h"
#include "ops/lrn_kernels.h"
#ifdef C2BENCH_HAVE_ONEDNN
#include "bench_onednn.h"
#else
typedef enum bench_pass { PASS_FWD, PASS_FWD_SCALE, PASS_BWD, PASS_COUNT } bench_pass;
#endif

#define LRN_SIZE 5
#define LRN_ALPHA 1e-4f
#define LRN_BIAS 1.0f

static const char *const pass_names[PASS_COUNT] = {"fwd", "fwd_scale", "bwd"};
static const int pass_tensors[PASS_COUNT] = {2, 3, 4};
static const float betas[] = {0.75f, 0.6f};
/* Cases during which other processes used more than this share of a CPU, and more than
 * DISTURBED_S seconds (/proc/stat counts in 10 ms ticks; the VM's own agents use ~1%), are
 * flagged. */
#define DISTURBED 0.05
#define DISTURBED_S 0.03
static int disturbed;
/* copy runs before and after each case (3 each in --quick) */
#define COPY_REPS_MAX 5
#define COPY_REPS (o->quick ? 3 : COPY_REPS_MAX)

typedef struct options {
  bool csv, quick;
  int threads[4], n_threads;
  int64_t shapes[8][4];
  int n_shapes; /* 0: the standard shapes */
} options;

static void die(const char *what, const c2_error *err) {
  fprintf(stderr, "c2bench: %s: %s\n", what, err ? err->message : "failed");
  exit(1);
}

/* ---- our op, through a one-op net ---- */

static c2_net *make_net(c2_workspace *ws, bench_pass pass, bool nhwc, float beta) {
  c2_error err;
  c2_opdef *op;
  const char *fwd_in[] = {"X"}, *fwd_out[] = {"Y", "Y_scale"};
  const char *bwd_in[] = {"X", "Y", "dY"}, *bwd_out[] = {"dX"};
  c2_status st = pass == PASS_BWD ? c2_opdef_new("LRNGradient", 3, bwd_in, 1, bwd_out, &op, &err)
                                  : c2_opdef_new("LRN", 1, fwd_in, pass == PASS_FWD ? 1 : 2,
                                                 fwd_out, &op, &err);
  if (!st) st = c2_opdef_add_arg_int(op, "size", LRN_SIZE, &err);
  if (!st) st = c2_opdef_add_arg_float(op, "alpha", LRN_ALPHA, &err);
  if (!st) st = c2_opdef_add_arg_float(op, "beta", beta, &err);
  if (!st) st = c2_opdef_add_arg_float(op, "bias", LRN_BIAS, &err);
  if (!st) st = c2_opdef_add_arg_string(op, "order", nhwc ? "NHWC" : "NCHW", &err);
  c2_netdef *def = NULL;
  if (!st) st = c2_netdef_new("bench", &def, &err);
  if (!st) st = c2_netdef_add_op_take(def, op, &err);
  c2_net *net = NULL;
  if (!st) st = c2_net_new(ws, def, NULL, &net, &err);
  if (st) die("building the net", &err);
  c2_netdef_free(def);
  return net;
}

static void run_net(void *ctx) {
  c2_error err;
  if (c2_net_run(ctx, &err)) die("running the net", &err);
}

#ifdef C2BENCH_HAVE_ONEDNN
static void run_onednn(void *ctx) { onednn_lrn_run(ctx); }
#endif

/* ---- one shape ---- */

typedef struct row {
  const char *shape, *layout, *pass;
  float beta;
  int threads;
  double ms, gbps, floor_ms, onednn_ms, copy_gbps;
  double foreign; /* share of a CPU that other processes used during the case */
  const char *onednn_impl;
} row;

static void print_row(const options *o, const row *r) {
  if (o->csv) {
    printf("%s,%s,%s,%.2f,%d,%.4f,%.2f,%.4f,%.3f,", r->shape, r->layout, r->pass, (double)r->beta,
           r->threads, r->ms, r->gbps, r->floor_ms, r->ms / r->floor_ms);
    if (r->onednn_ms > 0) printf("%.4f,%.3f\n", r->onednn_ms, r->ms / r->onednn_ms);
    else printf(",\n");
  } else {
    printf("%-14s %-5s %-9s %4.2f %2d %9.3f %7.1f %6.1f %9.3f %7.2f", r->shape, r->layout,
           r->pass, (double)r->beta, r->threads, r->ms, r->gbps, r->copy_gbps, r->floor_ms,
           r->ms / r->floor_ms);
    if (r->onednn_ms > 0) printf(" %10.3f %8.3f", r->onednn_ms, r->ms / r->onednn_ms);
    else printf(" %10s %8s", "-", "-");
    printf("  %s%s\n", r->onednn_impl ? r->onednn_impl : "",
           r->foreign > DISTURBED ? "  [disturbed]" : "");
  }
  fflush(stdout);
}

static void bench_shape(const options *o, const int64_t nchw[4], bench_copy *copy) {
  char shape[64];
  snprintf(shape, sizeof shape, "%lldx%lldx%lldx%lld", (long long)nchw[0], (long long)nchw[1],
           (long long)nchw[2], (long long)nchw[3]);
  const int64_t numel = nchw[0] * nchw[1] * nchw[2] * nchw[3];
  const double tensor_bytes = (double)numel * sizeof(float);
  if (!o->csv) printf("\n");
  float *x = bench_random(numel, -2, 2, 1), *dy = bench_random(numel, -1, 1, 2);
  for (int nhwc = 0; nhwc < 2; nhwc++) {
    const int64_t dims[4] = {nchw[0], nhwc ? nchw[2] : nchw[1], nhwc ? nchw[3] : nchw[2],
                             nhwc ? nchw[1] : nchw[3]};
    c2_error err;
    c2_workspace *ws;
    if (c2_workspace_new(&ws, &err) ||
        c2_workspace_feed(ws, "X", C2_DTYPE_FLOAT, 4, dims, x, &err) ||
        c2_workspace_feed(ws, "dY", C2_DTYPE_FLOAT, 4, dims, dy, &err))
      die("feeding the workspace", &err);
    float *peer_out = bench_random(numel, 0, 1, 3);
    for (size_t b = 0; b < sizeof betas / sizeof *betas; b++) {
      c2_net *fwd_net = make_net(ws, PASS_FWD, nhwc, betas[b]);
      run_net(fwd_net); /* Y for the backward */
      for (int pass = 0; pass < PASS_COUNT; pass++) {
        c2_net *net = pass == PASS_FWD ? fwd_net : make_net(ws, pass, nhwc, betas[b]);
        const float *wsx = c2_tensor_data_const(c2_workspace_get_blob(ws, "X"));
        const float *wsdy = c2_tensor_data_const(c2_workspace_get_blob(ws, "dY"));
        (void)wsx, (void)wsdy;
#ifdef C2BENCH_HAVE_ONEDNN
        char why[128] = "";
        onednn_lrn *peer = onednn_lrn_new(pass, nchw, nhwc, LRN_SIZE, LRN_ALPHA, betas[b],
                                          LRN_BIAS, wsx, wsdy, peer_out, why, sizeof why);
#endif
        for (int t = 0; t < o->n_threads; t++) {
          row r = {.shape = shape, .layout = nhwc ? "nhwc" : "nchw", .pass = pass_names[pass],
                   .beta = betas[b], .threads = o->threads[t]};
          /* the copy right before and right after the case, at its thread count */
          double copies[2 * COPY_REPS_MAX];
          double f0 = bench_foreign_cpu_seconds(), t0 = bench_now();
          bench_copy_sample(copy, r.threads, COPY_REPS, copies);
          c2_workspace_set_num_threads(ws, r.threads);
          r.ms = 1e3 * bench_median_seconds(run_net, net, o->quick);
#ifdef C2BENCH_HAVE_ONEDNN
          if (peer) {
            onednn_set_threads(r.threads);
            r.onednn_ms = 1e3 * bench_median_seconds(run_onednn, peer, o->quick);
            r.onednn_impl = onednn_lrn_impl(peer);
          } else {
            r.onednn_impl = why;
          }
#endif
          bench_copy_sample(copy, r.threads, COPY_REPS, copies + COPY_REPS);
          double foreign_s = f0 < 0 ? 0 : bench_foreign_cpu_seconds() - f0;
          r.foreign = foreign_s > DISTURBED_S ? foreign_s / (bench_now() - t0) : 0;
          if (r.foreign > DISTURBED) disturbed++;
          r.copy_gbps = bench_median(copies, 2 * COPY_REPS);
          r.gbps = pass_tensors[pass] * tensor_bytes / (r.ms * 1e-3) / 1e9;
          r.floor_ms = pass_tensors[pass] * tensor_bytes / (r.copy_gbps * 1e9) * 1e3;
          print_row(o, &r);
        }
#ifdef C2BENCH_HAVE_ONEDNN
        onednn_lrn_free(peer);
#endif
        if (net != fwd_net) c2_net_free(net);
      }
      c2_net_free(fwd_net);
    }
    free(peer_out);
    c2_workspace_free(ws);
  }
  free(x), free(dy);
}

/* ---- what the op path adds over the bare kernel ---- */

typedef struct bare {
  const lrn_kernel_table *k;
  lrn_params p;
  int64_t dims[4];
  const float *x;
  float *y;
  void *scratch;
} bare;

/* What lrn.c does around the kernel for one thread: plan, table, call. */
static void run_bare(void *ctx) {
  bare *b = ctx;
  lrn_plan plan;
  lrn_plan_init(&plan, &b->p, false, b->dims[0], b->dims[1], b->dims[2] * b->dims[3], 1);
  b->k->forward(&plan, b->x, b->y, NULL, 0, plan.N * plan.HW, b->scratch);
}

static void bench_overhead(const options *o) {
  const int64_t dims[4] = {1, 16, 4, 4};
  const int64_t numel = 256;
  float *x = bench_random(numel, -2, 2, 4);
  bare b = {c2__lrn_kernels(c2__cpu_tier_active()), {LRN_SIZE, LRN_ALPHA, 0.75f, LRN_BIAS},
            {1, 16, 4, 4}, x, malloc(numel * sizeof(float)), NULL};
  lrn_plan plan;
  lrn_plan_init(&plan, &b.p, false, 1, 16, 16, 1);
  b.scratch = aligned_alloc(64, (b.k->scratch_bytes(&plan, false) + 64) / 64 * 64);
  c2_error err;
  c2_workspace *ws;
  if (c2_workspace_new(&ws, &err) || c2_workspace_feed(ws, "X", C2_DTYPE_FLOAT, 4, dims, x, &err))
    die("feeding the workspace", &err);
  c2_workspace_set_num_threads(ws, 1);
  c2_net *net = make_net(ws, PASS_FWD, false, 0.75f);
  double bare_ns = 1e30, net_ns = 1e30; /* best of alternating batches */
  for (int round = 0; round < 5; round++) {
    double t = 1e9 * bench_per_call_seconds(run_bare, &b, 100000);
    bare_ns = t < bare_ns ? t : bare_ns;
    t = 1e9 * bench_per_call_seconds(run_net, net, 100000);
    net_ns = t < net_ns ? t : net_ns;
  }
  if (o->csv)
    printf("# op overhead: bare kernel %.0f ns, net run %.0f ns, overhead %.0f ns per call\n",
           bare_ns, net_ns, net_ns - bare_ns);
  else
    printf("\nop overhead (1x16x4x4 NCHW forward, 1 thread): bare kernel %.0f ns, net run %.0f ns"
           " per call: the op path adds %.0f ns (target < 2000 ns)\n", bare_ns, net_ns,
           net_ns - bare_ns);
  c2_net_free(net);
  c2_workspace_free(ws);
  free(b.scratch), free(b.y), free(x);
}

static void usage(void) {
  fprintf(stderr, "usage: c2bench [--csv] [--quick] [--tier ref|scalar|avx2|avx512] "
                  "[--threads N[,N...]] [--shape NxCxHxW]...\n");
  exit(2);
}

int main(int argc, char **argv) {
  options o = {.threads = {1, 2}, .n_threads = 2};
  for (int i = 1; i < argc; i++) {
    if (!strcmp(argv[i], "--csv")) o.csv = true;
    else if (!strcmp(argv[i], "--quick")) o.quick = true;
    else if (!strcmp(argv[i], "--tier") && i + 1 < argc) {
      c2__cpu_tier t;
      c2_error err;
      if (!c2__cpu_tier_parse(argv[++i], &t)) usage();
      if (c2__cpu_tier_force(t, &err)) die("--tier", &err);
    } else if (!strcmp(argv[i], "--threads") && i + 1 < argc) {
      o.n_threads = 0;
      for (char *s = strtok(argv[++i], ","); s && o.n_threads < 4; s = strtok(NULL, ","))
        if ((o.threads[o.n_threads++] = atoi(s)) < 1) usage();
    } else if (!strcmp(argv[i], "--shape") && i + 1 < argc && o.n_shapes < 8) {
      long long d[4];
      char end;
      if (sscanf(argv[++i], "%lldx%lldx%lldx%lld%c", &d[0], &d[1], &d[2], &d[3], &end) != 4 ||
          d[0] < 1 || d[1] < 1 || d[2] < 1 || d[3] < 1)
        usage();
      for (int k = 0; k < 4; k++) o.shapes[o.n_shapes][k] = d[k];
      o.n_shapes++;
    } else usage();
  }
  const int64_t shapes[][4] = {{1, 64, 224, 224}, {32, 96, 55, 55}, {32, 256, 27, 27},
                               {32, 192, 56, 56}};
  const int quick_shapes[] = {0, 2};
  char cpu[160], peer[96] = "oneDNN: not built in (install libdnnl-dev and reconfigure)";
  bench_cpu_name(cpu, sizeof cpu);
#ifdef C2BENCH_HAVE_ONEDNN
  onednn_version(peer, sizeof peer);
#endif
  const char *tier = c2__cpu_tier_name(c2__cpu_tier_active());
  if (o.csv) {
    printf("# c2bench: %s; c2rt tier %s; %s\n", cpu, tier, peer);
    printf("shape,layout,pass,beta,threads,ms,gbps,floor_ms,x_floor,onednn_ms,x_onednn\n");
  } else {
    printf("c2bench: LRN size %d, alpha %g, bias %g\nCPU: %s\nc2rt kernels: tier %s; peer: %s\n",
           LRN_SIZE, (double)LRN_ALPHA, (double)LRN_BIAS, cpu, tier, peer);
    printf("%-14s %-5s %-9s %4s %2s %9s %7s %6s %9s %7s %10s %8s  %s\n", "shape", "order",
           "pass", "beta", "T", "ms", "GB/s", "copy", "floor_ms", "xfloor", "onednn_ms",
           "xonednn", "oneDNN impl");
  }
  bench_copy *copy = bench_copy_new();
  if (o.n_shapes)
    for (int i = 0; i < o.n_shapes; i++) bench_shape(&o, o.shapes[i], copy);
  else if (o.quick)
    for (int i = 0; i < 2; i++) bench_shape(&o, shapes[quick_shapes[i]], copy);
  else
    for (size_t i = 0; i < sizeof shapes / sizeof *shapes; i++) bench_shape(&o, shapes[i], copy);
  bench_copy_free(copy);
  bench_overhead(&o);
  if (disturbed)
    fprintf(stderr, "c2bench: %d case(s) ran while other processes used more than %.0f%% of a "
            "CPU (marked [disturbed]): repeat them on a quiet machine\n", disturbed,
            100 * DISTURBED);
  return 0;
}
