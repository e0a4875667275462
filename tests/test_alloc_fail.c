/* Allocation-failure injection: every scenario (load + create + run + free of real nets, tensor
 * files, registries, gradients) is run once to count its allocations, then once per allocation
 * with that allocation failing: first with every later one failing too, then with only that one
 * failing. Each run must end in C2_ERR_NOMEM with an "out of memory" message and leave as many
 * live blocks as before (alloc.c counts them), so a leak is pinned to the allocation that
 * caused it; ASan/LSan and valgrind check the same from outside. */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "core/alloc.h"
#include "test_util.h"

/* ---- scenarios: each frees everything it made, whatever happens ---- */

static const int64_t x_dims[4] = {1, 6, 6, 1};

static void fill_x(float *x) {
  for (int i = 0; i < 36; i++) x[i] = (float)(i % 7) - 3.0f;
}

/* The real model-zoo AlexNet predict net: load, copy, re-encode, parse again, create a net over
 * a workspace holding its (empty) external inputs. Creation stops at the first op this build
 * lacks, or succeeds once every AlexNet op is registered. */
static c2_status alexnet(c2_error *err) {
  c2_netdef *net = NULL, *copy = NULL, *again = NULL;
  c2_workspace *ws = NULL;
  c2_net *instance = NULL;
  uint8_t *bytes = NULL;
  size_t len = 0;
  c2_status st = c2_netdef_load_file(test_source_path("models/bvlc_alexnet/predict_net.pb"),
                                     NULL, &net, err);
  if (!st) st = c2_netdef_copy(net, &copy, err);
  if (!st) st = c2_netdef_pack(copy, &bytes, &len, err);
  if (!st) st = c2_netdef_parse(bytes, len, NULL, &again, err);
  if (!st) st = c2_workspace_new(&ws, err);
  for (size_t i = 0; !st && i < c2_netdef_num_external_inputs(net); i++) {
    c2_tensor *t;
    st = c2_workspace_create_blob(ws, c2_netdef_external_input(net, i), &t, err);
  }
  if (!st) st = c2_net_new(ws, again, NULL, &instance, err);
  c2_net_free(instance);
  c2_workspace_free(ws);
  c2_free(bytes);
  c2_netdef_free(again);
  c2_netdef_free(copy);
  c2_netdef_free(net);
  return st;
}

/* models/lrn_example: forward twice as a net, then as a named workspace net, then the gradient
 * ops of its LRN run on the outputs. */
static c2_status lrn_example(c2_error *err) {
  c2_netdef *def = NULL;
  c2_workspace *ws = NULL;
  c2_net *net = NULL;
  c2_grad_result *grads = NULL;
  const c2_registry *reg;
  float x[36];
  fill_x(x);
  c2_status st = c2_registry_default(&reg, err);
  if (!st) st = c2_netdef_load_file(test_build_path("models/lrn_example.pb"), NULL, &def, err);
  if (!st) st = c2_workspace_new(&ws, err);
  if (!st) st = c2_workspace_feed(ws, "X", C2_DTYPE_FLOAT, 4, x_dims, x, err);
  if (!st) st = c2_net_new(ws, def, reg, &net, err);
  for (int run = 0; !st && run < 2; run++) st = c2_net_run(net, err);
  c2_net_free(net);
  if (!st) st = c2_workspace_create_net(ws, def, false, NULL, err);
  if (!st) st = c2_workspace_run_net(ws, c2_netdef_name(def), 1, err);
  if (!st) st = c2_workspace_delete_net(ws, c2_netdef_name(def), err);
  const char *g_out[] = {"Y_grad", NULL};
  if (!st) st = c2_workspace_feed(ws, "Y_grad", C2_DTYPE_FLOAT, 4, x_dims, x, err);
  if (!st) st = c2_gradient_for_op(reg, c2_netdef_op(def, 0), 2, g_out, &grads, err);
  for (size_t i = 0; !st && i < c2_grad_result_num_ops(grads); i++)
    st = c2_run_operator_once(ws, c2_grad_result_op(grads, i), NULL, err);
  if (!st) ck_assert(!c2_tensor_is_empty(c2_workspace_get_blob(ws, "X_grad")));
  c2_grad_result_free(grads);
  c2_workspace_free(ws);
  c2_netdef_free(def);
  return st;
}

/* models/relu_lrn: run when this build has Relu, otherwise load and try to create. */
static c2_status relu_lrn(c2_error *err) {
  c2_netdef *def = NULL;
  c2_workspace *ws = NULL;
  const c2_registry *reg;
  float x[36];
  fill_x(x);
  const int64_t nchw[4] = {1, 4, 3, 3};
  c2_status st = c2_registry_default(&reg, err);
  if (!st) st = c2_netdef_load_file(test_build_path("models/relu_lrn.pb"), NULL, &def, err);
  if (!st) st = c2_workspace_new(&ws, err);
  if (!st) st = c2_workspace_feed(ws, "X", C2_DTYPE_FLOAT, 4, nchw, x, err);
  if (!st) st = c2_run_net_once(ws, def, reg, err);
  c2_workspace_free(ws);
  c2_netdef_free(def);
  return st;
}

/* models/relu_lrn_train (FC, Relu, LRN, SquaredL2Distance, AveragedLoss): its backward net
 * (Caffe2's AddGradientOperators), created and run. */
static c2_status relu_lrn_train(c2_error *err) {
  c2_netdef *def = NULL;
  c2_backward *b = NULL;
  c2_workspace *ws = NULL;
  float v[32]; /* X, target, W and b read 24 values from offsets 0..3 */
  for (int i = 0; i < 32; i++) v[i] = (float)((i * 7) % 11) / 11.0f - 0.4f;
  const int64_t in_dims[4] = {1, 4, 2, 3}, w_dims[2] = {3, 3}, b_dims[1] = {3};
  const c2_loss loss = {"loss", NULL};
  c2_status st = c2_netdef_load_file(test_build_path("models/relu_lrn_train.pb"), NULL, &def, err);
  if (!st) st = c2_backward_new(def, 1, &loss, NULL, NULL, &b, err);
  if (!st) st = c2_workspace_new(&ws, err);
  if (!st) st = c2_workspace_feed(ws, "X", C2_DTYPE_FLOAT, 4, in_dims, v, err);
  if (!st) st = c2_workspace_feed(ws, "target", C2_DTYPE_FLOAT, 4, in_dims, v + 1, err);
  if (!st) st = c2_workspace_feed(ws, "W", C2_DTYPE_FLOAT, 2, w_dims, v + 2, err);
  if (!st) st = c2_workspace_feed(ws, "b", C2_DTYPE_FLOAT, 1, b_dims, v + 3, err);
  if (!st) st = c2_run_net_once(ws, c2_backward_net(b), NULL, err);
  if (!st) ck_assert(!c2_tensor_is_empty(c2_workspace_get_blob(ws, "W_grad")));
  c2_workspace_free(ws);
  c2_backward_free(b);
  c2_netdef_free(def);
  return st;
}

static c2_status tensors(c2_error *err) {
  c2_workspace *ws = NULL;
  c2_status st = c2_workspace_new(&ws, err);
  if (!st) st = c2_load_tensors_file(ws, test_build_path("tests/tensors_ok.pb"), NULL, NULL, err);
  if (!st) st = c2_load_tensors_file(ws, test_build_path("tests/tensors_ok.pb"), "d", NULL, err);
  if (!st) st = c2_load_tensors_file(ws, test_build_path("tests/tensor_single.pb"), NULL, NULL, err);
  c2_workspace_free(ws);
  return st;
}

static char npy_path[] = "/tmp/c2rt-alloc-fail-XXXXXX";

static c2_status npy(c2_error *err) {
  c2_tensor *t = NULL;
  c2_status st = c2_tensor_new(&t, err);
  if (!st) st = c2_npy_load_file(npy_path, t, err);
  c2_tensor_free(t);
  return st;
}

static c2_status registry(c2_error *err) {
  c2_registry *reg = NULL;
  const char **types = NULL;
  size_t n;
  c2_status st = c2_registry_new(&reg, err);
  if (!st) st = c2_register_builtin_ops(reg, err);
  if (!st) st = c2_registry_set_engine_pref(reg, C2_DEVICE_CPU, "LRN", "FAST,DEFAULT", err);
  if (!st) st = c2_registry_types(reg, &types, &n, err);
  c2_free(types);
  c2_registry_free(reg);
  return st;
}

/* A net built with the definition API, with a hostile-looking but valid shape: two LRNs, the
 * second in NHWC, every argument given twice with the same value. */
static c2_status built_net(c2_error *err) {
  c2_netdef *def = NULL;
  c2_opdef *op = NULL;
  c2_workspace *ws = NULL;
  const char *in1[] = {"X"}, *out1[] = {"A", "A_scale"}, *in2[] = {"A"}, *out2[] = {"B"};
  float x[36];
  fill_x(x);
  c2_status st = c2_netdef_new("built", &def, err);
  for (int k = 0; !st && k < 2; k++) {
    st = k == 0 ? c2_opdef_new("LRN", 1, in1, 2, out1, &op, err)
                : c2_opdef_new("LRN", 1, in2, 1, out2, &op, err);
    for (int rep = 0; !st && rep < 2; rep++) {
      st = c2_opdef_add_arg_int(op, "size", 3, err);
      if (!st) st = c2_opdef_add_arg_float(op, "alpha", 0.5f, err);
      if (!st) st = c2_opdef_add_arg_float(op, "beta", 0.75f, err);
      if (!st) st = c2_opdef_add_arg_string(op, "order", k ? "NHWC" : "NCHW", err);
    }
    if (!st) st = c2_opdef_set_engine(op, "NO_SUCH_ENGINE", err);
    if (!st) {
      st = c2_netdef_add_op_take(def, op, err); /* takes op even when it fails */
      op = NULL;
    }
    c2_opdef_free(op);
    op = NULL;
  }
  if (!st) st = c2_netdef_add_external_input(def, "X", err);
  if (!st) st = c2_netdef_add_external_output(def, "B", err);
  if (!st) st = c2_workspace_new(&ws, err);
  if (!st) st = c2_workspace_feed(ws, "X", C2_DTYPE_FLOAT, 4, x_dims, x, err);
  if (!st) st = c2_run_net_once(ws, def, NULL, err);
  c2_workspace_free(ws);
  c2_netdef_free(def);
  return st;
}

typedef struct scenario {
  const char *name;
  c2_status (*run)(c2_error *err);
} scenario;

static const scenario scenarios[] = {
    {"AlexNet predict net: load, copy, encode, parse, create", alexnet},
    {"lrn_example: load, create, run x2, named net, gradient", lrn_example},
    {"relu_lrn: load, create, run", relu_lrn},
    {"relu_lrn_train: load, backward net, run", relu_lrn_train},
    {"TensorProto(s) files", tensors},
    {".npy file", npy},
    {"registry with the built-in ops", registry},
    {"net built through the definition API", built_net},
};
#define N_SCENARIOS ((int)(sizeof scenarios / sizeof *scenarios))

static void inject_each(const scenario *sc, bool only_one) {
  c2_error err;
  const c2_registry *reg;
  EXPECT_OK(c2_registry_default(&reg, &err), &err); /* process-wide; made once, outside */
  long live = c2__alloc_live();
  c2__alloc_fail_after(-1);
  c2_status baseline = sc->run(&err);
  long count = c2__alloc_fail_after(-1);
  ck_assert_msg(baseline == C2_OK || baseline == C2_ERR_NOT_FOUND, "[%s] baseline: %s", sc->name,
                err.message);
  ck_assert_msg(c2__alloc_live() == live, "[%s] baseline leaks %ld blocks", sc->name,
                c2__alloc_live() - live);
  ck_assert_int_gt(count, 0);
  for (long n = 0; n < count; n++) {
    if (only_one) c2__alloc_fail_only(n);
    else c2__alloc_fail_after(n);
    c2_error_clear(&err);
    c2_status st = sc->run(&err);
    c2__alloc_fail_after(-1);
    ck_assert_msg(st == C2_ERR_NOMEM && strstr(err.message, "out of memory"),
                  "[%s] allocation %ld of %ld failed%s, but the result is %s: '%s'", sc->name, n,
                  count, only_one ? " (alone)" : "", c2_status_name(st), err.message);
    ck_assert_msg(c2__alloc_live() == live,
                  "[%s] %ld blocks leaked when allocation %ld of %ld failed%s", sc->name,
                  c2__alloc_live() - live, n, count, only_one ? " (alone)" : "");
  }
  printf("%s: %ld allocations, each failed in turn (%s): every one gave C2_ERR_NOMEM, nothing "
         "leaked\n",
         sc->name, count, only_one ? "alone" : "and all after it");
  fflush(stdout);
}

START_TEST(test_fail_then_all) { inject_each(&scenarios[_i], false); }
END_TEST

START_TEST(test_fail_alone) { inject_each(&scenarios[_i], true); }
END_TEST

/* A failed first creation of the default registry is not remembered. */
START_TEST(test_default_registry_retried) {
  c2_error err;
  const c2_registry *reg = NULL;
  c2__alloc_fail_after(3);
  EXPECT_STATUS(c2_registry_default(&reg, &err), C2_ERR_NOMEM, &err, "out of memory");
  c2__alloc_fail_after(-1);
  EXPECT_OK(c2_registry_default(&reg, &err), &err);
  ck_assert(c2_registry_can_run(reg, "LRN", C2_DEVICE_CPU));
}
END_TEST

static Suite *make_suite(void) {
  Suite *s = suite_create("alloc_fail");
  TCase *tc = tcase_create("alloc_fail");
  tcase_set_timeout(tc, 300);
  tcase_add_loop_test(tc, test_fail_then_all, 0, N_SCENARIOS);
  tcase_add_loop_test(tc, test_fail_alone, 0, N_SCENARIOS);
  tcase_add_test(tc, test_default_registry_retried);
  suite_add_tcase(s, tc);
  return s;
}

int main(void) {
  /* The .npy file is written once, before any test forks. */
  int fd = mkstemp(npy_path);
  if (fd < 0) return EXIT_FAILURE;
  close(fd);
  c2_tensor *t;
  c2_error err;
  const int64_t dims[2] = {2, 3};
  const float v[6] = {1, 2, 3, 4, 5, 6};
  if (c2_tensor_new(&t, &err) || c2_tensor_resize(t, C2_DTYPE_FLOAT, 2, dims, &err)) return EXIT_FAILURE;
  memcpy(c2_tensor_data(t), v, sizeof v);
  if (c2_npy_save_file(npy_path, t, &err)) return EXIT_FAILURE;
  c2_tensor_free(t);
  int status = test_run_suite(make_suite());
  unlink(npy_path);
  return status;
}
