/* Conv, MaxPool and AveragePool against float64 references written from Caffe2's definitions,
 * every argument form, Caffe2's size rules (floor, VALID, SAME, CAFFE_LEGACY_POOLING, the
 * AlexNet pooling trap), thread-count bit-identity, and the inputs they must reject. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "test_util.h"

typedef struct arg_kv {
  const char *name;
  int kind; /* 'i' int, 'l' ints list, 's' string, 'f' float */
  int64_t i;
  int64_t list[4];
  size_t n;
  const char *s;
} arg_kv;

#define I(name, v) {name, 'i', v, {0}, 0, NULL}
#define L2(name, a, b) {name, 'l', 0, {a, b}, 2, NULL}
#define L4(name, a, b, c, d) {name, 'l', 0, {a, b, c, d}, 4, NULL}
#define S(name, v) {name, 's', 0, {0}, 0, v}
#define F(name, v) {name, 'f', (int64_t)(v), {0}, 0, NULL}

static c2_opdef *make_op(const char *type, int n_in, const char *const *in, int n_out,
                         const char *const *out, const arg_kv *args, size_t n_args) {
  c2_opdef *op;
  c2_error err;
  EXPECT_OK(c2_opdef_new(type, (size_t)n_in, in, (size_t)n_out, out, &op, &err), &err);
  for (size_t i = 0; i < n_args; i++) {
    const arg_kv *a = &args[i];
    if (a->kind == 'i') EXPECT_OK(c2_opdef_add_arg_int(op, a->name, a->i, &err), &err);
    if (a->kind == 'l') EXPECT_OK(c2_opdef_add_arg_ints(op, a->name, a->list, a->n, &err), &err);
    if (a->kind == 's') EXPECT_OK(c2_opdef_add_arg_string(op, a->name, a->s, &err), &err);
    if (a->kind == 'f') EXPECT_OK(c2_opdef_add_arg_float(op, a->name, (float)a->i, &err), &err);
  }
  return op;
}

static float *rand_floats(test_rng *r, int64_t n, double lo, double hi) {
  float *v = malloc((size_t)(n ? n : 1) * sizeof *v);
  for (int64_t i = 0; i < n; i++) v[i] = (float)test_rng_uniform(r, lo, hi);
  return v;
}

/* ---- references ---- */

typedef struct geom {
  int64_t kh, kw, sh, sw, dh, dw, pt, pl, pb, pr;
} geom;

static int64_t floor_out(int64_t in, int64_t head, int64_t tail, int64_t k, int64_t d, int64_t s) {
  return (in + head + tail - (d * (k - 1) + 1)) / s + 1;
}

static void ref_conv(const float *x, const float *w, const float *b, int64_t N, int64_t C,
                     int64_t H, int64_t W, int64_t M, int64_t G, const geom *g, int64_t Ho,
                     int64_t Wo, double *y) {
  int64_t Cg = C / G, Mg = M / G;
  for (int64_t n = 0; n < N; n++)
    for (int64_t m = 0; m < M; m++)
      for (int64_t oh = 0; oh < Ho; oh++)
        for (int64_t ow = 0; ow < Wo; ow++) {
          double acc = b ? b[m] : 0.0;
          int64_t grp = m / Mg;
          for (int64_t c = 0; c < Cg; c++)
            for (int64_t i = 0; i < g->kh; i++)
              for (int64_t j = 0; j < g->kw; j++) {
                int64_t ih = oh * g->sh - g->pt + i * g->dh, iw = ow * g->sw - g->pl + j * g->dw;
                if (ih < 0 || ih >= H || iw < 0 || iw >= W) continue;
                acc += (double)x[((n * C + grp * Cg + c) * H + ih) * W + iw] *
                       w[((m * Cg + c) * g->kh + i) * g->kw + j];
              }
          y[((n * M + m) * Ho + oh) * Wo + ow] = acc;
        }
}

static void ref_pool(const float *x, int64_t planes, int64_t H, int64_t W, const geom *g,
                     int64_t Ho, int64_t Wo, bool max, bool include_pad, double *y) {
  for (int64_t p = 0; p < planes; p++)
    for (int64_t oh = 0; oh < Ho; oh++)
      for (int64_t ow = 0; ow < Wo; ow++) {
        double acc = max ? -INFINITY : 0.0;
        int64_t cells = 0;
        for (int64_t i = 0; i < g->kh; i++)
          for (int64_t j = 0; j < g->kw; j++) {
            int64_t ih = oh * g->sh - g->pt + i, iw = ow * g->sw - g->pl + j;
            if (ih < 0 || ih >= H || iw < 0 || iw >= W) continue;
            double v = x[(p * H + ih) * W + iw];
            acc = max ? fmax(acc, v) : acc + v;
            cells++;
          }
        y[(p * Ho + oh) * Wo + ow] = max ? acc : acc / (double)(include_pad ? g->kh * g->kw : cells);
      }
}

/* ---- running ---- */

static c2_workspace *new_ws(int threads) {
  c2_workspace *ws;
  c2_error err;
  EXPECT_OK(c2_workspace_new(&ws, &err), &err);
  c2_workspace_set_num_threads(ws, threads);
  return ws;
}

static void feed4(c2_workspace *ws, const char *name, int64_t a, int64_t b, int64_t c, int64_t d,
                  const float *v, int ndim) {
  int64_t dims[4] = {a, b, c, d};
  c2_error err;
  EXPECT_OK(c2_workspace_feed(ws, name, C2_DTYPE_FLOAT, ndim, dims, v, &err), &err);
}

static void expect_close(const c2_tensor *y, const double *ref, int64_t n, double tol,
                         const char *what) {
  ck_assert_int_eq(c2_tensor_numel(y), n);
  const float *v = c2_tensor_data_const(y);
  double scale = 1e-30;
  for (int64_t i = 0; i < n; i++) scale = fmax(scale, fabs(ref[i]));
  for (int64_t i = 0; i < n; i++)
    ck_assert_msg(fabs(v[i] - ref[i]) <= tol * scale, "%s: element %lld is %.9g, expected %.9g",
                  what, (long long)i, (double)v[i], ref[i]);
}

typedef struct conv_case {
  const char *what;
  int64_t N, C, H, W, M, G;
  geom g;
  bool bias;
  arg_kv args[8];
  size_t n_args;
} conv_case;

static void check_conv(const conv_case *k, int threads) {
  test_rng r = test_rng_make((uint64_t)(k->C * 131 + k->H * 7 + k->M));
  int64_t Cg = k->C / k->G;
  int64_t Ho = floor_out(k->H, k->g.pt, k->g.pb, k->g.kh, k->g.dh, k->g.sh);
  int64_t Wo = floor_out(k->W, k->g.pl, k->g.pr, k->g.kw, k->g.dw, k->g.sw);
  float *x = rand_floats(&r, k->N * k->C * k->H * k->W, -2, 2);
  float *w = rand_floats(&r, k->M * Cg * k->g.kh * k->g.kw, -1, 1);
  float *b = rand_floats(&r, k->M, -1, 1);
  double *ref = malloc((size_t)(k->N * k->M * Ho * Wo + 1) * sizeof *ref);
  ref_conv(x, w, k->bias ? b : NULL, k->N, k->C, k->H, k->W, k->M, k->G, &k->g, Ho, Wo, ref);
  c2_workspace *ws = new_ws(threads);
  feed4(ws, "X", k->N, k->C, k->H, k->W, x, 4);
  feed4(ws, "W", k->M, Cg, k->g.kh, k->g.kw, w, 4);
  feed4(ws, "b", k->M, 0, 0, 0, b, 1);
  const char *in[] = {"X", "W", "b"}, *out[] = {"Y"};
  c2_opdef *op = make_op("Conv", k->bias ? 3 : 2, in, 1, out, k->args, k->n_args);
  c2_error err;
  EXPECT_OK(c2_run_operator_once(ws, op, NULL, &err), &err);
  const c2_tensor *y = c2_workspace_get_blob(ws, "Y");
  ck_assert_msg(c2_tensor_dim(y, 2) == Ho && c2_tensor_dim(y, 3) == Wo,
                "%s: output %lld x %lld, expected %lld x %lld", k->what,
                (long long)c2_tensor_dim(y, 2), (long long)c2_tensor_dim(y, 3), (long long)Ho,
                (long long)Wo);
  expect_close(y, ref, k->N * k->M * Ho * Wo, 2e-6, k->what);
  c2_opdef_free(op);
  c2_workspace_free(ws);
  free(x);
  free(w);
  free(b);
  free(ref);
}

#define G(kh, kw, sh, sw, dh, dw, pt, pl, pb, pr) {kh, kw, sh, sw, dh, dw, pt, pl, pb, pr}

static const conv_case conv_cases[] = {
    {"kernel 3 pad 1", 2, 4, 9, 8, 5, 1, G(3, 3, 1, 1, 1, 1, 1, 1, 1, 1), true,
     {I("kernel", 3), I("pad", 1)}, 2},
    {"kernel_h/w stride_h/w", 1, 3, 11, 10, 4, 1, G(3, 5, 2, 1, 1, 1, 0, 0, 0, 0), true,
     {I("kernel_h", 3), I("kernel_w", 5), I("stride_h", 2), I("stride_w", 1)}, 4},
    {"kernels strides pads", 2, 3, 10, 12, 6, 1, G(2, 3, 1, 2, 1, 1, 1, 0, 2, 1), true,
     {L2("kernels", 2, 3), L2("strides", 1, 2), L4("pads", 1, 0, 2, 1)}, 3},
    {"asymmetric pad_t/l/b/r", 1, 2, 7, 7, 3, 1, G(3, 3, 2, 2, 1, 1, 0, 1, 2, 0), false,
     {I("kernel", 3), I("stride", 2), I("pad_t", 0), I("pad_l", 1), I("pad_b", 2), I("pad_r", 0)},
     6},
    {"partial pad set ignored", 1, 2, 6, 6, 2, 1, G(3, 3, 1, 1, 1, 1, 0, 0, 0, 0), true,
     {I("kernel", 3), I("pad_t", 1), I("pad_l", 1)}, 3},
    {"dilation 2", 1, 3, 12, 11, 4, 1, G(3, 3, 1, 1, 2, 2, 2, 2, 2, 2), true,
     {I("kernel", 3), I("dilation", 2), I("pad", 2)}, 3},
    {"dilations [2,1] dilation_h/w", 1, 2, 9, 9, 3, 1, G(3, 2, 1, 1, 3, 1, 0, 0, 0, 0), true,
     {L2("kernels", 3, 2), I("dilation_h", 3), I("dilation_w", 1)}, 3},
    {"group 2 (AlexNet conv2-like)", 1, 8, 9, 9, 6, 2, G(5, 5, 1, 1, 1, 1, 2, 2, 2, 2), true,
     {I("kernel", 5), I("pad", 2), I("group", 2)}, 3},
    {"group 3 batch 3", 3, 6, 5, 7, 9, 3, G(3, 3, 1, 1, 1, 1, 1, 1, 1, 1), true,
     {I("kernel", 3), I("pad", 1), I("group", 3)}, 3},
    {"1x1 direct", 2, 16, 7, 5, 8, 1, G(1, 1, 1, 1, 1, 1, 0, 0, 0, 0), true, {I("kernel", 1)}, 1},
    {"1x1 stride 2", 1, 4, 7, 5, 3, 1, G(1, 1, 2, 2, 1, 1, 0, 0, 0, 0), true,
     {I("kernel", 1), I("stride", 2)}, 2},
    {"AlexNet conv1 shape", 1, 3, 67, 67, 16, 1, G(11, 11, 4, 4, 1, 1, 0, 0, 0, 0), true,
     {I("stride", 4), I("pad", 0), I("kernel", 11)}, 3},
    {"wide: several tiles", 2, 5, 40, 41, 12, 1, G(3, 3, 1, 1, 1, 1, 1, 1, 1, 1), true,
     {I("kernel", 3), I("pad", 1)}, 2},
};

START_TEST(conv_forms) {
  for (size_t i = 0; i < sizeof conv_cases / sizeof *conv_cases; i++) {
    check_conv(&conv_cases[i], 1);
    check_conv(&conv_cases[i], 3);
  }
}
END_TEST

/* Same bits for 1, 2, 3 and 4 threads, batch 1 and 2 (fixed tiles). */
START_TEST(conv_threads_bit_identical) {
  test_rng r = test_rng_make(7);
  int64_t C = 8, H = 45, W = 47, M = 24;
  float *x = rand_floats(&r, 2 * C * H * W, -1, 1), *w = rand_floats(&r, M * C * 9, -1, 1);
  float *b = rand_floats(&r, M, -1, 1);
  float *first = NULL;
  size_t bytes = 0;
  for (int threads = 1; threads <= 4; threads++)
    for (int64_t N = 1; N <= 2; N++) {
      c2_workspace *ws = new_ws(threads);
      feed4(ws, "X", N, C, H, W, x, 4);
      feed4(ws, "W", M, C, 3, 3, w, 4);
      feed4(ws, "b", M, 0, 0, 0, b, 1);
      const char *in[] = {"X", "W", "b"}, *out[] = {"Y"};
      arg_kv args[] = {I("kernel", 3), I("pad", 1)};
      c2_opdef *op = make_op("Conv", 3, in, 1, out, args, 2);
      c2_error err;
      EXPECT_OK(c2_run_operator_once(ws, op, NULL, &err), &err);
      const c2_tensor *y = c2_workspace_get_blob(ws, "Y");
      size_t image = (size_t)(M * H * W) * sizeof(float);
      if (!first) {
        bytes = image;
        first = malloc(bytes);
        memcpy(first, c2_tensor_data_const(y), bytes);
      }
      ck_assert_msg(memcmp(first, c2_tensor_data_const(y), bytes) == 0,
                    "threads %d batch %lld: image 0 differs from 1 thread batch 1", threads,
                    (long long)N);
      c2_opdef_free(op);
      c2_workspace_free(ws);
    }
  free(first);
  free(x);
  free(w);
  free(b);
}
END_TEST

/* Output sizes of the legacy modes, against formulas written from caffe2_legacy.proto. */
static int64_t conv_out_size(const arg_kv *args, size_t n, int64_t H, int64_t W, int threads,
                             int64_t *Wo_out, c2_error *err_out, c2_status *st_out) {
  c2_workspace *ws = new_ws(threads);
  test_rng r = test_rng_make(3);
  float *x = rand_floats(&r, 2 * H * W, -1, 1);
  float *w = rand_floats(&r, 2 * 2 * 3 * 3, -1, 1);
  feed4(ws, "X", 1, 2, H, W, x, 4);
  feed4(ws, "W", 2, 2, 3, 3, w, 4);
  const char *in[] = {"X", "W"}, *out[] = {"Y"};
  c2_opdef *op = make_op("Conv", 2, in, 1, out, args, n);
  *st_out = c2_run_operator_once(ws, op, NULL, err_out);
  const c2_tensor *y = c2_workspace_get_blob(ws, "Y");
  int64_t Ho = *st_out ? -1 : c2_tensor_dim(y, 2);
  *Wo_out = *st_out ? -1 : c2_tensor_dim(y, 3);
  c2_opdef_free(op);
  c2_workspace_free(ws);
  free(x);
  free(w);
  return Ho;
}

START_TEST(conv_legacy_pad_sizes) {
  c2_error err;
  c2_status st;
  int64_t Wo;
  for (int64_t H = 5; H <= 16; H++)
    for (int64_t s = 1; s <= 3; s++) {
      arg_kv valid[] = {I("kernel", 3), I("stride", s), I("legacy_pad", 1)};
      ck_assert_int_eq(conv_out_size(valid, 3, H, H + 1, 1, &Wo, &err, &st), (H - 3) / s + 1);
      ck_assert_int_eq(Wo, (H + 1 - 3) / s + 1);
      arg_kv same[] = {I("kernel", 3), I("stride", s), I("legacy_pad", 2)};
      ck_assert_int_eq(conv_out_size(same, 3, H, H, 1, &Wo, &err, &st), (H + s - 1) / s);
      for (int64_t p = 0; p <= 2; p++) {
        arg_kv legacy[] = {I("kernel", 3), I("stride", s), I("pad", p), I("legacy_pad", 3)};
        int64_t o = (H + 2 * p - 3 + s - 1) / s + 1; /* Caffe: ceil */
        if (p > 0 && (o - 1) * s >= H + p) o--;
        ck_assert_int_eq(conv_out_size(legacy, 4, H, H, 1, &Wo, &err, &st), o);
      }
    }
}
END_TEST

/* ---- pooling ---- */

typedef struct pool_case {
  const char *what;
  int64_t N, C, H, W;
  geom g;
  bool global, include_pad;
  int64_t Ho, Wo; /* expected (from Caffe2's rules, worked out by hand) */
  arg_kv args[8];
  size_t n_args;
} pool_case;

static const pool_case pool_cases[] = {
    {"AlexNet pool1 at 224 (floor)", 1, 2, 54, 54, G(3, 3, 2, 2, 1, 1, 0, 0, 0, 0), false, false,
     26, 26, {I("kernel", 3), I("stride", 2), I("pad", 0), S("order", "NCHW")}, 4},
    {"AlexNet pool1 at 227", 1, 2, 55, 55, G(3, 3, 2, 2, 1, 1, 0, 0, 0, 0), false, false, 27, 27,
     {I("kernel", 3), I("stride", 2)}, 2},
    {"AlexNet pool5 at 224 (tail pads)", 1, 3, 12, 12, G(3, 3, 2, 2, 1, 1, 0, 0, 1, 1), false,
     false, 6, 6,
     {I("stride", 2), I("kernel", 3), I("pad_l", 0), I("pad_r", 1), I("pad_t", 0), I("pad_b", 1)},
     6},
    {"AlexNet pool5 at 227", 1, 3, 13, 13, G(3, 3, 2, 2, 1, 1, 0, 0, 1, 1), false, false, 6, 6,
     {I("stride", 2), I("kernel", 3), I("pad_l", 0), I("pad_r", 1), I("pad_t", 0), I("pad_b", 1)},
     6},
    {"inception pool5 7x7 s1 tail pads on 6x6", 1, 4, 6, 6, G(7, 7, 1, 1, 1, 1, 0, 0, 1, 1),
     false, false, 1, 1,
     {I("kernel", 7), I("stride", 1), I("pad_l", 0), I("pad_t", 0), I("pad_r", 1), I("pad_b", 1)},
     6},
    {"branch pool k3 s1 p1", 2, 3, 7, 6, G(3, 3, 1, 1, 1, 1, 1, 1, 1, 1), false, false, 7, 6,
     {I("kernel", 3), I("stride", 1), I("pad", 1)}, 3},
    {"count_include_pad", 1, 2, 7, 6, G(3, 3, 2, 2, 1, 1, 1, 1, 1, 1), false, true, 4, 3,
     {I("kernel", 3), I("stride", 2), I("pad", 1), I("count_include_pad", 1)}, 4},
    {"kernel_h/w strides pads", 1, 2, 9, 10, G(2, 3, 2, 3, 1, 1, 1, 0, 0, 2), false, false, 5, 4,
     {I("kernel_h", 2), I("kernel_w", 3), L2("strides", 2, 3), L4("pads", 1, 0, 0, 2)}, 4},
    {"global pooling", 2, 3, 5, 4, G(5, 4, 1, 1, 1, 1, 0, 0, 0, 0), true, false, 1, 1,
     {I("global_pooling", 1)}, 1},
    {"global pooling wider than a row chunk", 1, 2, 3, 700, G(3, 700, 1, 1, 1, 1, 0, 0, 0, 0), true,
     false, 1, 1, {I("global_pooling", 1)}, 1},
    {"wide rows", 1, 2, 5, 1300, G(3, 3, 2, 2, 1, 1, 1, 1, 1, 1), false, false, 3, 650,
     {I("kernel", 3), I("stride", 2), I("pad", 1)}, 3},
};

static void check_pool(const pool_case *k, bool max, int threads) {
  test_rng r = test_rng_make((uint64_t)(k->H * 31 + k->W));
  int64_t planes = k->N * k->C;
  float *x = rand_floats(&r, planes * k->H * k->W, -3, 3);
  double *ref = malloc((size_t)(planes * k->Ho * k->Wo) * sizeof *ref);
  ref_pool(x, planes, k->H, k->W, &k->g, k->Ho, k->Wo, max, k->include_pad, ref);
  c2_workspace *ws = new_ws(threads);
  feed4(ws, "X", k->N, k->C, k->H, k->W, x, 4);
  const char *in[] = {"X"}, *out[] = {"Y"};
  size_t n_args = k->n_args;
  if (max && k->include_pad) n_args--; /* count_include_pad is AveragePool's */
  c2_opdef *op = make_op(max ? "MaxPool" : "AveragePool", 1, in, 1, out, k->args, n_args);
  c2_error err;
  EXPECT_OK(c2_run_operator_once(ws, op, NULL, &err), &err);
  const c2_tensor *y = c2_workspace_get_blob(ws, "Y");
  ck_assert_msg(c2_tensor_dim(y, 2) == k->Ho && c2_tensor_dim(y, 3) == k->Wo,
                "%s: %lld x %lld, expected %lld x %lld", k->what, (long long)c2_tensor_dim(y, 2),
                (long long)c2_tensor_dim(y, 3), (long long)k->Ho, (long long)k->Wo);
  expect_close(y, ref, planes * k->Ho * k->Wo, max ? 0 : 1e-6, k->what);
  c2_opdef_free(op);
  c2_workspace_free(ws);
  free(x);
  free(ref);
}

START_TEST(pool_forms) {
  for (size_t i = 0; i < sizeof pool_cases / sizeof *pool_cases; i++)
    for (int threads = 1; threads <= 3; threads += 2) {
      check_pool(&pool_cases[i], true, threads);
      check_pool(&pool_cases[i], false, threads);
    }
}
END_TEST

/* Caffe2's CAFFE_LEGACY_POOLING max pooling equals Caffe's ceil-mode pooling. */
START_TEST(pool_legacy_caffe_ceil) {
  for (int64_t H = 5; H <= 20; H++)
    for (int64_t k = 2; k <= 3; k++)
      for (int64_t s = 1; s <= k; s++)
        for (int64_t p = 0; p < k && p <= 1; p++) {
          int64_t o = (H + 2 * p - k + s - 1) / s + 1;
          if (p > 0 && (o - 1) * s >= H + p) o--;
          pool_case c = {"legacy", 1, 1, H, H, G(k, k, s, s, 1, 1, p, p, 0, 0), false, false, o,
                         o, {I("kernel", k), I("stride", s), I("pad", p), I("legacy_pad", 3)}, 4};
          int64_t std_out = (H + 2 * p - k) / s + 1;
          c.g.pb = c.g.pr = p + s * (o - std_out);
          check_pool(&c, true, 1);
        }
}
END_TEST

/* A NaN reaches exactly the outputs whose windows hold it (as PyTorch's max_pool2d). */
START_TEST(max_pool_nan) {
  float x[2 * 9 * 9];
  for (int i = 0; i < 2 * 81; i++) x[i] = (float)(i % 7) - 3.0f;
  x[81 + 4 * 9 + 4] = NAN; /* plane 1, (4, 4) */
  c2_workspace *ws = new_ws(2);
  feed4(ws, "X", 1, 2, 9, 9, x, 4);
  const char *in[] = {"X"}, *out[] = {"Y"};
  arg_kv args[] = {I("kernel", 3), I("stride", 2)};
  c2_opdef *op = make_op("MaxPool", 1, in, 1, out, args, 2);
  c2_error err;
  EXPECT_OK(c2_run_operator_once(ws, op, NULL, &err), &err);
  const float *y = c2_tensor_data_const(c2_workspace_get_blob(ws, "Y"));
  for (int p = 0; p < 2; p++)
    for (int oh = 0; oh < 4; oh++)
      for (int ow = 0; ow < 4; ow++) {
        bool covers = p == 1 && oh * 2 <= 4 && 4 < oh * 2 + 3 && ow * 2 <= 4 && 4 < ow * 2 + 3;
        float v = y[(p * 4 + oh) * 4 + ow];
        ck_assert_msg(covers == (v != v), "plane %d (%d, %d): %g", p, oh, ow, (double)v);
      }
  c2_opdef_free(op);
  c2_workspace_free(ws);
}
END_TEST

/* ---- rejected arguments and shapes ---- */

static void expect_fail(const char *type, int n_in, const arg_kv *args, size_t n, c2_status want,
                        const char *fragment, int64_t H) {
  c2_workspace *ws = new_ws(1);
  test_rng r = test_rng_make(5);
  float *x = rand_floats(&r, 4 * H * H, -1, 1), *w = rand_floats(&r, 4 * 4 * 9, -1, 1);
  feed4(ws, "X", 1, 4, H, H, x, 4);
  feed4(ws, "W", 4, 4, 3, 3, w, 4);
  feed4(ws, "b", 3, 0, 0, 0, w, 1);
  const char *in[] = {"X", "W", "b"}, *out[] = {"Y"};
  c2_opdef *op = make_op(type, n_in, in, 1, out, args, n);
  c2_error err;
  EXPECT_STATUS(c2_run_operator_once(ws, op, NULL, &err), want, &err, fragment);
  c2_opdef_free(op);
  c2_workspace_free(ws);
  free(x);
  free(w);
}

START_TEST(rejected) {
  arg_kv none[] = {I("stride", 1)};
  expect_fail("Conv", 2, none, 1, C2_ERR_INVALID_ARGUMENT, "kernel size must be set", 8);
  expect_fail("MaxPool", 1, none, 1, C2_ERR_INVALID_ARGUMENT, "kernel size must be set", 8);
  arg_kv k0[] = {I("kernel", 0)};
  expect_fail("Conv", 2, k0, 1, C2_ERR_INVALID_ARGUMENT, "kernel height must be a positive", 8);
  arg_kv s0[] = {I("kernel", 3), I("stride", 0)};
  expect_fail("Conv", 2, s0, 2, C2_ERR_INVALID_ARGUMENT, "stride height", 8);
  arg_kv neg[] = {I("kernel", 3), I("pad", -1)};
  expect_fail("Conv", 2, neg, 2, C2_ERR_INVALID_ARGUMENT, "padding pad_t", 8);
  arg_kv pads3[] = {I("kernel", 3), {"pads", 'l', 0, {1, 1, 1}, 3, NULL}};
  expect_fail("Conv", 2, pads3, 2, C2_ERR_INVALID_ARGUMENT, "'pads' must list 4", 8);
  arg_kv valid_pad[] = {I("kernel", 3), I("legacy_pad", 1), I("pad", 1)};
  expect_fail("Conv", 2, valid_pad, 3, C2_ERR_INVALID_ARGUMENT, "legacy_pad VALID", 8);
  arg_kv bad_legacy[] = {I("kernel", 3), I("legacy_pad", 7)};
  expect_fail("Conv", 2, bad_legacy, 2, C2_ERR_INVALID_ARGUMENT, "legacy_pad", 8);
  arg_kv g3[] = {I("kernel", 3), I("group", 3)};
  expect_fail("Conv", 2, g3, 2, C2_ERR_SHAPE, "group 3", 8);
  arg_kv k5[] = {I("kernel", 5)};
  expect_fail("Conv", 2, k5, 1, C2_ERR_SHAPE, "kernel argument says 5 x 5", 8);
  arg_kv k3[] = {I("kernel", 3)};
  expect_fail("Conv", 3, k3, 1, C2_ERR_SHAPE, "bias must be 1-D of size 4", 8);
  expect_fail("Conv", 2, k3, 1, C2_ERR_SHAPE, "smaller than the kernel", 2);
  arg_kv nhwc[] = {I("kernel", 3), S("order", "NHWC")};
  expect_fail("Conv", 2, nhwc, 2, C2_ERR_UNSUPPORTED, "NHWC", 8);
  arg_kv kf[] = {F("kernel", 3)};
  expect_fail("Conv", 2, kf, 1, C2_ERR_TYPE, "kernel", 8);
  arg_kv dil_group[] = {I("kernel", 3), I("group", 2), I("dilation", 2)};
  expect_fail("Conv", 2, dil_group, 3, C2_ERR_INVALID_ARGUMENT, "dilation", 8);
  arg_kv pool_pad[] = {I("kernel", 3), I("pad", 3)};
  expect_fail("MaxPool", 1, pool_pad, 2, C2_ERR_INVALID_ARGUMENT, "smaller than the kernel", 8);
  arg_kv pool_dil[] = {I("kernel", 3), I("dilation", 2)};
  expect_fail("AveragePool", 1, pool_dil, 2, C2_ERR_INVALID_ARGUMENT, "dilation", 8);
  arg_kv global_pad[] = {I("global_pooling", 1), I("pad", 1)};
  expect_fail("MaxPool", 1, global_pad, 2, C2_ERR_INVALID_ARGUMENT, "global_pooling", 8);
  /* Caffe's ceil rule with kernel < stride: a window wholly outside the input */
  arg_kv empty_window[] = {I("kernel", 2), I("stride", 3), I("legacy_pad", 3)};
  expect_fail("MaxPool", 1, empty_window, 3, C2_ERR_SHAPE, "no input cell", 6);
}
END_TEST

/* Shape and cost inference agree with what the ops produce (AlexNet conv1 at 227). */
START_TEST(conv_shape_and_cost) {
  const c2_registry *reg;
  c2_error err;
  EXPECT_OK(c2_registry_default(&reg, &err), &err);
  const char *in[] = {"data", "conv1_w", "conv1_b"}, *out[] = {"conv1"};
  arg_kv args[] = {I("stride", 4), I("pad", 0), I("kernel", 11)};
  c2_opdef *op = make_op("Conv", 3, in, 1, out, args, 3);
  c2_shape s[3] = {{.dtype = C2_DTYPE_FLOAT, .ndim = 4, .dims = {1, 3, 227, 227}},
                   {.dtype = C2_DTYPE_FLOAT, .ndim = 4, .dims = {96, 3, 11, 11}},
                   {.dtype = C2_DTYPE_FLOAT, .ndim = 1, .dims = {96}}};
  c2_shape y;
  const c2_schema *schema = c2_registry_schema(reg, "Conv");
  EXPECT_OK(c2_schema_infer_shapes(schema, op, 3, s, 1, &y, &err), &err);
  ck_assert_int_eq(y.ndim, 4);
  ck_assert_int_eq(y.dims[1], 96);
  ck_assert_int_eq(y.dims[2], 55);
  ck_assert_int_eq(y.dims[3], 55);
  c2_cost cost;
  EXPECT_OK(c2_schema_infer_cost(schema, op, 3, s, &cost, &err), &err);
  ck_assert_uint_eq(cost.flops, 2ull * 96 * 55 * 55 * 363 + 96 * 55 * 55);
  ck_assert_uint_eq(cost.params_bytes, (96 * 363 + 96) * 4);
  c2_opdef_free(op);
}
END_TEST

int main(void) {
  Suite *s = suite_create("conv_pool");
  TCase *tc = tcase_create("conv_pool");
  tcase_set_timeout(tc, 120);
  tcase_add_test(tc, conv_forms);
  tcase_add_test(tc, conv_threads_bit_identical);
  tcase_add_test(tc, conv_legacy_pad_sizes);
  tcase_add_test(tc, pool_forms);
  tcase_add_test(tc, pool_legacy_caffe_ceil);
  tcase_add_test(tc, max_pool_nan);
  tcase_add_test(tc, rejected);
  tcase_add_test(tc, conv_shape_and_cost);
  suite_add_tcase(s, tc);
  return test_run_suite(s);
}
