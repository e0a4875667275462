/* UniformFill, GaussianFill, XavierFill: Caffe2's generator reproduced bit for bit (golden values
 * printed by a C++ program using std::mt19937 and libstdc++'s distributions), seeding, shapes,
 * argument checks, inference and registration. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include <c2rt/proto.h>

#include "test_util.h"

static c2_opdef *fill_op(const char *type, const char *in, const char *out) {
  c2_opdef *op;
  c2_error err;
  const char *ins[] = {in}, *outs[] = {out};
  EXPECT_OK(c2_opdef_new(type, in ? 1 : 0, ins, 1, outs, &op, &err), &err);
  return op;
}

static void set_seed(c2_opdef *op, uint32_t seed) {
  c2_error err;
  EXPECT_OK(c2_opdef_set_device(op, C2_DEVICE_CPU, 0, &err), &err);
  op->device_option->has_random_seed = 1;
  op->device_option->random_seed = seed;
}

static void add_shape(c2_opdef *op, int n, const int64_t *dims) {
  c2_error err;
  EXPECT_OK(c2_opdef_add_arg_ints(op, "shape", dims, (size_t)n, &err), &err);
}

/* FNV-1a over the float bits, as the golden program computes it. */
static uint64_t fnv(const float *v, int64_t n) {
  uint64_t h = 1469598103934665603ull;
  for (int64_t i = 0; i < n; i++) {
    uint32_t x;
    memcpy(&x, &v[i], 4);
    h = (h ^ x) * 1099511628211ull;
  }
  return h;
}

static const c2_tensor *run_once(c2_workspace *ws, c2_opdef *op, const char *out) {
  c2_error err;
  EXPECT_OK(c2_run_operator_once(ws, op, NULL, &err), &err);
  c2_opdef_free(op);
  return c2_workspace_get_blob(ws, out);
}

START_TEST(test_golden_values) {
  c2_workspace *ws;
  c2_error err;
  EXPECT_OK(c2_workspace_new(&ws, &err), &err);

  c2_opdef *u = fill_op("UniformFill", NULL, "U");
  add_shape(u, 1, (const int64_t[]){1000});
  EXPECT_OK(c2_opdef_add_arg_float(u, "min", -1.0f, &err), &err);
  EXPECT_OK(c2_opdef_add_arg_float(u, "max", 1.0f, &err), &err);
  set_seed(u, 42);
  const c2_tensor *t = run_once(ws, u, "U");
  const float *v = c2_tensor_data_const(t);
  ck_assert_float_eq(v[0], -0.250919759f);
  ck_assert_float_eq(v[999], -0.0935183167f);
  ck_assert_uint_eq(fnv(v, 1000), 0xe757cee858d77358ull);

  c2_opdef *g = fill_op("GaussianFill", NULL, "G");
  add_shape(g, 1, (const int64_t[]){1001});
  EXPECT_OK(c2_opdef_add_arg_float(g, "mean", 1.0f, &err), &err);
  EXPECT_OK(c2_opdef_add_arg_float(g, "std", 2.0f, &err), &err);
  set_seed(g, 42);
  t = run_once(ws, g, "G");
  v = c2_tensor_data_const(t);
  ck_assert_float_eq(v[0], 3.44384265f);
  ck_assert_float_eq(v[1000], -1.21464729f);
  ck_assert_uint_eq(fnv(v, 1001), 0xa07c14625762d0bbull);

  c2_opdef *x = fill_op("XavierFill", NULL, "W");
  add_shape(x, 2, (const int64_t[]){4, 5});
  set_seed(x, 7);
  t = run_once(ws, x, "W");
  v = c2_tensor_data_const(t);
  ck_assert_int_eq(c2_tensor_ndim(t), 2);
  ck_assert_float_eq(v[0], -0.656380415f);
  ck_assert_uint_eq(fnv(v, 20), 0x94df4548a6315ff0ull);
  for (int i = 0; i < 20; i++) ck_assert(fabsf(v[i]) < sqrtf(3.0f / 5.0f));
  c2_workspace_free(ws);
}
END_TEST

/* A net's device option seeds every op (ops inherit it); a second run of the same net continues
 * the op's stream (Caffe2 keeps one generator per op instance); a fresh net starts over. */
START_TEST(test_seeding) {
  c2_workspace *ws;
  c2_error err;
  EXPECT_OK(c2_workspace_new(&ws, &err), &err);
  c2_netdef *net;
  EXPECT_OK(c2_netdef_new("fill", &net, &err), &err);
  c2_opdef *g = fill_op("GaussianFill", NULL, "X");
  add_shape(g, 2, (const int64_t[]){3, 4});
  EXPECT_OK(c2_netdef_add_op_take(net, g, &err), &err);
  net->device_option = calloc(1, sizeof *net->device_option);
  caffe2__device_option__init(net->device_option);
  net->device_option->has_random_seed = 1;
  net->device_option->random_seed = 1234;

  float first[12], second[12], again[12];
  EXPECT_OK(c2_workspace_create_net(ws, net, false, NULL, &err), &err);
  EXPECT_OK(c2_workspace_run_net(ws, "fill", 1, &err), &err);
  memcpy(first, c2_tensor_data_const(c2_workspace_get_blob(ws, "X")), sizeof first);
  EXPECT_OK(c2_workspace_run_net(ws, "fill", 1, &err), &err);
  memcpy(second, c2_tensor_data_const(c2_workspace_get_blob(ws, "X")), sizeof second);
  ck_assert(memcmp(first, second, sizeof first) != 0);
  EXPECT_OK(c2_run_net_once(ws, net, NULL, &err), &err);
  memcpy(again, c2_tensor_data_const(c2_workspace_get_blob(ws, "X")), sizeof again);
  ck_assert(memcmp(first, again, sizeof first) == 0);

  /* Without a seed, two fresh ops differ. */
  c2_opdef *a = fill_op("UniformFill", NULL, "A");
  add_shape(a, 1, (const int64_t[]){16});
  float ua[16];
  memcpy(ua, c2_tensor_data_const(run_once(ws, a, "A")), sizeof ua);
  c2_opdef *b = fill_op("UniformFill", NULL, "A");
  add_shape(b, 1, (const int64_t[]){16});
  ck_assert(memcmp(ua, c2_tensor_data_const(run_once(ws, b, "A")), sizeof ua) != 0);
  c2_netdef_free(net);
  c2_workspace_free(ws);
}
END_TEST

/* The Basics tutorial's GaussianFill(shape=[100, 100], mean=1.0, std=1.0), and UniformFill's
 * range, checked statistically (fixed seeds, so these cannot flake). */
START_TEST(test_statistics) {
  c2_workspace *ws;
  c2_error err;
  EXPECT_OK(c2_workspace_new(&ws, &err), &err);
  c2_opdef *g = fill_op("GaussianFill", NULL, "Z");
  add_shape(g, 2, (const int64_t[]){100, 100});
  EXPECT_OK(c2_opdef_add_arg_float(g, "mean", 1.0f, &err), &err);
  EXPECT_OK(c2_opdef_add_arg_float(g, "std", 1.0f, &err), &err);
  set_seed(g, 5);
  const float *z = c2_tensor_data_const(run_once(ws, g, "Z"));
  double sum = 0, sq = 0;
  for (int i = 0; i < 10000; i++) sum += z[i];
  double mean = sum / 10000;
  for (int i = 0; i < 10000; i++) sq += (z[i] - mean) * (z[i] - mean);
  ck_assert_double_lt(fabs(mean - 1.0), 0.04);
  ck_assert_double_lt(fabs(sqrt(sq / 9999) - 1.0), 0.03);

  c2_opdef *u = fill_op("UniformFill", NULL, "U");
  add_shape(u, 1, (const int64_t[]){10000});
  EXPECT_OK(c2_opdef_add_arg_float(u, "min", 2.0f, &err), &err);
  EXPECT_OK(c2_opdef_add_arg_float(u, "max", 3.0f, &err), &err);
  set_seed(u, 6);
  const float *v = c2_tensor_data_const(run_once(ws, u, "U"));
  double lo = 10, hi = -10;
  sum = 0;
  for (int i = 0; i < 10000; i++) {
    lo = fmin(lo, v[i]);
    hi = fmax(hi, v[i]);
    sum += v[i];
  }
  ck_assert_double_ge(lo, 2.0);
  ck_assert_double_lt(hi, 3.0);
  ck_assert_double_lt(fabs(sum / 10000 - 2.5), 0.01);
  c2_workspace_free(ws);
}
END_TEST

START_TEST(test_shapes_from_inputs) {
  c2_workspace *ws;
  c2_error err;
  EXPECT_OK(c2_workspace_new(&ws, &err), &err);
  float x[6] = {0};
  EXPECT_OK(c2_workspace_feed(ws, "X", C2_DTYPE_FLOAT, 2, (const int64_t[]){2, 3}, x, &err), &err);
  c2_opdef *like = fill_op("GaussianFill", "X", "Y");
  EXPECT_OK(c2_opdef_add_arg_ints(like, "extra_shape", (const int64_t[]){4}, 1, &err), &err);
  const c2_tensor *y = run_once(ws, like, "Y");
  char shape[64];
  ck_assert_str_eq(c2_tensor_shape_string(y, shape, sizeof shape), "[2, 3, 4]");

  int64_t want[] = {5, 0, 2};
  EXPECT_OK(c2_workspace_feed(ws, "S", C2_DTYPE_INT64, 1, (const int64_t[]){3}, want, &err), &err);
  c2_opdef *as = fill_op("UniformFill", "S", "Z");
  EXPECT_OK(c2_opdef_add_arg_int(as, "input_as_shape", 1, &err), &err);
  ck_assert_str_eq(c2_tensor_shape_string(run_once(ws, as, "Z"), shape, sizeof shape),
                   "[5, 0, 2]");

  /* In place: the output takes the input's own shape. */
  c2_opdef *inplace = fill_op("XavierFill", "X", "X");
  const c2_tensor *w = run_once(ws, inplace, "X");
  ck_assert_str_eq(c2_tensor_shape_string(w, shape, sizeof shape), "[2, 3]");
  ck_assert(fabsf(((const float *)c2_tensor_data_const(w))[0]) > 0);

  c2_opdef *bad = fill_op("UniformFill", "X", "Z");
  EXPECT_OK(c2_opdef_add_arg_int(bad, "input_as_shape", 1, &err), &err);
  EXPECT_STATUS(c2_run_operator_once(ws, bad, NULL, &err), C2_ERR_TYPE, &err,
                "op #0 (UniformFill): with input_as_shape, input 'X' must be a non-empty 1-D INT64 "
                "tensor, got FLOAT [2, 3]");
  c2_opdef_free(bad);
  c2_workspace_free(ws);
}
END_TEST

static void expect_fail(c2_opdef *op, c2_status want, const char *fragment) {
  c2_workspace *ws;
  c2_error err;
  EXPECT_OK(c2_workspace_new(&ws, &err), &err);
  float x[2] = {0};
  EXPECT_OK(c2_workspace_feed(ws, "X", C2_DTYPE_FLOAT, 1, (const int64_t[]){2}, x, &err), &err);
  EXPECT_STATUS(c2_run_operator_once(ws, op, NULL, &err), want, &err, fragment);
  c2_opdef_free(op);
  c2_workspace_free(ws);
}

START_TEST(test_rejected_arguments) {
  c2_error err;
  c2_opdef *op = fill_op("GaussianFill", "X", "Y");
  add_shape(op, 1, (const int64_t[]){3});
  expect_fail(op, C2_ERR_INVALID_ARGUMENT,
              "op #0 (GaussianFill): cannot set the 'shape' argument and pass in an input");
  op = fill_op("GaussianFill", NULL, "Y");
  EXPECT_OK(c2_opdef_add_arg_ints(op, "extra_shape", (const int64_t[]){3}, 1, &err), &err);
  expect_fail(op, C2_ERR_INVALID_ARGUMENT, "cannot set 'extra_shape' when there is no input");
  op = fill_op("UniformFill", NULL, "Y");
  EXPECT_OK(c2_opdef_add_arg_int(op, "shape", 3, &err), &err);
  expect_fail(op, C2_ERR_TYPE, "argument 'shape' must be a list of ints (field ints)");
  op = fill_op("UniformFill", NULL, "Y");
  add_shape(op, 1, (const int64_t[]){-3});
  expect_fail(op, C2_ERR_INVALID_ARGUMENT, "argument 'shape' has a negative dim (-3 at position 0)");
  op = fill_op("UniformFill", NULL, "Y");
  EXPECT_OK(c2_opdef_add_arg_float(op, "min", 2.0f, &err), &err);
  EXPECT_OK(c2_opdef_add_arg_float(op, "max", 2.0f, &err), &err);
  expect_fail(op, C2_ERR_INVALID_ARGUMENT, "argument 'max' (2) must be greater than 'min' (2)");
  op = fill_op("UniformFill", NULL, "Y");
  EXPECT_OK(c2_opdef_add_arg_int(op, "min", 0, &err), &err);
  expect_fail(op, C2_ERR_TYPE, "argument 'min' must be a float (field f)");
  op = fill_op("GaussianFill", NULL, "Y");
  EXPECT_OK(c2_opdef_add_arg_float(op, "std", -1.0f, &err), &err);
  expect_fail(op, C2_ERR_INVALID_ARGUMENT, "argument 'std' must be > 0, got -1");
  op = fill_op("XavierFill", NULL, "Y");
  expect_fail(op, C2_ERR_SHAPE, "op #0 (XavierFill): output 'Y' must have at least one dimension");
  op = fill_op("GaussianFill", NULL, "Y");
  EXPECT_OK(c2_opdef_add_arg_int(op, "input_as_shape", 1, &err), &err);
  expect_fail(op, C2_ERR_INVALID_ARGUMENT, "'input_as_shape' is set, but no input gives the shape");
}
END_TEST

START_TEST(test_inference_and_registration) {
  const c2_registry *reg;
  c2_error err;
  EXPECT_OK(c2_registry_default(&reg, &err), &err);
  const char *types[] = {"UniformFill", "GaussianFill", "XavierFill"};
  for (int k = 0; k < 3; k++) {
    const c2_schema *s = c2_registry_schema(reg, types[k]);
    ck_assert_ptr_nonnull(s);
    ck_assert_int_eq(c2_registry_gradient_kind(reg, types[k]), C2_GRADIENT_NONE);
    c2_opdef *op = fill_op(types[k], NULL, "Y");
    add_shape(op, 2, (const int64_t[]){3, 7});
    c2_shape out;
    EXPECT_OK(c2_schema_infer_shapes(s, op, 0, NULL, 1, &out, &err), &err);
    ck_assert(!out.unknown);
    ck_assert_int_eq(out.dtype, C2_DTYPE_FLOAT);
    ck_assert_int_eq(out.ndim, 2);
    ck_assert_int_eq(out.dims[1], 7);
    c2_cost cost;
    EXPECT_OK(c2_schema_infer_cost(s, op, 0, NULL, &cost, &err), &err);
    ck_assert_uint_eq(cost.bytes_written, 21 * 4);
    ck_assert_uint_gt(cost.flops, 0);
    c2_opdef_free(op);

    c2_opdef *like = fill_op(types[k], "X", "Y");
    EXPECT_OK(c2_opdef_add_arg_ints(like, "extra_shape", (const int64_t[]){2}, 1, &err), &err);
    c2_shape in = {.dtype = C2_DTYPE_INT32, .ndim = 1, .dims = {5}};
    EXPECT_OK(c2_schema_infer_shapes(s, like, 1, &in, 1, &out, &err), &err);
    ck_assert_int_eq(out.ndim, 2);
    ck_assert_int_eq(out.dims[0], 5);
    ck_assert_int_eq(out.dims[1], 2);
    ck_assert_int_eq(out.dtype, C2_DTYPE_FLOAT);
    c2_opdef_free(like);
  }
}
END_TEST

static Suite *make_suite(void) {
  Suite *s = suite_create("fillers");
  TCase *tc = tcase_create("core");
  tcase_add_test(tc, test_golden_values);
  tcase_add_test(tc, test_seeding);
  tcase_add_test(tc, test_statistics);
  tcase_add_test(tc, test_shapes_from_inputs);
  tcase_add_test(tc, test_rejected_arguments);
  tcase_add_test(tc, test_inference_and_registration);
  suite_add_tcase(s, tc);
  return s;
}

int main(void) { return test_run_suite(make_suite()); }
