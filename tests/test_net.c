/* Net creation (Caffe2's NetBase checks, schema and device checks) and sequential runs. */
#include <stdio.h>
#include <stdlib.h>

#include <c2rt/proto.h>

#include "test_util.h"

static c2_opdef *lrn(const char *x, const char *y) {
  const char *in[] = {x}, *out[] = {y};
  c2_opdef *op;
  c2_error err;
  EXPECT_OK(c2_opdef_new("LRN", 1, in, 1, out, &op, &err), &err);
  EXPECT_OK(c2_opdef_add_arg_int(op, "size", 3, &err), &err);
  EXPECT_OK(c2_opdef_add_arg_float(op, "alpha", 0.5f, &err), &err);
  EXPECT_OK(c2_opdef_add_arg_float(op, "beta", 0.75f, &err), &err);
  return op;
}

static c2_netdef *net_of(const char *name, c2_opdef **ops, int n, const char *ext_in,
                         const char *ext_out) {
  c2_error err;
  c2_netdef *net;
  EXPECT_OK(c2_netdef_new(name, &net, &err), &err);
  for (int i = 0; i < n; i++) EXPECT_OK(c2_netdef_add_op_take(net, ops[i], &err), &err);
  if (ext_in) EXPECT_OK(c2_netdef_add_external_input(net, ext_in, &err), &err);
  if (ext_out) EXPECT_OK(c2_netdef_add_external_output(net, ext_out, &err), &err);
  return net;
}

static c2_workspace *ws_with_x(void) {
  c2_workspace *ws;
  c2_error err;
  EXPECT_OK(c2_workspace_new(&ws, &err), &err);
  const int64_t dims[] = {1, 4, 2, 2};
  float x[16];
  for (int i = 0; i < 16; i++) x[i] = (float)i - 8;
  EXPECT_OK(c2_workspace_feed(ws, "X", C2_DTYPE_FLOAT, 4, dims, x, &err), &err);
  return ws;
}

static void expect_create_fails(c2_netdef *def, c2_status want, const char *fragment) {
  c2_workspace *ws = ws_with_x();
  c2_error err;
  c2_net *net = NULL;
  size_t blobs = c2_workspace_blob_count(ws);
  EXPECT_STATUS(c2_net_new(ws, def, NULL, &net, &err), want, &err, fragment);
  if (want == C2_OK) c2_net_free(net);
  /* A failed creation leaves nothing pinned: every blob it created can be removed. */
  const char **names;
  size_t n;
  EXPECT_OK(c2_workspace_blob_names(ws, &names, &n, &err), &err);
  ck_assert_uint_ge(n, blobs);
  for (size_t i = 0; i < n; i++) {
    char name[256];
    snprintf(name, sizeof name, "%s", names[i]);
    EXPECT_OK(c2_workspace_remove_blob(ws, name, &err), &err);
  }
  c2_free(names);
  c2_workspace_free(ws);
  c2_netdef_free(def);
}

START_TEST(test_blob_flow_checks) {
  c2_opdef *ops[] = {lrn("X", "Y"), lrn("Q", "Z")};
  expect_create_fails(net_of("flow", ops, 2, "X", NULL), C2_ERR_SCHEMA,
                      "op #1 (LRN): source for input 'Q' is unknown in net 'flow'");
  c2_opdef *ops2[] = {lrn("X", "Y")};
  expect_create_fails(net_of("outs", ops2, 1, "X", "W"), C2_ERR_SCHEMA,
                      "net 'outs' declares external output 'W', but no op produces it");
  /* Without external inputs Caffe2 only checks that the blobs exist. */
  c2_opdef *ops3[] = {lrn("nowhere", "Y")};
  expect_create_fails(net_of("lax", ops3, 1, NULL, NULL), C2_ERR_NOT_FOUND,
                      "op #0 (LRN): input blob 'nowhere' does not exist in the workspace");
  c2_opdef *ops4[] = {lrn("X", "Y")};
  c2_netdef *typed = net_of("typed", ops4, 1, NULL, NULL);
  c2_error err;
  EXPECT_OK(c2_netdef_set_type(typed, "no_such_executor", &err), &err);
  expect_create_fails(typed, C2_ERR_UNSUPPORTED, "type 'no_such_executor', which is not a known");
}
END_TEST

START_TEST(test_op_checks) {
  c2_error err;
  const char *in[] = {"X"}, *out[] = {"Y"};
  c2_opdef *unknown;
  EXPECT_OK(c2_opdef_new("NoSuchOp", 1, in, 1, out, &unknown, &err), &err);
  c2_opdef *ops[] = {lrn("X", "A"), unknown};
  expect_create_fails(net_of("u", ops, 2, NULL, NULL), C2_ERR_NOT_FOUND,
                      "op #1 (NoSuchOp): no operator of type 'NoSuchOp' is registered");
  c2_opdef *cuda = lrn("X", "Y");
  EXPECT_OK(c2_opdef_set_device(cuda, C2_DEVICE_CUDA, 0, &err), &err);
  c2_opdef *ops2[] = {cuda};
  expect_create_fails(net_of("c", ops2, 1, NULL, NULL), C2_ERR_UNSUPPORTED,
                      "op #0 (LRN): device type 1 (CUDA) is not available in this build");
  c2_opdef *node = lrn("X", "Y");
  EXPECT_OK(c2_opdef_set_device(node, C2_DEVICE_CPU, 0, &err), &err);
  c2_opdef *ops3[] = {node};
  c2_netdef *def = net_of("node", ops3, 1, NULL, NULL);
  c2_netdef *copy;
  EXPECT_OK(c2_netdef_copy(def, &copy, &err), &err);
  expect_create_fails(copy, C2_OK, NULL); /* baseline: creates fine */
  /* node_name, set through the proto struct, must be empty at execution time */
  ((Caffe2__OperatorDef *)c2_netdef_op(def, 0))->device_option->node_name = strdup("host1");
  expect_create_fails(def, C2_ERR_SCHEMA,
                      "op #0 (LRN): node_name must be empty for all operators at execution time");
  c2_opdef *bad = lrn("X", "Y");
  EXPECT_OK(c2_opdef_add_arg_int(bad, "size", 4, &err), &err); /* duplicate, different */
  c2_opdef *ops4[] = {bad};
  expect_create_fails(net_of("dup", ops4, 1, NULL, NULL), C2_ERR_INVALID_ARGUMENT,
                      "op #0 (LRN): found argument of the same name 'size' but with different");
  /* A float argument stored as an int, from a file encoded by protoc. */
  c2_netdef *file_net;
  EXPECT_OK(c2_netdef_load_file(test_build_path("tests/net_float_as_int.pb"), NULL, &file_net, &err),
            &err);
  expect_create_fails(file_net, C2_ERR_TYPE,
                      "op #0 (LRN): argument 'alpha' must be a float (field f), but it is stored "
                      "as an int (field i)");
}
END_TEST

/* A net-level device option reaches ops without their own. */
START_TEST(test_net_device_option_inherited) {
  c2_opdef *ops[] = {lrn("X", "Y")};
  c2_netdef *def = net_of("dev", ops, 1, NULL, NULL);
  c2_netdef *with_device;
  c2_error err;
  /* Build NetDef.device_option { device_type: 1 } through the wire format. */
  uint8_t *bytes;
  size_t len;
  EXPECT_OK(c2_netdef_pack(def, &bytes, &len, &err), &err);
  uint8_t *more = malloc(len + 4);
  memcpy(more, bytes, len);
  const uint8_t device[] = {0x2a, 0x02, 0x08, 0x01};
  memcpy(more + len, device, 4);
  EXPECT_OK(c2_netdef_parse(more, len + 4, NULL, &with_device, &err), &err);
  free(more);
  c2_free(bytes);
  c2_netdef_free(def);
  expect_create_fails(with_device, C2_ERR_UNSUPPORTED, "device type 1 (CUDA)");
}
END_TEST

START_TEST(test_run_stops_at_first_failure) {
  c2_workspace *ws = ws_with_x();
  c2_error err;
  c2_tensor *empty;
  EXPECT_OK(c2_workspace_create_blob(ws, "E", &empty, &err), &err);
  c2_opdef *ops[] = {lrn("X", "A"), lrn("E", "B"), lrn("A", "C")};
  c2_netdef *def = net_of("chain", ops, 3, NULL, NULL);
  c2_net *net;
  EXPECT_OK(c2_net_new(ws, def, NULL, &net, &err), &err);
  ck_assert_uint_eq(c2_net_num_ops(net), 3);
  ck_assert(c2_workspace_has_blob(ws, "C")); /* outputs exist (empty) after creation */
  EXPECT_STATUS(c2_net_run(net, &err), C2_ERR_INVALID_ARGUMENT, &err,
                "op #1 (LRN): input 'E' is empty: it was never written");
  ck_assert(!c2_tensor_is_empty(c2_workspace_get_blob(ws, "A")));
  ck_assert(c2_tensor_is_empty(c2_workspace_get_blob(ws, "C")));
  /* Blobs a net uses cannot be removed under it. */
  EXPECT_STATUS(c2_workspace_remove_blob(ws, "A", &err), C2_ERR_BUSY, &err, "is in use by nets of this workspace (2 op bindings)");
  c2_net_free(net);
  EXPECT_OK(c2_workspace_remove_blob(ws, "A", &err), &err);
  c2_netdef_free(def);
  c2_workspace_free(ws);
}
END_TEST

START_TEST(test_run_once_and_named_nets) {
  c2_workspace *ws = ws_with_x();
  c2_error err;
  c2_opdef *ops[] = {lrn("X", "A"), lrn("A", "B")};
  c2_netdef *def = net_of("pair", ops, 2, "X", "B");
  EXPECT_OK(c2_run_net_once(ws, def, NULL, &err), &err);
  float b_once[16];
  memcpy(b_once, c2_tensor_data_const(c2_workspace_get_blob(ws, "B")), sizeof b_once);
  EXPECT_OK(c2_workspace_create_net(ws, def, false, NULL, &err), &err);
  EXPECT_STATUS(c2_workspace_create_net(ws, def, false, NULL, &err), C2_ERR_EXISTS, &err,
                "I respectfully refuse to overwrite an existing net of the same name \"pair\"");
  EXPECT_OK(c2_workspace_create_net(ws, def, true, NULL, &err), &err);
  EXPECT_OK(c2_workspace_run_net(ws, "pair", 3, &err), &err);
  ck_assert_mem_eq(c2_tensor_data_const(c2_workspace_get_blob(ws, "B")), b_once, sizeof b_once);
  EXPECT_STATUS(c2_workspace_run_net(ws, "other", 1, &err), C2_ERR_NOT_FOUND, &err,
                "net 'other' does not exist");
  EXPECT_OK(c2_workspace_delete_net(ws, "pair", &err), &err);
  ck_assert(!c2_workspace_has_net(ws, "pair"));
  /* The op is not kept: run_operator_once leaves only its outputs. */
  c2_opdef *op = lrn("X", "once");
  EXPECT_OK(c2_run_operator_once(ws, op, NULL, &err), &err);
  EXPECT_OK(c2_workspace_remove_blob(ws, "once", &err), &err);
  c2_opdef_free(op);
  c2_netdef_free(def);
  c2_workspace_free(ws); /* also frees any net still created in it */
}
END_TEST

/* The model nets compiled at build time load and, where their ops exist, run. */
START_TEST(test_models) {
  c2_error err;
  c2_netdef *def;
  EXPECT_OK(c2_netdef_load_file(test_build_path("models/lrn_example.pb"), NULL, &def, &err), &err);
  ck_assert_str_eq(c2_netdef_name(def), "lrn_example");
  c2_workspace *ws;
  EXPECT_OK(c2_workspace_new(&ws, &err), &err);
  const int64_t dims[] = {1, 6, 6, 1};
  float x[36];
  for (int i = 0; i < 36; i++) x[i] = (float)(i % 7) - 3.0f;
  EXPECT_OK(c2_workspace_feed(ws, "X", C2_DTYPE_FLOAT, 4, dims, x, &err), &err);
  EXPECT_OK(c2_run_net_once(ws, def, NULL, &err), &err);
  const float *s = c2_tensor_data_const(c2_workspace_get_blob(ws, "Y_scale"));
  ck_assert_float_eq_tol(s[0], 2.0f + 0.001f / 11 * 9.0f, 1e-6f);
  c2_netdef_free(def);
  EXPECT_OK(c2_netdef_load_file(test_build_path("models/relu_lrn.pb"), NULL, &def, &err), &err);
  ck_assert_uint_eq(c2_netdef_num_ops(def), 2);
  ck_assert_str_eq(c2_opdef_type(c2_netdef_op(def, 0)), "Relu");
  c2_netdef_free(def);
  c2_workspace_free(ws);
}
END_TEST

static Suite *make_suite(void) {
  Suite *s = suite_create("net");
  TCase *tc = tcase_create("net");
  tcase_add_test(tc, test_blob_flow_checks);
  tcase_add_test(tc, test_op_checks);
  tcase_add_test(tc, test_net_device_option_inherited);
  tcase_add_test(tc, test_run_stops_at_first_failure);
  tcase_add_test(tc, test_run_once_and_named_nets);
  tcase_add_test(tc, test_models);
  suite_add_tcase(s, tc);
  return s;
}

int main(void) { return test_run_suite(make_suite()); }
