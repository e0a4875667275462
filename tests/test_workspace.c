/* Workspace: blobs (create/get/remove/list/feed), thread count, blobs pinned by nets, and the
 * nets a workspace keeps (Caffe2 CreateNet / RunNet). */
#include <unistd.h>

#include "test_util.h"

/* ---- helpers ---- */

/* Output 0 becomes a float scalar that grows by one per run, so runs can be counted. */
static c2_status count_run(c2_operator *op, c2_error *err) {
  c2_tensor *t = c2_op_output(op, 0);
  if (c2_tensor_is_empty(t)) {
    c2_status st = c2_tensor_resize(t, C2_DTYPE_FLOAT, 0, NULL, err);
    if (st) return st;
    *(float *)c2_tensor_data(t) = 0.0f;
  }
  *(float *)c2_tensor_data(t) += 1.0f;
  return C2_OK;
}

static c2_status fail_run(c2_operator *op, c2_error *err) {
  (void)op;
  return c2_error_set(err, C2_ERR_RUNTIME, "deliberate failure");
}

static const c2_op_impl count_impl = {.device_type = C2_DEVICE_CPU, .run = count_run};
static const c2_op_impl fail_impl = {.device_type = C2_DEVICE_CPU, .run = fail_run};

static c2_registry *test_registry(void) {
  c2_error err;
  c2_registry *reg = NULL;
  EXPECT_OK(c2_registry_new(&reg, &err), &err);
  EXPECT_OK(c2_registry_add_impl(reg, "Count", &count_impl, &err), &err);
  EXPECT_OK(c2_registry_add_impl(reg, "Fail", &fail_impl, &err), &err);
  return reg;
}

static c2_workspace *new_ws(void) {
  c2_error err;
  c2_workspace *ws = NULL;
  EXPECT_OK(c2_workspace_new(&ws, &err), &err);
  return ws;
}

/* Appends op `type` (0 or 1 input, 1 output) to net. */
static void add_op(c2_netdef *net, const char *type, const char *in, const char *out) {
  c2_error err;
  c2_opdef *op;
  const char *ins[] = {in}, *outs[] = {out};
  EXPECT_OK(c2_opdef_new(type, in ? 1 : 0, ins, 1, outs, &op, &err), &err);
  if (strcmp(type, "LRN") == 0) {
    EXPECT_OK(c2_opdef_add_arg_int(op, "size", 5, &err), &err);
    EXPECT_OK(c2_opdef_add_arg_float(op, "alpha", 1e-4f, &err), &err);
    EXPECT_OK(c2_opdef_add_arg_float(op, "beta", 0.75f, &err), &err);
  }
  EXPECT_OK(c2_netdef_add_op_take(net, op, &err), &err);
}

static c2_netdef *one_op_net(const char *name, const char *type, const char *in,
                             const char *out) {
  c2_error err;
  c2_netdef *net;
  EXPECT_OK(c2_netdef_new(name, &net, &err), &err);
  add_op(net, type, in, out);
  return net;
}

/* X: float 1x3x2x2 with random values. */
static void feed_x(c2_workspace *ws, const char *name) {
  c2_error err;
  test_rng rng = test_rng_make(5);
  float x[12];
  for (int i = 0; i < 12; i++) x[i] = (float)test_rng_normal(&rng);
  const int64_t dims[] = {1, 3, 2, 2};
  EXPECT_OK(c2_workspace_feed(ws, name, C2_DTYPE_FLOAT, 4, dims, x, &err), &err);
}

static float scalar(c2_workspace *ws, const char *name) {
  c2_tensor *t = c2_workspace_get_blob(ws, name);
  ck_assert_msg(t != NULL, "blob '%s' missing", name);
  ck_assert_int_eq(c2_tensor_dtype(t), C2_DTYPE_FLOAT);
  ck_assert_int_eq(c2_tensor_numel(t), 1);
  return *(const float *)c2_tensor_data_const(t);
}

/* ---- blobs ---- */

START_TEST(test_create_get_has) {
  c2_error err;
  c2_workspace *ws = new_ws();
  ck_assert_uint_eq(c2_workspace_blob_count(ws), 0);
  c2_tensor *a = NULL, *again = NULL;
  EXPECT_OK(c2_workspace_create_blob(ws, "a", &a, &err), &err);
  ck_assert_ptr_nonnull(a);
  ck_assert(c2_tensor_is_empty(a));
  ck_assert(c2_workspace_has_blob(ws, "a"));
  ck_assert_ptr_eq(c2_workspace_get_blob(ws, "a"), a);
  /* an existing name gives the same tensor, contents kept (Caffe2 CreateBlob) */
  const int64_t dims[] = {3};
  EXPECT_OK(c2_tensor_resize(a, C2_DTYPE_INT32, 1, dims, &err), &err);
  EXPECT_OK(c2_workspace_create_blob(ws, "a", &again, &err), &err);
  ck_assert_ptr_eq(again, a);
  ck_assert_int_eq(c2_tensor_numel(again), 3);
  ck_assert_uint_eq(c2_workspace_blob_count(ws), 1);
  /* absent and NULL names */
  ck_assert_ptr_null(c2_workspace_get_blob(ws, "b"));
  ck_assert(!c2_workspace_has_blob(ws, "b"));
  ck_assert(!c2_workspace_has_blob(ws, "A")); /* names are case-sensitive */
  ck_assert_ptr_null(c2_workspace_get_blob(ws, NULL));
  ck_assert(!c2_workspace_has_blob(ws, NULL));
  EXPECT_STATUS(c2_workspace_create_blob(ws, NULL, &again, &err), C2_ERR_INVALID_ARGUMENT, &err,
                "NULL");
  ck_assert_uint_eq(c2_workspace_blob_count(ws), 1);
  c2_workspace_free(ws);
  c2_workspace_free(NULL);
}
END_TEST

START_TEST(test_remove) {
  c2_error err;
  c2_workspace *ws = new_ws();
  c2_tensor *t;
  EXPECT_OK(c2_workspace_create_blob(ws, "a", &t, &err), &err);
  EXPECT_OK(c2_workspace_create_blob(ws, "b", &t, &err), &err);
  EXPECT_OK(c2_workspace_remove_blob(ws, "a", &err), &err);
  ck_assert(!c2_workspace_has_blob(ws, "a"));
  ck_assert(c2_workspace_has_blob(ws, "b"));
  ck_assert_uint_eq(c2_workspace_blob_count(ws), 1);
  EXPECT_STATUS(c2_workspace_remove_blob(ws, "a", &err), C2_ERR_NOT_FOUND, &err,
                "blob 'a' is not in the workspace");
  EXPECT_STATUS(c2_workspace_remove_blob(ws, NULL, &err), C2_ERR_INVALID_ARGUMENT, &err, NULL);
  /* re-created: a fresh empty blob */
  EXPECT_OK(c2_workspace_create_blob(ws, "a", &t, &err), &err);
  ck_assert(c2_tensor_is_empty(t));
  ck_assert_uint_eq(c2_workspace_blob_count(ws), 2);
  c2_workspace_free(ws);
}
END_TEST

START_TEST(test_blob_names_sorted) {
  c2_error err;
  c2_workspace *ws = new_ws();
  const char **names = NULL;
  size_t n = 99;
  EXPECT_OK(c2_workspace_blob_names(ws, &names, &n, &err), &err);
  ck_assert_uint_eq(n, 0);
  ck_assert_ptr_nonnull(names);
  c2_free(names);

  /* strcmp order, as Caffe2's std::map gives */
  static const char *const sorted[] = {"Z", "_x", "a", "ab", "alpha", "beta", "conv1",
                                       "conv1_w", "data", "fc8"};
  enum { N = sizeof sorted / sizeof *sorted };
  const char *shuffled[N];
  memcpy(shuffled, sorted, sizeof shuffled);
  test_rng rng = test_rng_make(17);
  for (int i = N - 1; i > 0; i--) {
    int j = (int)test_rng_int(&rng, 0, i);
    const char *tmp = shuffled[i];
    shuffled[i] = shuffled[j];
    shuffled[j] = tmp;
  }
  for (int i = 0; i < N; i++) {
    c2_tensor *t;
    EXPECT_OK(c2_workspace_create_blob(ws, shuffled[i], &t, &err), &err);
  }
  EXPECT_OK(c2_workspace_blob_names(ws, &names, &n, &err), &err);
  ck_assert_uint_eq(n, N);
  for (int i = 0; i < N; i++) ck_assert_str_eq(names[i], sorted[i]);
  c2_free(names);
  c2_workspace_free(ws);
}
END_TEST

START_TEST(test_feed_keeps_dtype_and_copies) {
  c2_error err;
  c2_workspace *ws = new_ws();
  test_rng rng = test_rng_make(23);
  const int64_t dims[] = {2, 3};
  float f[6];
  double d[6];
  int32_t i32[6];
  int64_t i64[6];
  for (int i = 0; i < 6; i++) {
    f[i] = (float)test_rng_normal(&rng);
    d[i] = test_rng_normal(&rng);
    i32[i] = (int32_t)test_rng_int(&rng, INT32_MIN, INT32_MAX);
    i64[i] = (int64_t)test_rng_u64(&rng);
  }
  const struct {
    const char *name;
    c2_dtype dtype;
    void *data;
    size_t bytes;
  } cases[] = {{"f", C2_DTYPE_FLOAT, f, sizeof f},
               {"d", C2_DTYPE_DOUBLE, d, sizeof d},
               {"i32", C2_DTYPE_INT32, i32, sizeof i32},
               {"i64", C2_DTYPE_INT64, i64, sizeof i64}};
  for (size_t c = 0; c < 4; c++)
    EXPECT_OK(c2_workspace_feed(ws, cases[c].name, cases[c].dtype, 2, dims, cases[c].data, &err),
              &err);
  for (size_t c = 0; c < 4; c++) {
    c2_tensor *t = c2_workspace_get_blob(ws, cases[c].name);
    ck_assert_ptr_nonnull(t);
    ck_assert_int_eq(c2_tensor_dtype(t), cases[c].dtype);
    ck_assert_int_eq(c2_tensor_ndim(t), 2);
    ck_assert_int_eq(c2_tensor_dim(t, 0), 2);
    ck_assert_int_eq(c2_tensor_dim(t, 1), 3);
    ck_assert_uint_eq(c2_tensor_nbytes(t), cases[c].bytes);
    ck_assert_ptr_ne(c2_tensor_data(t), cases[c].data);
    ck_assert_mem_eq(c2_tensor_data(t), cases[c].data, cases[c].bytes);
    /* a copy: the caller's buffer may change afterwards */
    ((unsigned char *)cases[c].data)[0] ^= 0xff;
    ck_assert_mem_ne(c2_tensor_data(t), cases[c].data, cases[c].bytes);
  }
  /* feeding an existing blob replaces dtype and shape */
  const int64_t one[] = {1};
  const double pi = 3.25;
  EXPECT_OK(c2_workspace_feed(ws, "f", C2_DTYPE_DOUBLE, 1, one, &pi, &err), &err);
  c2_tensor *t = c2_workspace_get_blob(ws, "f");
  ck_assert_int_eq(c2_tensor_dtype(t), C2_DTYPE_DOUBLE);
  ck_assert_int_eq(c2_tensor_ndim(t), 1);
  ck_assert(*(const double *)c2_tensor_data_const(t) == 3.25);
  ck_assert_uint_eq(c2_workspace_blob_count(ws), 4);
  c2_workspace_free(ws);
}
END_TEST

START_TEST(test_feed_errors) {
  c2_error err;
  c2_workspace *ws = new_ws();
  const int64_t dims[] = {2, 3}, zero[] = {0, 3}, neg[] = {2, -1};
  EXPECT_STATUS(c2_workspace_feed(ws, "x", C2_DTYPE_FLOAT, 2, dims, NULL, &err),
                C2_ERR_INVALID_ARGUMENT, &err, "feeding blob 'x': data is NULL");
  /* no elements: no data needed */
  EXPECT_OK(c2_workspace_feed(ws, "z", C2_DTYPE_FLOAT, 2, zero, NULL, &err), &err);
  ck_assert_int_eq(c2_tensor_numel(c2_workspace_get_blob(ws, "z")), 0);
  ck_assert_int_eq(c2_tensor_dtype(c2_workspace_get_blob(ws, "z")), C2_DTYPE_FLOAT);
  float data[6] = {0};
  EXPECT_STATUS(c2_workspace_feed(ws, "s", (c2_dtype)4, 2, dims, data, &err), C2_ERR_TYPE, &err,
                "feeding blob 's': dtype STRING");
  EXPECT_STATUS(c2_workspace_feed(ws, "n", C2_DTYPE_FLOAT, 2, neg, data, &err), C2_ERR_SHAPE,
                &err, "feeding blob 'n': dimension 1 is negative");
  EXPECT_STATUS(c2_workspace_feed(ws, NULL, C2_DTYPE_FLOAT, 2, dims, data, &err),
                C2_ERR_INVALID_ARGUMENT, &err, NULL);
  c2_workspace_free(ws);
}
END_TEST

START_TEST(test_num_threads) {
  c2_workspace *ws = new_ws();
  long cores = sysconf(_SC_NPROCESSORS_ONLN);
  int want = cores > 0 ? (int)(cores > 1024 ? 1024 : cores) : 1;
  ck_assert_int_eq(c2_workspace_num_threads(ws), want);
  c2_workspace_set_num_threads(ws, 3);
  ck_assert_int_eq(c2_workspace_num_threads(ws), 3);
  c2_workspace_set_num_threads(ws, 1);
  ck_assert_int_eq(c2_workspace_num_threads(ws), 1);
  c2_workspace_set_num_threads(ws, 0);
  ck_assert_int_eq(c2_workspace_num_threads(ws), 1);
  c2_workspace_set_num_threads(ws, -7);
  ck_assert_int_eq(c2_workspace_num_threads(ws), 1);
  c2_workspace_free(ws);
}
END_TEST

/* ---- blobs pinned by nets ---- */

START_TEST(test_remove_busy_while_net_lives) {
  c2_error err;
  c2_workspace *ws = new_ws();
  feed_x(ws, "X");
  c2_tensor *other;
  EXPECT_OK(c2_workspace_create_blob(ws, "other", &other, &err), &err);
  c2_netdef *def = one_op_net("lrn", "LRN", "X", "Y");
  c2_net *net = NULL, *net2 = NULL;
  EXPECT_OK(c2_net_new(ws, def, NULL, &net, &err), &err);
  ck_assert(c2_workspace_has_blob(ws, "Y")); /* outputs are created with the net */
  EXPECT_STATUS(c2_workspace_remove_blob(ws, "X", &err), C2_ERR_BUSY, &err, "blob 'X'");
  EXPECT_STATUS(c2_workspace_remove_blob(ws, "Y", &err), C2_ERR_BUSY, &err, "blob 'Y'");
  ck_assert(c2_workspace_has_blob(ws, "X"));
  EXPECT_OK(c2_workspace_remove_blob(ws, "other", &err), &err);
  /* the net still works on the blobs it pinned */
  EXPECT_OK(c2_net_run(net, &err), &err);
  c2_tensor *y = c2_workspace_get_blob(ws, "Y");
  ck_assert_int_eq(c2_tensor_dtype(y), C2_DTYPE_FLOAT);
  ck_assert(c2_tensor_same_shape(y, c2_workspace_get_blob(ws, "X")));
  /* two nets: both must go before the blob can */
  EXPECT_OK(c2_net_new(ws, def, NULL, &net2, &err), &err);
  EXPECT_STATUS(c2_workspace_remove_blob(ws, "X", &err), C2_ERR_BUSY, &err, "blob 'X'");
  c2_net_free(net);
  EXPECT_STATUS(c2_workspace_remove_blob(ws, "X", &err), C2_ERR_BUSY, &err, "blob 'X'");
  c2_net_free(net2);
  EXPECT_OK(c2_workspace_remove_blob(ws, "X", &err), &err);
  EXPECT_OK(c2_workspace_remove_blob(ws, "Y", &err), &err);
  ck_assert_uint_eq(c2_workspace_blob_count(ws), 0);
  c2_netdef_free(def);
  c2_workspace_free(ws);
}
END_TEST

/* A net that fails half-way through creation releases the blobs its first ops pinned. */
START_TEST(test_failed_net_unpins) {
  c2_error err;
  c2_workspace *ws = new_ws();
  feed_x(ws, "X");
  c2_netdef *def = one_op_net("two", "LRN", "X", "Y");
  add_op(def, "LRN", "missing", "Z");
  c2_net *net = NULL;
  EXPECT_STATUS(c2_net_new(ws, def, NULL, &net, &err), C2_ERR_NOT_FOUND, &err,
                "op #1 (LRN): input blob 'missing' does not exist");
  EXPECT_OK(c2_workspace_remove_blob(ws, "X", &err), &err);
  c2_netdef_free(def);
  c2_workspace_free(ws);
}
END_TEST

START_TEST(test_remove_busy_with_workspace_net) {
  c2_error err;
  c2_workspace *ws = new_ws();
  feed_x(ws, "X");
  c2_netdef *def = one_op_net("lrn", "LRN", "X", "Y");
  EXPECT_OK(c2_workspace_create_net(ws, def, false, NULL, &err), &err);
  EXPECT_STATUS(c2_workspace_remove_blob(ws, "X", &err), C2_ERR_BUSY, &err, "blob 'X'");
  EXPECT_OK(c2_workspace_delete_net(ws, "lrn", &err), &err);
  EXPECT_OK(c2_workspace_remove_blob(ws, "X", &err), &err);
  /* a net left in the workspace is freed with it (LSan checks) */
  feed_x(ws, "X");
  EXPECT_OK(c2_workspace_create_net(ws, def, false, NULL, &err), &err);
  EXPECT_OK(c2_workspace_run_net(ws, "lrn", 1, &err), &err);
  c2_netdef_free(def);
  c2_workspace_free(ws);
}
END_TEST

/* ---- nets kept by the workspace ---- */

START_TEST(test_create_and_run_nets) {
  c2_error err;
  c2_registry *reg = test_registry();
  c2_workspace *ws = new_ws();
  c2_netdef *count = one_op_net("count_net", "Count", NULL, "counter");
  EXPECT_OK(c2_workspace_create_net(ws, count, false, reg, &err), &err);
  ck_assert(c2_workspace_has_net(ws, "count_net"));
  ck_assert(!c2_workspace_has_net(ws, "other"));
  ck_assert(!c2_workspace_has_net(ws, NULL));
  EXPECT_OK(c2_workspace_run_net(ws, "count_net", 3, &err), &err);
  ck_assert(scalar(ws, "counter") == 3.0f);
  EXPECT_OK(c2_workspace_run_net(ws, "count_net", 2, &err), &err);
  ck_assert(scalar(ws, "counter") == 5.0f);
  EXPECT_OK(c2_workspace_run_net(ws, "count_net", 0, &err), &err);
  ck_assert(scalar(ws, "counter") == 5.0f);
  EXPECT_STATUS(c2_workspace_run_net(ws, "nope", 1, &err), C2_ERR_NOT_FOUND, &err,
                "net 'nope' does not exist");

  /* a def without a name is refused; an empty name is a name */
  c2_netdef *unnamed = NULL;
  EXPECT_OK(c2_netdef_new(NULL, &unnamed, &err), &err);
  EXPECT_STATUS(c2_workspace_create_net(ws, unnamed, false, reg, &err), C2_ERR_INVALID_ARGUMENT,
                &err, "should have a name");
  EXPECT_OK(c2_netdef_set_name(unnamed, "", &err), &err);
  EXPECT_OK(c2_workspace_create_net(ws, unnamed, false, reg, &err), &err);
  ck_assert(c2_workspace_has_net(ws, ""));
  EXPECT_OK(c2_workspace_run_net(ws, "", 1, &err), &err); /* no ops */

  EXPECT_OK(c2_netdef_set_name(count, "b_net", &err), &err);
  EXPECT_OK(c2_workspace_create_net(ws, count, false, reg, &err), &err);
  EXPECT_OK(c2_netdef_set_name(count, "a_net", &err), &err);
  EXPECT_OK(c2_workspace_create_net(ws, count, false, reg, &err), &err);
  const char **names;
  size_t n;
  EXPECT_OK(c2_workspace_net_names(ws, &names, &n, &err), &err);
  static const char *const want[] = {"", "a_net", "b_net", "count_net"};
  ck_assert_uint_eq(n, 4);
  for (size_t i = 0; i < 4; i++) ck_assert_str_eq(names[i], want[i]);
  c2_free(names);
  /* all three Count nets write the same blob */
  EXPECT_OK(c2_workspace_run_net(ws, "a_net", 1, &err), &err);
  ck_assert(scalar(ws, "counter") == 6.0f);

  EXPECT_OK(c2_workspace_delete_net(ws, "a_net", &err), &err);
  ck_assert(!c2_workspace_has_net(ws, "a_net"));
  EXPECT_STATUS(c2_workspace_delete_net(ws, "a_net", &err), C2_ERR_NOT_FOUND, &err,
                "net 'a_net' does not exist");
  EXPECT_STATUS(c2_workspace_run_net(ws, "a_net", 1, &err), C2_ERR_NOT_FOUND, &err, NULL);
  EXPECT_OK(c2_workspace_net_names(ws, &names, &n, &err), &err);
  ck_assert_uint_eq(n, 3);
  ck_assert_str_eq(names[1], "b_net");
  c2_free(names);
  c2_netdef_free(unnamed);
  c2_netdef_free(count);
  c2_workspace_free(ws);
  c2_registry_free(reg);
}
END_TEST

START_TEST(test_create_net_overwrite) {
  c2_error err;
  c2_registry *reg = test_registry();
  c2_workspace *ws = new_ws();
  c2_netdef *first = one_op_net("n", "Count", NULL, "c1");
  c2_netdef *second = one_op_net("n", "Count", NULL, "c2");
  EXPECT_OK(c2_workspace_create_net(ws, first, false, reg, &err), &err);
  EXPECT_STATUS(c2_workspace_create_net(ws, second, false, reg, &err), C2_ERR_EXISTS, &err,
                "I respectfully refuse to overwrite an existing net of the same name \"n\"");
  ck_assert_ptr_nonnull(strstr(err.message, "overwrite=true"));
  /* the refused call left the old net in place */
  EXPECT_OK(c2_workspace_run_net(ws, "n", 1, &err), &err);
  ck_assert(scalar(ws, "c1") == 1.0f);
  ck_assert(!c2_workspace_has_blob(ws, "c2"));

  EXPECT_OK(c2_workspace_create_net(ws, second, true, reg, &err), &err);
  EXPECT_OK(c2_workspace_run_net(ws, "n", 2, &err), &err);
  ck_assert(scalar(ws, "c2") == 2.0f);
  ck_assert(scalar(ws, "c1") == 1.0f);
  const char **names;
  size_t n;
  EXPECT_OK(c2_workspace_net_names(ws, &names, &n, &err), &err);
  ck_assert_uint_eq(n, 1);
  c2_free(names);

  /* Caffe2 erases the old net before building the new one: a failed overwrite leaves none */
  c2_netdef *bad = one_op_net("n", "NoSuchOp", NULL, "c3");
  EXPECT_STATUS(c2_workspace_create_net(ws, bad, true, reg, &err), C2_ERR_NOT_FOUND, &err,
                "NoSuchOp");
  ck_assert(!c2_workspace_has_net(ws, "n"));
  c2_netdef_free(bad);
  c2_netdef_free(first);
  c2_netdef_free(second);
  c2_workspace_free(ws);
  c2_registry_free(reg);
}
END_TEST

START_TEST(test_run_net_failure) {
  c2_error err;
  c2_registry *reg = test_registry();
  c2_workspace *ws = new_ws();
  c2_netdef *def = one_op_net("f", "Count", NULL, "counter");
  add_op(def, "Fail", NULL, "never");
  EXPECT_OK(c2_workspace_create_net(ws, def, false, reg, &err), &err);
  EXPECT_STATUS(c2_workspace_run_net(ws, "f", 3, &err), C2_ERR_RUNTIME, &err,
                "net 'f': op #1 (Fail): deliberate failure");
  ck_assert(scalar(ws, "counter") == 1.0f); /* stopped in the first iteration */
  c2_netdef_free(def);
  c2_workspace_free(ws);
  c2_registry_free(reg);
}
END_TEST

static Suite *make_suite(void) {
  Suite *s = suite_create("workspace");
  TCase *tc = tcase_create("blobs");
  tcase_add_test(tc, test_create_get_has);
  tcase_add_test(tc, test_remove);
  tcase_add_test(tc, test_blob_names_sorted);
  tcase_add_test(tc, test_feed_keeps_dtype_and_copies);
  tcase_add_test(tc, test_feed_errors);
  tcase_add_test(tc, test_num_threads);
  suite_add_tcase(s, tc);

  tc = tcase_create("pinned");
  tcase_add_test(tc, test_remove_busy_while_net_lives);
  tcase_add_test(tc, test_failed_net_unpins);
  tcase_add_test(tc, test_remove_busy_with_workspace_net);
  suite_add_tcase(s, tc);

  tc = tcase_create("nets");
  tcase_add_test(tc, test_create_and_run_nets);
  tcase_add_test(tc, test_create_net_overwrite);
  tcase_add_test(tc, test_run_net_failure);
  suite_add_tcase(s, tc);
  return s;
}

int main(void) { return test_run_suite(make_suite()); }
