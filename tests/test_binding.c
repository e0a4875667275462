/* The binding entry points (binding.h): blob info / fetch / checked feed, operators and nets from
 * serialized bytes, gradients from bytes, and two workspaces driven by two threads at once. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

#include "test_util.h"

static c2_opdef *lrn_op(const char *x, const char *y) {
  c2_opdef *op;
  c2_error err;
  EXPECT_OK(c2_opdef_new("LRN", 1, (const char *[]){x}, 1, (const char *[]){y}, &op, &err), &err);
  EXPECT_OK(c2_opdef_add_arg_int(op, "size", 3, &err), &err);
  EXPECT_OK(c2_opdef_add_arg_float(op, "alpha", 0.5f, &err), &err);
  EXPECT_OK(c2_opdef_add_arg_float(op, "beta", 0.75f, &err), &err);
  return op;
}

static uint8_t *pack_op(c2_opdef *op, size_t *len) {
  uint8_t *bytes;
  c2_error err;
  EXPECT_OK(c2_opdef_pack(op, &bytes, len, &err), &err);
  c2_opdef_free(op);
  return bytes;
}

START_TEST(test_blob_info_fetch_feed) {
  c2_workspace *ws;
  c2_error err;
  EXPECT_OK(c2_workspace_new(&ws, &err), &err);
  double x[6] = {1, 2, 3, 4, 5, 6};
  const int64_t dims[] = {2, 3};
  EXPECT_OK(c2_workspace_feed_buffer(ws, "X", C2_DTYPE_DOUBLE, 2, dims, x, sizeof x, &err), &err);
  c2_blob_info info;
  EXPECT_OK(c2_workspace_blob_info(ws, "X", &info, &err), &err);
  ck_assert_int_eq(info.dtype, C2_DTYPE_DOUBLE);
  ck_assert_int_eq(info.ndim, 2);
  ck_assert_int_eq(info.dims[1], 3);
  ck_assert_int_eq(info.numel, 6);
  ck_assert_uint_eq(info.nbytes, sizeof x);
  ck_assert(memcmp(info.data, x, sizeof x) == 0);
  double back[6];
  EXPECT_OK(c2_workspace_fetch(ws, "X", back, sizeof back, &err), &err);
  ck_assert(memcmp(back, x, sizeof x) == 0);
  EXPECT_STATUS(c2_workspace_fetch(ws, "X", back, 8, &err), C2_ERR_SHAPE, &err,
                "blob 'X' (DOUBLE [2, 3]) holds 48 bytes, but the destination has 8");
  EXPECT_STATUS(c2_workspace_blob_info(ws, "nope", &info, &err), C2_ERR_NOT_FOUND, &err,
                "can't find blob 'nope' in the workspace");
  EXPECT_STATUS(c2_workspace_fetch(ws, "nope", back, 8, &err), C2_ERR_NOT_FOUND, &err,
                "can't find blob 'nope'");

  /* Length, dtype and rank are checked before anything is stored. */
  EXPECT_STATUS(c2_workspace_feed_buffer(ws, "Y", C2_DTYPE_FLOAT, 2, dims, x, sizeof x, &err),
                C2_ERR_SHAPE, &err, "blob 'Y': 6 elements of FLOAT need 24 bytes, but 48 were given");
  EXPECT_STATUS(c2_workspace_feed_buffer(ws, "Y", 4, 2, dims, x, sizeof x, &err), C2_ERR_TYPE,
                &err, "blob 'Y': dtype STRING (4) cannot be stored in a tensor");
  EXPECT_STATUS(c2_workspace_feed_buffer(ws, "Y", C2_DTYPE_FLOAT, 9, dims, x, sizeof x, &err),
                C2_ERR_LIMIT, &err, "rank 9, at most 8");
  EXPECT_STATUS(c2_workspace_feed_buffer(ws, "Y", C2_DTYPE_FLOAT, 1, (int64_t[]){-1}, x, 0, &err),
                C2_ERR_SHAPE, &err, "dimension 0 is negative (-1)");
  ck_assert(!c2_workspace_has_blob(ws, "Y"));
  /* A NULL name is refused before any message prints it (a bad dtype would have been first). */
  EXPECT_STATUS(c2_workspace_feed_buffer(ws, NULL, 4, 2, dims, x, sizeof x, &err),
                C2_ERR_INVALID_ARGUMENT, &err, "feeding a blob: its name is NULL");

  /* A scalar, an empty tensor, and a blob never written. */
  float s = 2.5f;
  EXPECT_OK(c2_workspace_feed_buffer(ws, "S", C2_DTYPE_FLOAT, 0, NULL, &s, 4, &err), &err);
  EXPECT_OK(c2_workspace_blob_info(ws, "S", &info, &err), &err);
  ck_assert_int_eq(info.ndim, 0);
  ck_assert_int_eq(info.numel, 1);
  EXPECT_OK(c2_workspace_feed_buffer(ws, "E", C2_DTYPE_INT32, 2, (int64_t[]){0, 4}, NULL, 0, &err),
            &err);
  EXPECT_OK(c2_workspace_blob_info(ws, "E", &info, &err), &err);
  ck_assert_int_eq(info.numel, 0);
  ck_assert_ptr_null(info.data);
  c2_tensor *t;
  EXPECT_OK(c2_workspace_create_blob(ws, "U", &t, &err), &err);
  EXPECT_OK(c2_workspace_blob_info(ws, "U", &info, &err), &err);
  ck_assert_int_eq(info.dtype, C2_DTYPE_UNDEFINED);
  c2_workspace_free(ws);
}
END_TEST

START_TEST(test_operators_and_nets_from_bytes) {
  c2_workspace *ws;
  c2_error err;
  EXPECT_OK(c2_workspace_new(&ws, &err), &err);
  float x[16];
  for (int i = 0; i < 16; i++) x[i] = (float)i;
  EXPECT_OK(c2_workspace_feed_buffer(ws, "X", C2_DTYPE_FLOAT, 4, (int64_t[]){1, 4, 2, 2}, x,
                                     sizeof x, &err), &err);
  size_t len;
  uint8_t *bytes = pack_op(lrn_op("X", "Y"), &len);
  EXPECT_OK(c2_workspace_run_operator_bytes(ws, bytes, len, &err), &err);
  ck_assert(c2_workspace_has_blob(ws, "Y"));
  EXPECT_STATUS(c2_workspace_run_operator_bytes(ws, bytes, len - 3, &err), C2_ERR_PARSE, &err,
                "OperatorDef: ");
  c2_free(bytes);
  bytes = pack_op(lrn_op("missing", "Y"), &len);
  EXPECT_STATUS(c2_workspace_run_operator_bytes(ws, bytes, len, &err), C2_ERR_NOT_FOUND, &err,
                "op #0 (LRN): input blob 'missing' does not exist in the workspace");
  c2_free(bytes);

  c2_netdef *net;
  EXPECT_OK(c2_netdef_new("twice", &net, &err), &err);
  EXPECT_OK(c2_netdef_add_op_take(net, lrn_op("X", "Y1"), &err), &err);
  EXPECT_OK(c2_netdef_add_op_take(net, lrn_op("Y1", "Y2"), &err), &err);
  EXPECT_OK(c2_netdef_pack(net, &bytes, &len, &err), &err);
  c2_netdef_free(net);
  EXPECT_OK(c2_workspace_run_net_once_bytes(ws, bytes, len, &err), &err);
  ck_assert(c2_workspace_has_blob(ws, "Y2"));
  ck_assert(!c2_workspace_has_net(ws, "twice"));
  EXPECT_OK(c2_workspace_create_net_bytes(ws, bytes, len, false, &err), &err);
  EXPECT_STATUS(c2_workspace_create_net_bytes(ws, bytes, len, false, &err), C2_ERR_EXISTS, &err,
                "unless you explicitly specify overwrite=true");
  EXPECT_OK(c2_workspace_create_net_bytes(ws, bytes, len, true, &err), &err);
  EXPECT_OK(c2_workspace_run_net(ws, "twice", 5, &err), &err);
  EXPECT_STATUS(c2_workspace_run_net_once_bytes(ws, bytes, 2, &err), C2_ERR_PARSE, &err,
                "NetDef: ");
  c2_free(bytes);
  c2_workspace_free(ws);
}
END_TEST

START_TEST(test_gradient_from_bytes) {
  c2_error err;
  size_t len;
  uint8_t *bytes = pack_op(lrn_op("X", "Y"), &len);
  c2_grad_result *r;
  EXPECT_OK(c2_gradient_for_op_bytes(bytes, len, 1, (const char *[]){"Y_grad"}, &r, &err), &err);
  ck_assert_uint_eq(c2_grad_result_num_ops(r), 1);
  ck_assert_str_eq(c2_opdef_type(c2_grad_result_op(r, 0)), "LRNGradient");
  ck_assert_str_eq(c2_grad_result_input_grad(r, 0), "X_grad");
  uint8_t *packed;
  size_t packed_len;
  EXPECT_OK(c2_opdef_pack(c2_grad_result_op(r, 0), &packed, &packed_len, &err), &err);
  ck_assert_uint_gt(packed_len, len);
  c2_free(packed);
  c2_grad_result_free(r);
  EXPECT_STATUS(c2_gradient_for_op_bytes(bytes, len, 0, NULL, &r, &err), C2_ERR_INVALID_ARGUMENT,
                &err, "0 output gradients given for 1 outputs");
  EXPECT_STATUS(c2_gradient_for_op_bytes(bytes, 1, 0, NULL, &r, &err), C2_ERR_PARSE, &err,
                "OperatorDef: ");
  c2_free(bytes);
}
END_TEST

/* Two threads, two workspaces, the same net run many times at once: each gets exactly the
 * result of a single-threaded run (nothing is shared between workspaces but the read-only
 * registry). */
typedef struct worker {
  const uint8_t *net;
  size_t len;
  float scale;
  float result[64];
  c2_status status;
  char message[C2_ERROR_MESSAGE_SIZE];
  pthread_barrier_t *start;
} worker;

static void *work(void *arg) {
  worker *w = arg;
  c2_error err;
  c2_workspace *ws = NULL;
  float x[64];
  for (int i = 0; i < 64; i++) x[i] = w->scale * (float)(i % 7 - 3);
  pthread_barrier_wait(w->start);
  w->status = c2_workspace_new(&ws, &err);
  if (!w->status) w->status = c2_workspace_feed_buffer(ws, "X", C2_DTYPE_FLOAT, 4,
                                                       (int64_t[]){2, 8, 2, 2}, x, sizeof x, &err);
  if (!w->status) w->status = c2_workspace_create_net_bytes(ws, w->net, w->len, false, &err);
  for (int i = 0; i < 2000 && !w->status; i++) w->status = c2_workspace_run_net(ws, "twice", 1, &err);
  if (!w->status) w->status = c2_workspace_fetch(ws, "Y2", w->result, sizeof w->result, &err);
  if (w->status) snprintf(w->message, sizeof w->message, "%s", err.message);
  c2_workspace_free(ws);
  return NULL;
}

START_TEST(test_two_workspaces_two_threads) {
  c2_error err;
  c2_netdef *net;
  uint8_t *bytes;
  size_t len;
  EXPECT_OK(c2_netdef_new("twice", &net, &err), &err);
  EXPECT_OK(c2_netdef_add_op_take(net, lrn_op("X", "Y1"), &err), &err);
  EXPECT_OK(c2_netdef_add_op_take(net, lrn_op("Y1", "Y2"), &err), &err);
  EXPECT_OK(c2_netdef_pack(net, &bytes, &len, &err), &err);
  c2_netdef_free(net);

  pthread_barrier_t start;
  pthread_barrier_init(&start, NULL, 2);
  worker w[2] = {{.net = bytes, .len = len, .scale = 1.0f, .start = &start},
                 {.net = bytes, .len = len, .scale = 0.5f, .start = &start}};
  pthread_t th[2];
  for (int i = 0; i < 2; i++) pthread_create(&th[i], NULL, work, &w[i]);
  for (int i = 0; i < 2; i++) pthread_join(th[i], NULL);
  pthread_barrier_destroy(&start);
  for (int i = 0; i < 2; i++) ck_assert_msg(w[i].status == C2_OK, "%s", w[i].message);

  /* Alone, one after the other: the same bits. */
  for (int i = 0; i < 2; i++) {
    worker alone = {.net = bytes, .len = len, .scale = w[i].scale};
    pthread_barrier_t one;
    pthread_barrier_init(&one, NULL, 1);
    alone.start = &one;
    work(&alone);
    pthread_barrier_destroy(&one);
    ck_assert_int_eq(alone.status, C2_OK);
    ck_assert(memcmp(alone.result, w[i].result, sizeof alone.result) == 0);
  }
  ck_assert(memcmp(w[0].result, w[1].result, sizeof w[0].result) != 0);
  c2_free(bytes);
}
END_TEST

static Suite *make_suite(void) {
  Suite *s = suite_create("binding");
  TCase *tc = tcase_create("core");
  tcase_add_test(tc, test_blob_info_fetch_feed);
  tcase_add_test(tc, test_operators_and_nets_from_bytes);
  tcase_add_test(tc, test_gradient_from_bytes);
  tcase_add_test(tc, test_two_workspaces_two_threads);
  suite_add_tcase(s, tc);
  return s;
}

int main(void) { return test_run_suite(make_suite()); }
