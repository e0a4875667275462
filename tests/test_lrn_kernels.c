/* The LRN kernel tiers (ref, scalar, avx2, avx512), each forced in turn, against a float64
 * oracle written from the formula: accuracy targets, canary-filled outputs, arbitrary splits of
 * the pixels, bit-identical results for any thread count, NaN propagation. Each tier the CPU
 * lacks is reported and skipped. The measured worst errors are printed per tier. */
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "ops/cpu_tier.h"
#include "ops/lrn_kernels.h"
#include "test_util.h"

/* Targets of issue C (forward relative error vs float64; backward error relative to max|dX|). */
#define FWD_TOL_SPECIAL 3e-7
#define FWD_TOL_GENERAL 1e-6
#define BWD_TOL 5e-7

static const uint32_t CANARY = 0x7fa5a5a5u; /* a NaN no kernel produces */

typedef struct kcase {
  int64_t n, c, h, w;
  bool nhwc;
  int size;
  float alpha, beta, bias;
} kcase;

static int64_t numel_of(const kcase *k) { return k->n * k->c * k->h * k->w; }

/* ---- float64 oracle ---- */

static int64_t at(const kcase *k, int64_t n, int64_t c, int64_t i) {
  int64_t hw = k->h * k->w;
  return k->nhwc ? (n * hw + i) * k->c + c : (n * k->c + c) * hw + i;
}

/* s (scale), y and, when dy is given, dx for every element, in double. */
static void oracle(const kcase *k, const float *x, const float *dy, double *s, double *y,
                   double *dx) {
  const int64_t hw = k->h * k->w, half = (k->size - 1) / 2;
  const double a = (double)k->alpha / k->size, nb = -(double)k->beta;
  const double cr = 2.0 * k->alpha * k->beta / k->size;
  for (int64_t n = 0; n < k->n; n++)
    for (int64_t i = 0; i < hw; i++)
      for (int64_t c = 0; c < k->c; c++) {
        double sum = 0;
        for (int64_t j = c - half; j <= c + half; j++)
          if (j >= 0 && j < k->c) sum += (double)x[at(k, n, j, i)] * x[at(k, n, j, i)];
        int64_t e = at(k, n, c, i);
        s[e] = k->bias + a * sum;
        y[e] = x[e] * pow(s[e], nb);
      }
  if (!dy) return;
  for (int64_t n = 0; n < k->n; n++)
    for (int64_t i = 0; i < hw; i++)
      for (int64_t c = 0; c < k->c; c++) {
        double acc = 0;
        for (int64_t j = c - half; j <= c + half; j++)
          if (j >= 0 && j < k->c) {
            int64_t ej = at(k, n, j, i);
            acc += dy[ej] * y[ej] / s[ej];
          }
        int64_t e = at(k, n, c, i);
        dx[e] = dy[e] * pow(s[e], nb) - cr * x[e] * acc;
      }
}

/* ---- helpers ---- */

/* 64-byte aligned like tensor data, so that the kernels' aligned paths (streaming stores) run,
 * and of the exact size, so that ASan sees any overrun. */
static float *alloc_floats(int64_t n) {
  void *p = NULL;
  ck_assert_int_eq(posix_memalign(&p, 64, (size_t)(n > 0 ? n : 1) * sizeof(float)), 0);
  return p;
}

static void fill_canary(float *p, int64_t n) {
  for (int64_t i = 0; i < n; i++) memcpy(&p[i], &CANARY, sizeof CANARY);
}

static bool is_canary(float v) {
  uint32_t b;
  memcpy(&b, &v, sizeof b);
  return b == CANARY;
}

static void plan_of(const kcase *k, lrn_plan *pl) {
  lrn_params p = {k->size, k->alpha, k->beta, k->bias};
  lrn_plan_init(pl, &p, k->nhwc, k->n, k->c, k->h * k->w, 1);
}

/* Scratch of exactly the size the table asks for (ASan sees any overrun), 64-byte aligned as
 * the op provides it. */
static void *scratch_for(const lrn_kernel_table *t, const lrn_plan *pl, bool backward) {
  size_t bytes = t->scratch_bytes(pl, backward);
  void *p = NULL;
  if (bytes) ck_assert_int_eq(posix_memalign(&p, 64, bytes), 0);
  return p;
}

static const char *kind_name(lrn_beta_kind kind) {
  static const char *const names[] = {"0.5", "0.75", "1", "general"};
  return names[kind];
}

static void force_tier(int tier) {
  c2_error err;
  EXPECT_OK(c2__cpu_tier_force((c2__cpu_tier)tier, &err), &err);
}

/* ---- accuracy of one case on the forced tier ---- */

typedef struct worst {
  double fwd, scale, bwd;
  int cases;
  char fwd_case[160]; /* where the worst forward error was seen */
} worst;

static void describe(const kcase *k, char *buf, size_t len) {
  snprintf(buf, len, "%s %lldx%lldx%lldx%lld size %d alpha %g beta %g bias %g",
           k->nhwc ? "NHWC" : "NCHW", (long long)k->n, (long long)k->c, (long long)k->h,
           (long long)k->w, k->size, (double)k->alpha, (double)k->beta, (double)k->bias);
}

/* Runs forward (with and without scale) and backward over all pixels, then over a random
 * split into pieces, and checks: every output written, the split gives the same bits, errors
 * within the targets. */
static void check_case(const kcase *k, test_rng *rng, worst *w) {
  const lrn_kernel_table *t = c2__lrn_kernels(c2__cpu_tier_active());
  lrn_plan pl;
  plan_of(k, &pl);
  const int64_t numel = numel_of(k), pixels = k->n * k->h * k->w;
  float *x = alloc_floats(numel), *dy = alloc_floats(numel);
  for (int64_t i = 0; i < numel; i++) {
    x[i] = (float)test_rng_uniform(rng, -3, 3);
    dy[i] = (float)test_rng_uniform(rng, -1, 1);
  }
  double *s = malloc((size_t)numel * sizeof *s), *y = malloc((size_t)numel * sizeof *y);
  double *dx = malloc((size_t)numel * sizeof *dx);
  oracle(k, x, dy, s, y, dx);

  float *got_y = alloc_floats(numel), *got_s = alloc_floats(numel), *got_y2 = alloc_floats(numel);
  float *got_dx = alloc_floats(numel), *y_ref = alloc_floats(numel);
  void *fs = scratch_for(t, &pl, false), *bs = scratch_for(t, &pl, true);
  fill_canary(got_y, numel);
  fill_canary(got_s, numel);
  fill_canary(got_y2, numel);
  fill_canary(got_dx, numel);
  t->forward(&pl, x, got_y, got_s, 0, pixels, fs);
  t->forward(&pl, x, got_y2, NULL, 0, pixels, fs);
  /* Y for the reference backward, which reads it (the fast tiers recompute it). */
  for (int64_t i = 0; i < numel; i++) y_ref[i] = (float)y[i];
  t->backward(&pl, x, y_ref, dy, got_dx, 0, pixels, bs);

  char what[160];
  describe(k, what, sizeof what);
  /* (Check asserts cost a system call each: element loops record the first problem.) */
  double fwd = 0, scale = 0, bwd = 0, max_dx = 0;
  int64_t unwritten = -1, differs = -1, nonzero = -1;
  for (int64_t i = 0; i < numel; i++) {
    if (unwritten < 0 && (is_canary(got_y[i]) || is_canary(got_s[i]) || is_canary(got_dx[i])))
      unwritten = i;
    if (differs < 0 && memcmp(&got_y[i], &got_y2[i], sizeof(float)) != 0) differs = i;
    if (y[i] != 0) fwd = fmax(fwd, fabs(got_y[i] - y[i]) / fabs(y[i]));
    else if (got_y[i] != 0 && nonzero < 0) nonzero = i;
    scale = fmax(scale, fabs(got_s[i] - s[i]) / s[i]);
    bwd = fmax(bwd, fabs(got_dx[i] - dx[i]));
    max_dx = fmax(max_dx, fabs(dx[i]));
  }
  ck_assert_msg(unwritten < 0, "%s: element %lld not written", what, (long long)unwritten);
  ck_assert_msg(differs < 0, "%s: Y differs with and without Y_scale at %lld", what,
                (long long)differs);
  ck_assert_msg(nonzero < 0, "%s: Y[%lld] = %g, expected 0", what, (long long)nonzero,
                nonzero < 0 ? 0.0 : got_y[nonzero]);
  bwd = max_dx > 0 ? bwd / max_dx : bwd;
  double fwd_tol = pl.kind == LRN_BETA_GENERAL ? FWD_TOL_GENERAL : FWD_TOL_SPECIAL;
  ck_assert_msg(fwd <= fwd_tol, "%s: forward rel err %.3g > %.3g", what, fwd, fwd_tol);
  ck_assert_msg(scale <= FWD_TOL_SPECIAL, "%s: Y_scale rel err %.3g", what, scale);
  ck_assert_msg(bwd <= BWD_TOL, "%s: backward err %.3g of max|dX|", what, bwd);
  worst *wk = &w[pl.kind];
  if (fwd > wk->fwd) snprintf(wk->fwd_case, sizeof wk->fwd_case, "%s", what);
  wk->fwd = fmax(wk->fwd, fwd);
  wk->scale = fmax(wk->scale, scale);
  wk->bwd = fmax(wk->bwd, bwd);
  wk->cases++;

  /* Outputs too large for the caches are written with non-temporal stores where a kernel can
   * (plan.stream_out, set from 32 MiB up): the same bits. */
  lrn_plan streamed = pl;
  streamed.stream_out = true;
  float *nt_y = alloc_floats(numel), *nt_s = alloc_floats(numel), *nt_dx = alloc_floats(numel);
  fill_canary(nt_y, numel);
  fill_canary(nt_s, numel);
  fill_canary(nt_dx, numel);
  t->forward(&streamed, x, nt_y, nt_s, 0, pixels, fs);
  t->backward(&streamed, x, y_ref, dy, nt_dx, 0, pixels, bs);
  ck_assert_msg(memcmp(nt_y, got_y, (size_t)numel * sizeof(float)) == 0 &&
                    memcmp(nt_s, got_s, (size_t)numel * sizeof(float)) == 0 &&
                    memcmp(nt_dx, got_dx, (size_t)numel * sizeof(float)) == 0,
                "%s: streaming stores change the results", what);
  free(nt_y), free(nt_s), free(nt_dx);

  /* The same pixels in random pieces (any start, any end) give the same bits, and a call writes
   * nothing outside its pieces. */
  float *piece_y = alloc_floats(numel), *piece_s = alloc_floats(numel);
  float *piece_dx = alloc_floats(numel);
  fill_canary(piece_y, numel);
  fill_canary(piece_s, numel);
  fill_canary(piece_dx, numel);
  int64_t from = 0;
  while (from < pixels) {
    int64_t to = from + test_rng_int(rng, 1, pixels - from);
    t->forward(&pl, x, piece_y, piece_s, from, to, fs);
    t->backward(&pl, x, y_ref, dy, piece_dx, from, to, bs);
    int64_t wrong = -1;
    for (int64_t i = 0; i < numel && wrong < 0; i++) {
      int64_t pixel = k->nhwc ? i / k->c : (i / (k->c * k->h * k->w)) * k->h * k->w +
                                               i % (k->h * k->w);
      bool inside = pixel < to;
      if (inside == is_canary(piece_y[i]) || inside == is_canary(piece_dx[i])) wrong = i;
    }
    ck_assert_msg(wrong < 0, "%s: after the pieces up to pixel %lld, element %lld is wrong "
                  "(unwritten inside or written outside)", what, (long long)to, (long long)wrong);
    from = to;
  }
  ck_assert_msg(memcmp(piece_y, got_y, (size_t)numel * sizeof(float)) == 0 &&
                    memcmp(piece_s, got_s, (size_t)numel * sizeof(float)) == 0 &&
                    memcmp(piece_dx, got_dx, (size_t)numel * sizeof(float)) == 0,
                "%s: results depend on how the pixels are split", what);

  free(piece_y), free(piece_s), free(piece_dx);
  free(fs), free(bs);
  free(got_y), free(got_s), free(got_y2), free(got_dx), free(y_ref);
  free(x), free(dy), free(s), free(y), free(dx);
}

static const float betas[] = {0.5f, 0.75f, 1.0f, 0.6f};

START_TEST(test_accuracy) {
  const int tier = _i;
  if (!c2__cpu_tier_usable((c2__cpu_tier)tier)) {
    printf("tier %s: not usable here (CPU, build or C2RT_CPU_TIER), skipped\n",
           c2__cpu_tier_name(tier));
    return;
  }
  force_tier(tier);
  test_rng rng = test_rng_make(1000 + (uint64_t)tier);
  worst w[4] = {{0}};
  /* Edge shapes: C = 1, H = W = 1, C < size, tails against 8 and 16 lanes, larger planes. */
  const int64_t shapes[][4] = {
      {1, 1, 1, 1},  {1, 1, 3, 3},   {2, 3, 1, 1},   {1, 7, 1, 1},    {1, 17, 5, 3},
      {1, 33, 1, 1}, {2, 64, 7, 7},  {1, 100, 3, 5}, {3, 5, 17, 19},  {1, 2, 41, 43},
      {2, 96, 9, 13}, {1, 24, 33, 35}, {1, 256, 5, 4}, {1, 9, 37, 30},
  };
  const size_t n_shapes = sizeof shapes / sizeof *shapes;
  for (size_t i = 0; i < n_shapes; i++)
    for (int nhwc = 0; nhwc < 2; nhwc++)
      for (int b = 0; b < 4; b++) {
        kcase k = {shapes[i][0], shapes[i][1], shapes[i][2], shapes[i][3], nhwc,
                   (int)(2 * ((i + (size_t)b) % 8) + 1), 1e-4f, betas[b], 1.0f};
        k.alpha = (float)exp(test_rng_uniform(&rng, log(1e-4), log(2.0)));
        k.bias = (float)test_rng_uniform(&rng, 0.5, 3.0);
        check_case(&k, &rng, w);
      }
  /* Size 5 (the register path of the NHWC SIMD kernels) at channel counts around 8 and 16. */
  const int64_t channels[] = {1, 2, 3, 4, 5, 7, 8, 9, 15, 16, 17, 23, 24, 31, 32, 33, 40, 47};
  for (size_t i = 0; i < sizeof channels / sizeof *channels; i++)
    for (int nhwc = 0; nhwc < 2; nhwc++) {
      kcase k = {2, channels[i], 3, 5, nhwc, 5, 0, betas[i % 4], 0};
      k.alpha = (float)exp(test_rng_uniform(&rng, log(1e-4), log(2.0)));
      k.bias = (float)test_rng_uniform(&rng, 0.5, 3.0);
      check_case(&k, &rng, w);
    }
  /* Random shapes, sizes 1..15, both orders, any beta, some with bias 0. */
  for (int r = 0; r < 80; r++) {
    kcase k = {test_rng_int(&rng, 1, 3), test_rng_int(&rng, 1, 70), test_rng_int(&rng, 1, 20),
               test_rng_int(&rng, 1, 20), r % 2 == 1, (int)test_rng_int(&rng, 0, 7) * 2 + 1,
               0, 0, 0};
    k.alpha = (float)exp(test_rng_uniform(&rng, log(1e-4), log(2.0)));
    int b = (int)test_rng_int(&rng, 0, 4);
    k.beta = b < 4 ? betas[b] : (float)test_rng_uniform(&rng, 0.1, 3.0);
    /* bias 0 with size 1 is degenerate: Y = sign(X) / sqrt(alpha), and at beta 0.5 dX is
     * exactly 0, so an error relative to max|dX| means nothing. */
    k.bias = r % 10 == 3 && k.size > 1 ? 0.0f : (float)test_rng_uniform(&rng, 0.5, 3.0);
    check_case(&k, &rng, w);
  }
  /* A few AlexNet-like planes (size 5, alpha 1e-4). */
  const int64_t big[][4] = {{1, 64, 56, 56}, {2, 96, 27, 27}, {1, 3, 227, 227}};
  for (size_t i = 0; i < 3; i++)
    for (int nhwc = 0; nhwc < 2; nhwc++) {
      kcase k = {big[i][0], big[i][1], big[i][2], big[i][3], nhwc, 5, 1e-4f,
                 i == 2 ? 0.6f : 0.75f, 1.0f};
      check_case(&k, &rng, w);
    }
  printf("tier %-6s  beta     cases  fwd max rel err  Y_scale max rel err  bwd max err/max|dX|\n",
         c2__cpu_tier_name(tier));
  for (int kind = 0; kind < 4; kind++)
    printf("tier %-6s  %-7s  %5d  %15.3g  %19.3g  %19.3g\n", c2__cpu_tier_name(tier),
           kind_name(kind), w[kind].cases, w[kind].fwd, w[kind].scale, w[kind].bwd);
  for (int kind = 0; kind < 4; kind++)
    printf("tier %-6s  worst forward, beta %s: %s\n", c2__cpu_tier_name(tier), kind_name(kind),
           w[kind].fwd_case);
  fflush(stdout);
}
END_TEST

/* ---- thread counts, through the op ---- */

static void run_lrn_op(c2_workspace *ws, const kcase *k, int threads, bool with_scale) {
  c2_workspace_set_num_threads(ws, threads);
  const char *in[] = {"X"}, *out[] = {"Y", "Y_scale"};
  const char *g_in[] = {"X", "Y", "dY"}, *g_out[] = {"dX"};
  c2_opdef *fwd, *bwd;
  c2_error err;
  EXPECT_OK(c2_opdef_new("LRN", 1, in, with_scale ? 2 : 1, out, &fwd, &err), &err);
  EXPECT_OK(c2_opdef_new("LRNGradient", 3, g_in, 1, g_out, &bwd, &err), &err);
  c2_opdef *defs[] = {fwd, bwd};
  for (int i = 0; i < 2; i++) {
    EXPECT_OK(c2_opdef_add_arg_int(defs[i], "size", k->size, &err), &err);
    EXPECT_OK(c2_opdef_add_arg_float(defs[i], "alpha", k->alpha, &err), &err);
    EXPECT_OK(c2_opdef_add_arg_float(defs[i], "beta", k->beta, &err), &err);
    EXPECT_OK(c2_opdef_add_arg_float(defs[i], "bias", k->bias, &err), &err);
    EXPECT_OK(c2_opdef_add_arg_string(defs[i], "order", k->nhwc ? "NHWC" : "NCHW", &err), &err);
    EXPECT_OK(c2_run_operator_once(ws, defs[i], NULL, &err), &err);
    c2_opdef_free(defs[i]);
  }
}

static float *blob_copy(c2_workspace *ws, const char *name, int64_t numel) {
  float *copy = alloc_floats(numel);
  memcpy(copy, c2_tensor_data_const(c2_workspace_get_blob(ws, name)), (size_t)numel * sizeof *copy);
  return copy;
}

START_TEST(test_threads_bit_identical) {
  const int tier = _i;
  if (!c2__cpu_tier_usable((c2__cpu_tier)tier)) return;
  force_tier(tier);
  test_rng rng = test_rng_make(77);
  /* Large enough for 4 chunks (the op gives a thread at least 256K elements); under valgrind
   * (C2RT_VALGRIND, set by `meson test --setup valgrind`) 2 chunks are enough. */
  const kcase big[] = {
      {8, 40, 61, 59, false, 5, 1e-4f, 0.75f, 1.0f}, {8, 40, 61, 59, true, 5, 1e-4f, 0.75f, 1.0f},
      {4, 67, 64, 64, false, 7, 0.5f, 0.6f, 2.0f},   {4, 67, 64, 64, true, 3, 0.5f, 1.0f, 0.5f},
      {2, 13, 211, 207, false, 5, 1e-3f, 0.5f, 1.0f},
  };
  const kcase small[] = {
      {3, 40, 67, 67, false, 5, 1e-4f, 0.75f, 1.0f}, {3, 40, 67, 67, true, 5, 1e-4f, 0.75f, 1.0f},
      {1, 67, 91, 91, true, 3, 0.5f, 0.6f, 0.5f},
  };
  const bool valgrind = getenv("C2RT_VALGRIND") != NULL;
  const kcase *cases = valgrind ? small : big;
  const size_t n_cases = valgrind ? sizeof small / sizeof *small : sizeof big / sizeof *big;
  for (size_t ci = 0; ci < n_cases; ci++) {
    const kcase *k = &cases[ci];
    lrn_plan pl;
    plan_of(k, &pl);
    ck_assert_msg(c2_parallel_chunks(pl.units, pl.grain, 4) >= (valgrind ? 2 : 4),
                  "case %zu is too small to be split among threads", ci);
    int64_t numel = numel_of(k), dims[4] = {k->n, k->c, k->h, k->w};
    if (k->nhwc) dims[1] = k->h, dims[2] = k->w, dims[3] = k->c;
    float *x = alloc_floats(numel), *dy = alloc_floats(numel);
    for (int64_t i = 0; i < numel; i++) {
      x[i] = (float)test_rng_uniform(&rng, -3, 3);
      dy[i] = (float)test_rng_uniform(&rng, -1, 1);
    }
    c2_error err;
    c2_workspace *ws;
    EXPECT_OK(c2_workspace_new(&ws, &err), &err);
    EXPECT_OK(c2_workspace_feed(ws, "X", C2_DTYPE_FLOAT, 4, dims, x, &err), &err);
    EXPECT_OK(c2_workspace_feed(ws, "dY", C2_DTYPE_FLOAT, 4, dims, dy, &err), &err);
    run_lrn_op(ws, k, 1, true);
    float *y1 = blob_copy(ws, "Y", numel), *s1 = blob_copy(ws, "Y_scale", numel);
    float *dx1 = blob_copy(ws, "dX", numel);
    for (int threads = 2; threads <= 4; threads++) {
      c2_tensor *outs[] = {c2_workspace_get_blob(ws, "Y"), c2_workspace_get_blob(ws, "Y_scale"),
                           c2_workspace_get_blob(ws, "dX")};
      for (int o = 0; o < 3; o++) fill_canary(c2_tensor_data(outs[o]), numel);
      run_lrn_op(ws, k, threads, true);
      ck_assert_msg(memcmp(y1, c2_tensor_data_const(outs[0]), (size_t)numel * 4) == 0 &&
                        memcmp(s1, c2_tensor_data_const(outs[1]), (size_t)numel * 4) == 0 &&
                        memcmp(dx1, c2_tensor_data_const(outs[2]), (size_t)numel * 4) == 0,
                    "tier %s case %zu: %d threads differ from 1", c2__cpu_tier_name(tier), ci,
                    threads);
    }
    c2_workspace_free(ws);
    free(x), free(dy), free(y1), free(s1), free(dx1);
  }
}
END_TEST

/* ---- special values ---- */

START_TEST(test_nan_propagates_through_the_window) {
  const int tier = _i;
  if (!c2__cpu_tier_usable((c2__cpu_tier)tier)) return;
  force_tier(tier);
  for (int nhwc = 0; nhwc < 2; nhwc++)
    for (int b = 0; b < 4; b++) {
      kcase k = {1, 20, 3, 7, nhwc, 5, 1e-2f, betas[b], 1.0f};
      lrn_plan pl;
      plan_of(&k, &pl);
      const lrn_kernel_table *t = c2__lrn_kernels((c2__cpu_tier)tier);
      int64_t numel = numel_of(&k);
      float *x = alloc_floats(numel), *y = alloc_floats(numel);
      for (int64_t i = 0; i < numel; i++) x[i] = 0.5f;
      const int64_t pix = 11, bad = 9; /* channel 9 of pixel 11 */
      x[at(&k, 0, bad, pix)] = NAN;
      void *fs = scratch_for(t, &pl, false);
      t->forward(&pl, x, y, NULL, 0, 21, fs);
      int64_t wrong_c = -1, wrong_i = -1;
      for (int64_t i = 0; i < 21; i++)
        for (int64_t c = 0; c < 20; c++) {
          bool in_window = i == pix && c >= bad - 2 && c <= bad + 2;
          float v = y[at(&k, 0, c, i)];
          if (in_window ? !isnan(v) : !isfinite(v)) wrong_c = c, wrong_i = i;
        }
      ck_assert_msg(wrong_c < 0, "tier %s %s beta %g: Y(c=%lld, pixel %lld) is wrong",
                    c2__cpu_tier_name(tier), nhwc ? "NHWC" : "NCHW", (double)k.beta,
                    (long long)wrong_c, (long long)wrong_i);
      free(fs), free(x), free(y);
    }
}
END_TEST

/* An infinite X makes the scales of its window infinite (Y_scale inf), and inf^-beta = 0 (IEEE
 * pow, as in Caffe2 and the reference): Y is NaN only at the infinite element (inf * 0) and 0 at its
 * finite neighbours, and the backward, whose ratios there are dY * 0 / inf = 0, gives NaN only
 * where a ratio window holds the infinite element itself. Forward and backward, every beta
 * path and window kind, against the float64 oracle (which computes the same IEEE values). */
START_TEST(test_infinite_x_gives_zero_power) {
  const int tier = _i;
  if (!c2__cpu_tier_usable((c2__cpu_tier)tier)) return;
  force_tier(tier);
  const lrn_kernel_table *t = c2__lrn_kernels((c2__cpu_tier)tier);
  const int sizes[] = {3, 5, 7};
  for (int nhwc = 0; nhwc < 2; nhwc++)
    for (int b = 0; b < 4; b++)
      for (int si = 0; si < 3; si++) {
        kcase k = {1, 20, 3, 7, nhwc, sizes[si], 1e-2f, betas[b], 1.0f};
        lrn_plan pl;
        plan_of(&k, &pl);
        const int64_t numel = numel_of(&k), pixels = k.h * k.w;
        float *x = alloc_floats(numel), *dy = alloc_floats(numel), *y = alloc_floats(numel);
        float *dx = alloc_floats(numel), *y_ref = alloc_floats(numel), *sc = alloc_floats(numel);
        for (int64_t i = 0; i < numel; i++) {
          x[i] = 0.5f + 0.125f * (float)(i % 7);
          dy[i] = 0.25f - 0.0625f * (float)(i % 5);
        }
        x[at(&k, 0, 9, 11)] = INFINITY; /* mid-channel (crosses a vector edge at 8 lanes) */
        x[at(&k, 0, 1, 4)] = -INFINITY; /* near the first channel */
        double *s = malloc((size_t)numel * sizeof *s), *ye = malloc((size_t)numel * sizeof *ye);
        double *dxe = malloc((size_t)numel * sizeof *dxe);
        oracle(&k, x, dy, s, ye, dxe);
        for (int64_t i = 0; i < numel; i++) y_ref[i] = (float)ye[i];
        void *fs = scratch_for(t, &pl, false), *bs = scratch_for(t, &pl, true);
        t->forward(&pl, x, y, sc, 0, pixels, fs);
        t->backward(&pl, x, y_ref, dy, dx, 0, pixels, bs);
        double max_dx = 0;
        for (int64_t i = 0; i < numel; i++)
          if (!isnan(dxe[i])) max_dx = fmax(max_dx, fabs(dxe[i]));
        int64_t wrong = -1;
        for (int64_t i = 0; i < numel && wrong < 0; i++) {
          bool y_ok = isnan(ye[i]) ? isnan(y[i])
                                   : fabs(y[i] - ye[i]) <= FWD_TOL_GENERAL * fabs(ye[i]);
          bool dx_ok = isnan(dxe[i]) ? isnan(dx[i])
                                     : fabs(dx[i] - dxe[i]) <= BWD_TOL * max_dx;
          bool s_ok = isinf(s[i]) ? isinf(sc[i]) && sc[i] > 0
                                  : fabs(sc[i] - s[i]) <= FWD_TOL_SPECIAL * s[i];
          if (!y_ok || !dx_ok || !s_ok) wrong = i;
        }
        char what[160];
        describe(&k, what, sizeof what);
        ck_assert_msg(wrong < 0,
                      "tier %s %s: element %lld: Y %g (expected %g), Y_scale %g (expected %g), "
                      "dX %g (expected %g)",
                      c2__cpu_tier_name(tier), what, (long long)wrong,
                      wrong < 0 ? 0.0 : y[wrong], wrong < 0 ? 0.0 : ye[wrong],
                      wrong < 0 ? 0.0 : sc[wrong], wrong < 0 ? 0.0 : s[wrong],
                      wrong < 0 ? 0.0 : dx[wrong], wrong < 0 ? 0.0 : dxe[wrong]);
        free(fs), free(bs), free(x), free(dy), free(y), free(dx), free(y_ref), free(sc);
        free(s), free(ye), free(dxe);
      }
}
END_TEST

/* bias 0 and an all-zero window: scale 0, so Y = 0 * 0^-beta = NaN, as in Caffe2. */
START_TEST(test_zero_scale_gives_nan) {
  const int tier = _i;
  if (!c2__cpu_tier_usable((c2__cpu_tier)tier)) return;
  force_tier(tier);
  for (int b = 0; b < 4; b++) {
    kcase k = {1, 8, 1, 1, true, 3, 1.0f, betas[b], 0.0f};
    lrn_plan pl;
    plan_of(&k, &pl);
    const lrn_kernel_table *t = c2__lrn_kernels((c2__cpu_tier)tier);
    float x[8] = {0, 0, 0, 0, 1, 2, 3, 4}, y[8], s[8];
    void *fs = scratch_for(t, &pl, false);
    t->forward(&pl, x, y, s, 0, 1, fs);
    for (int c = 0; c < 8; c++)
      if (c < 3 ? !(isnan(y[c]) && s[c] == 0) : !(isfinite(y[c]) && s[c] > 0))
        ck_abort_msg("tier %s beta %g: channel %d gives Y %g scale %g", c2__cpu_tier_name(tier),
                     (double)k.beta, c, y[c], s[c]);
    free(fs);
  }
}
END_TEST

/* General beta far from scale 1: scales from 1e-30 to 1e30 (exponents to +-100) and betas to 3,
 * where -beta * log2(s) has a large integer part whose rounding must not eat the fraction.
 * Forward only: at such scales the backward's s^(-beta-1) leaves float's range. */
START_TEST(test_general_beta_extreme_scales) {
  const int tier = _i;
  if (!c2__cpu_tier_usable((c2__cpu_tier)tier)) return;
  force_tier(tier);
  const lrn_kernel_table *t = c2__lrn_kernels((c2__cpu_tier)tier);
  /* (bias, alpha, beta): every Y = x * s^-beta stays a normal float for |x| in [0.5, 3]. */
  const float params[][3] = {
      {1e30f, 1e26f, 1.2f},  {1e30f, 1e26f, 0.3f},  {1e20f, 1e16f, 1.7f}, {1e10f, 1e6f, 2.9f},
      {1e-10f, 1e-14f, 2.9f}, {1e-20f, 1e-24f, 1.7f}, {1e-30f, 1e-34f, 1.2f}, {3e7f, 1e3f, 0.6f},
  };
  test_rng rng = test_rng_make(91);
  for (size_t pi = 0; pi < sizeof params / sizeof *params; pi++)
    for (int nhwc = 0; nhwc < 2; nhwc++) {
      kcase k = {2, 19, 5, 7, nhwc, 5, params[pi][1], params[pi][2], params[pi][0]};
      lrn_plan pl;
      plan_of(&k, &pl);
      const int64_t numel = numel_of(&k), pixels = k.n * k.h * k.w;
      float *x = alloc_floats(numel), *y = alloc_floats(numel);
      for (int64_t i = 0; i < numel; i++) {
        double v = test_rng_uniform(&rng, 0.5, 3);
        x[i] = (float)(i % 2 ? v : -v);
      }
      double *s = malloc((size_t)numel * sizeof *s), *ye = malloc((size_t)numel * sizeof *ye);
      double *dx = malloc((size_t)numel * sizeof *dx);
      oracle(&k, x, x, s, ye, dx);
      void *fs = scratch_for(t, &pl, false);
      t->forward(&pl, x, y, NULL, 0, pixels, fs);
      double err = 0;
      for (int64_t i = 0; i < numel; i++) err = fmax(err, fabs(y[i] - ye[i]) / fabs(ye[i]));
      char what[160];
      describe(&k, what, sizeof what);
      ck_assert_msg(err <= FWD_TOL_GENERAL, "tier %s %s: forward rel err %.3g > %.3g",
                    c2__cpu_tier_name(tier), what, err, FWD_TOL_GENERAL);
      free(fs), free(x), free(y), free(s), free(ye), free(dx);
    }
}
END_TEST

/* ---- tier selection ---- */

START_TEST(test_tier_forcing) {
  c2_error err;
  c2__cpu_tier best = c2__cpu_tier_best();
  if (!getenv("C2RT_CPU_TIER")) ck_assert_int_ge(best, C2__TIER_SCALAR); /* the env may cap it */
  for (int t = 0; t < C2__TIER_COUNT; t++) {
    c2__cpu_tier parsed;
    ck_assert(c2__cpu_tier_parse(c2__cpu_tier_name(t), &parsed) && parsed == (c2__cpu_tier)t);
    if (t <= (int)best) {
      EXPECT_OK(c2__cpu_tier_force(t, &err), &err);
      ck_assert_int_eq(c2__cpu_tier_active(), t);
      ck_assert_int_eq(c2__lrn_kernels(t)->tier, t);
    } else {
      EXPECT_STATUS(c2__cpu_tier_force(t, &err), C2_ERR_UNSUPPORTED, &err, "is not usable here");
      /* A refused force keeps the last tier that was forced: the best one, forced just before. */
      ck_assert_int_eq(c2__cpu_tier_active(), best);
    }
  }
  c2__cpu_tier ignored;
  ck_assert(!c2__cpu_tier_parse("sse9", &ignored));
  c2__cpu_tier_unforce();
  printf("best CPU tier here: %s; active without forcing: %s\n", c2__cpu_tier_name(best),
         c2__cpu_tier_name(c2__cpu_tier_active()));
}
END_TEST

static Suite *make_suite(void) {
  Suite *s = suite_create("lrn_kernels");
  TCase *tc = tcase_create("tiers");
  tcase_set_timeout(tc, 240);
  tcase_add_test(tc, test_tier_forcing);
  tcase_add_loop_test(tc, test_accuracy, 0, C2__TIER_COUNT);
  tcase_add_loop_test(tc, test_threads_bit_identical, 0, C2__TIER_COUNT);
  tcase_add_loop_test(tc, test_nan_propagates_through_the_window, 0, C2__TIER_COUNT);
  tcase_add_loop_test(tc, test_zero_scale_gives_nan, 0, C2__TIER_COUNT);
  tcase_add_loop_test(tc, test_infinite_x_gives_zero_power, 0, C2__TIER_COUNT);
  tcase_add_loop_test(tc, test_general_beta_extreme_scales, 0, C2__TIER_COUNT);
  suite_add_tcase(s, tc);
  return s;
}

int main(void) { return test_run_suite(make_suite()); }
