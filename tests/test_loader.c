/* Loading NetDef, TensorProto(s) and .npy files, and every way such input can be malformed. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "test_util.h"

static c2_workspace *new_ws(void) {
  c2_workspace *ws;
  c2_error err;
  EXPECT_OK(c2_workspace_new(&ws, &err), &err);
  return ws;
}

START_TEST(test_tensor_protos) {
  c2_workspace *ws = new_ws();
  c2_error err;
  EXPECT_OK(c2_load_tensors_file(ws, test_build_path("tests/tensors_ok.pb"), NULL, NULL, &err), &err);
  c2_tensor *f = c2_workspace_get_blob(ws, "f");
  ck_assert_int_eq(c2_tensor_dtype(f), C2_DTYPE_FLOAT);
  ck_assert_int_eq(c2_tensor_ndim(f), 2);
  ck_assert_int_eq(c2_tensor_dim(f, 1), 3);
  ck_assert_float_eq(((const float *)c2_tensor_data_const(f))[5], 6.0f);
  const double *d = c2_tensor_data_const(c2_workspace_get_blob(ws, "d"));
  ck_assert(d[0] == 0.25 && d[1] == -1e300);
  const int32_t *i = c2_tensor_data_const(c2_workspace_get_blob(ws, "i"));
  ck_assert_int_eq(i[2], 2147483647);
  const int64_t *l = c2_tensor_data_const(c2_workspace_get_blob(ws, "l"));
  ck_assert(l[0] == -9223372036854775807LL);
  c2_tensor *u8 = c2_workspace_get_blob(ws, "u8");
  ck_assert_int_eq(c2_tensor_dtype(u8), C2_DTYPE_UINT8);
  ck_assert_int_eq(((const uint8_t *)c2_tensor_data_const(u8))[1], 255);
  c2_tensor *scalar = c2_workspace_get_blob(ws, "scalar");
  ck_assert_int_eq(c2_tensor_ndim(scalar), 0);
  ck_assert_int_eq(c2_tensor_numel(scalar), 1);
  c2_tensor *empty = c2_workspace_get_blob(ws, "empty");
  ck_assert_int_eq(c2_tensor_numel(empty), 0);
  ck_assert_int_eq(c2_tensor_dim(empty, 1), 4);
  /* One tensor picked out by name, loaded under that name. */
  c2_workspace *ws2 = new_ws();
  EXPECT_OK(c2_load_tensors_file(ws2, test_build_path("tests/tensors_ok.pb"), "d", NULL, &err), &err);
  ck_assert_uint_eq(c2_workspace_blob_count(ws2), 1);
  EXPECT_STATUS(c2_load_tensors_file(ws2, test_build_path("tests/tensors_ok.pb"), "zz", NULL, &err),
                C2_ERR_NOT_FOUND, &err, "no tensor named 'zz' among the 7");
  /* A single TensorProto keeps its name unless another is given. */
  EXPECT_OK(c2_load_tensors_file(ws2, test_build_path("tests/tensor_single.pb"), NULL, NULL, &err), &err);
  ck_assert(c2_workspace_has_blob(ws2, "W"));
  EXPECT_OK(c2_load_tensors_file(ws2, test_build_path("tests/tensor_single.pb"), "X", NULL, &err), &err);
  ck_assert_int_eq(c2_tensor_dim(c2_workspace_get_blob(ws2, "X"), 2), 2);
  c2_workspace_free(ws2);
  c2_workspace_free(ws);
}
END_TEST

START_TEST(test_tensor_proto_errors) {
  c2_workspace *ws = new_ws();
  c2_error err;
  struct { const char *file; c2_status want; const char *fragment; } cases[] = {
      {"tests/tensor_short.pb", C2_ERR_SHAPE,
       "tensor 'short': its shape holds 6 elements of FLOAT, but float_data has 5 values"},
      {"tests/tensor_long.pb", C2_ERR_SHAPE, "holds 2 elements of FLOAT, but float_data has 3"},
      {"tests/tensor_bad_dtype.pb", C2_ERR_UNSUPPORTED, "STRING tensors are not supported"},
      {"tests/tensor_huge.pb", C2_ERR_SHAPE,
       "tensor 'huge': its shape holds 8589934592 elements of FLOAT, but float_data has 1 values"},
      {"tests/tensor_overflow.pb", C2_ERR_LIMIT, "element count of the shape overflows 64 bits"},
      {"tests/tensor_negative_dim.pb", C2_ERR_SHAPE, "dimension 1 is negative (-1)"},
  };
  for (size_t k = 0; k < sizeof cases / sizeof *cases; k++)
    EXPECT_STATUS(c2_load_tensors_file(ws, test_build_path(cases[k].file), NULL, NULL, &err),
                  cases[k].want, &err, cases[k].fragment);
  /* DataType 99 does not exist; protobuf-c accepts any enum value, we do not. */
  const uint8_t bad_enum[] = {0x08, 0x01, 0x10, 0x63, 0x3a, 0x01, 'e'};
  EXPECT_STATUS(c2_load_tensors(ws, bad_enum, sizeof bad_enum, NULL, NULL, &err), C2_ERR_PARSE,
                &err, "TensorProto.data_type: unknown DataType 99");
  /* A tensor larger than the caller allows, with all its data. */
  const uint8_t two[] = {0x08, 0x02, 0x1a, 0x08, 0, 0, 0x80, 0x3f, 0, 0, 0, 0x40, 0x3a, 0x01, 't'};
  c2_load_limits small = c2_load_limits_default();
  small.max_tensor_bytes = 7;
  EXPECT_STATUS(c2_load_tensors(ws, two, sizeof two, NULL, &small, &err), C2_ERR_LIMIT, &err,
                "tensor 't': tensor of 2 elements (8 bytes) exceeds the limit of 7 bytes");
  small.max_tensor_bytes = 8;
  EXPECT_OK(c2_load_tensors(ws, two, sizeof two, NULL, &small, &err), &err);
  /* UINT8 values that do not fit */
  const uint8_t bad_u8[] = {0x08, 0x01, 0x10, 0x06, 0x22, 0x02, 0xac, 0x02, 0x3a, 0x01, 'u'};
  EXPECT_STATUS(c2_load_tensors(ws, bad_u8, sizeof bad_u8, NULL, NULL, &err), C2_ERR_PARSE, &err,
                "value 300 at 0 does not fit UINT8");
  /* An unnamed tensor needs a name from the caller. */
  const uint8_t unnamed[] = {0x08, 0x01, 0x1a, 0x04, 0, 0, 0x80, 0x3f};
  EXPECT_STATUS(c2_load_tensors(ws, unnamed, sizeof unnamed, NULL, NULL, &err),
                C2_ERR_INVALID_ARGUMENT, &err, "has no name");
  EXPECT_OK(c2_load_tensors(ws, unnamed, sizeof unnamed, "one", NULL, &err), &err);
  ck_assert_float_eq(((const float *)c2_tensor_data_const(c2_workspace_get_blob(ws, "one")))[0], 1.0f);
  /* raw_data (late Caffe2) must hold exactly numel * element size bytes. */
  const uint8_t raw[] = {0x08, 0x02, 0x6a, 0x07, 0, 0, 0x80, 0x3f, 0, 0, 0, 0x3a, 0x01, 'r'};
  EXPECT_STATUS(c2_load_tensors(ws, raw, sizeof raw, NULL, NULL, &err), C2_ERR_SHAPE, &err,
                "raw_data has 7 bytes");
  ck_assert(!c2_workspace_has_blob(ws, "r"));
  c2_workspace_free(ws);
}
END_TEST

START_TEST(test_wire_errors) {
  c2_error err;
  c2_netdef *net = NULL;
  size_t len;
  uint8_t *alex = test_read_file(test_source_path("models/bvlc_alexnet/predict_net.pb"), &len);
  /* Every truncation is an error that names a byte offset, never a crash. */
  for (size_t cut = 1; cut < len; cut += 7) {
    c2_status st = c2_netdef_parse(alex, cut, NULL, &net, &err);
    if (st == C2_OK) {
      c2_netdef_free(net); /* a cut on a field boundary is a valid, shorter net */
      continue;
    }
    ck_assert_int_eq(st, C2_ERR_PARSE);
    ck_assert_msg(strstr(err.message, "at byte") != NULL, "cut %zu: %s", cut, err.message);
  }
  c2_free(alex);
  /* NetDef.op (field 2) sent as a varint */
  const uint8_t wrong_type[] = {0x0a, 0x01, 'n', 0x10, 0x01};
  EXPECT_STATUS(c2_netdef_parse(wrong_type, sizeof wrong_type, NULL, &net, &err), C2_ERR_PARSE,
                &err, "caffe2.NetDef.op (field 2) at byte 3: wrong wire type varint, expected "
                "length-delimited");
  const uint8_t group[] = {0x0b};
  EXPECT_STATUS(c2_netdef_parse(group, 1, NULL, &net, &err), C2_ERR_PARSE, &err, "start-group");
  const uint8_t field0[] = {0x00, 0x00};
  EXPECT_STATUS(c2_netdef_parse(field0, 2, NULL, &net, &err), C2_ERR_PARSE, &err,
                "invalid field number 0");
}
END_TEST

/* NetDef { op { arg { n { op { arg { n { ... } } } } } } }: three messages per level. */
static uint8_t *nested_net(int levels, size_t *len) {
  size_t cap = (size_t)levels * 64 + 16;
  uint8_t *inner = malloc(cap), *outer = malloc(cap);
  size_t n = 0; /* innermost NetDef is empty */
  for (int i = 0; i < levels; i++) {
    /* wrap: n { <inner> } inside Argument, Argument inside OperatorDef (field 5), OperatorDef
     * inside NetDef (field 2). Lengths are varints. */
    const uint8_t tags[3] = {0x42, 0x2a, 0x12};
    for (int t = 0; t < 3; t++) {
      size_t m = 0;
      outer[m++] = tags[t];
      size_t v = n;
      do {
        outer[m++] = (uint8_t)((v & 0x7f) | (v >= 0x80 ? 0x80 : 0));
        v >>= 7;
      } while (v);
      memcpy(outer + m, inner, n);
      n += m;
      uint8_t *swap = inner;
      inner = outer;
      outer = swap;
    }
  }
  free(outer);
  *len = n;
  return inner;
}

START_TEST(test_deep_nesting) {
  c2_error err;
  c2_netdef *net;
  size_t len;
  uint8_t *deep = nested_net(10000, &len);
  ck_assert_uint_gt(len, 100000);
  EXPECT_STATUS(c2_netdef_parse(deep, len, NULL, &net, &err), C2_ERR_LIMIT, &err,
                "nest deeper than the limit of 100");
  free(deep);
  uint8_t *ok = nested_net(33, &len); /* 100 levels with the outer NetDef */
  EXPECT_OK(c2_netdef_parse(ok, len, NULL, &net, &err), &err);
  c2_netdef_free(net);
  c2_load_limits tight = c2_load_limits_default();
  tight.max_depth = 10;
  EXPECT_STATUS(c2_netdef_parse(ok, len, &tight, &net, &err), C2_ERR_LIMIT, &err, "limit of 10");
  free(ok);
}
END_TEST

/* 2 MB of empty `op {}` records: protobuf-c would allocate ~44x that. */
START_TEST(test_allocation_budget) {
  size_t count = 1000000, len = 2 * count;
  uint8_t *bytes = malloc(len);
  for (size_t i = 0; i < count; i++) bytes[2 * i] = 0x12, bytes[2 * i + 1] = 0x00;
  c2_error err;
  c2_netdef *net;
  EXPECT_STATUS(c2_netdef_parse(bytes, len, NULL, &net, &err), C2_ERR_LIMIT, &err,
                "needs more than the");
  /* A caller who expects such nets raises the budget (100,000 of them keep this quick). */
  c2_load_limits roomy = c2_load_limits_default();
  roomy.alloc_per_byte = 400;
  roomy.alloc_slack = 0;
  EXPECT_STATUS(c2_netdef_parse(bytes, 200000, NULL, &net, &err), C2_ERR_LIMIT, &err,
                "NetDef of 200000 bytes needs more than the 19977216 bytes");
  EXPECT_OK(c2_netdef_parse(bytes, 200000, &roomy, &net, &err), &err);
  ck_assert_uint_eq(c2_netdef_num_ops(net), 100000);
  c2_netdef_free(net);
  free(bytes);
}
END_TEST

START_TEST(test_files) {
  c2_error err;
  c2_netdef *net;
  EXPECT_STATUS(c2_netdef_load_file("/nonexistent/net.pb", NULL, &net, &err), C2_ERR_IO, &err,
                "cannot open '/nonexistent/net.pb'");
  c2_load_limits small = c2_load_limits_default();
  small.max_file_bytes = 100;
  EXPECT_STATUS(c2_netdef_load_file(test_source_path("models/bvlc_alexnet/predict_net.pb"), &small,
                                    &net, &err),
                C2_ERR_LIMIT, &err, "larger than the limit of 100 bytes");
  /* save + load */
  EXPECT_OK(c2_netdef_load_file(test_source_path("models/bvlc_alexnet/predict_net.pb"), NULL, &net,
                                &err), &err);
  char path[] = "/tmp/c2rt-test-net-XXXXXX";
  int fd = mkstemp(path);
  ck_assert_int_ge(fd, 0);
  close(fd);
  EXPECT_OK(c2_netdef_save_file(net, path, &err), &err);
  c2_netdef *again;
  EXPECT_OK(c2_netdef_load_file(path, NULL, &again, &err), &err);
  ck_assert_uint_eq(c2_netdef_num_ops(again), 23);
  unlink(path);
  c2_netdef_free(again);
  c2_netdef_free(net);
  /* OperatorDef bytes */
  c2_opdef *op;
  const uint8_t opbytes[] = {0x0a, 0x01, 'X', 0x12, 0x01, 'Y', 0x22, 0x04, 'R', 'e', 'l', 'u'};
  EXPECT_OK(c2_opdef_parse(opbytes, sizeof opbytes, NULL, &op, &err), &err);
  ck_assert_str_eq(c2_opdef_type(op), "Relu");
  c2_opdef_free(op);
}
END_TEST

static void npy_round_trip(c2_dtype dtype, int ndim, const int64_t *dims, test_rng *rng) {
  c2_error err;
  c2_tensor *t, *back;
  EXPECT_OK(c2_tensor_new(&t, &err), &err);
  EXPECT_OK(c2_tensor_new(&back, &err), &err);
  EXPECT_OK(c2_tensor_resize(t, dtype, ndim, dims, &err), &err);
  uint8_t *data = c2_tensor_data(t);
  for (size_t i = 0; i < c2_tensor_nbytes(t); i++) data[i] = (uint8_t)test_rng_u64(rng);
  if (dtype == C2_DTYPE_BOOL)
    for (size_t i = 0; i < c2_tensor_nbytes(t); i++) data[i] &= 1;
  char path[] = "/tmp/c2rt-test-npy-XXXXXX";
  int fd = mkstemp(path);
  close(fd);
  EXPECT_OK(c2_npy_save_file(path, t, &err), &err);
  EXPECT_OK(c2_npy_load_file(path, back, &err), &err);
  ck_assert_int_eq(c2_tensor_dtype(back), dtype);
  ck_assert(c2_tensor_same_shape(t, back));
  ck_assert_uint_eq(c2_tensor_nbytes(back), c2_tensor_nbytes(t));
  if (c2_tensor_nbytes(t))
    ck_assert_mem_eq(c2_tensor_data_const(back), c2_tensor_data_const(t), c2_tensor_nbytes(t));
  size_t len;
  uint8_t *file = test_read_file(path, &len);
  ck_assert_uint_eq((len - c2_tensor_nbytes(t)) % 64, 0); /* numpy's 64-byte header alignment */
  c2_free(file);
  unlink(path);
  c2_tensor_free(t);
  c2_tensor_free(back);
}

START_TEST(test_npy) {
  test_rng rng = test_rng_make(3);
  const c2_dtype types[] = {C2_DTYPE_FLOAT, C2_DTYPE_DOUBLE, C2_DTYPE_INT32, C2_DTYPE_INT64,
                            C2_DTYPE_INT8,  C2_DTYPE_INT16,  C2_DTYPE_UINT8, C2_DTYPE_UINT16,
                            C2_DTYPE_BOOL,  C2_DTYPE_FLOAT16};
  const int64_t d4[] = {1, 6, 6, 1}, d1[] = {5}, d0[] = {0, 3};
  for (size_t i = 0; i < sizeof types / sizeof *types; i++) {
    npy_round_trip(types[i], 4, d4, &rng);
    npy_round_trip(types[i], 1, d1, &rng);
    npy_round_trip(types[i], 0, NULL, &rng);
    npy_round_trip(types[i], 2, d0, &rng);
  }
}
END_TEST

static void npy_expect(const char *header, size_t data_bytes, c2_status want, const char *fragment) {
  size_t hlen = strlen(header);
  size_t len = 10 + hlen + data_bytes;
  uint8_t *b = calloc(1, len);
  memcpy(b, "\x93NUMPY\x01\x00", 8);
  b[8] = (uint8_t)(hlen & 0xff), b[9] = (uint8_t)(hlen >> 8);
  memcpy(b + 10, header, hlen);
  c2_tensor *t;
  c2_error err;
  EXPECT_OK(c2_tensor_new(&t, &err), &err);
  EXPECT_STATUS(c2_npy_parse(b, len, t, &err), want, &err, fragment);
  c2_tensor_free(t);
  free(b);
}

START_TEST(test_npy_errors) {
  npy_expect("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }\n", 24, C2_OK, NULL);
  npy_expect("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }\n", 20, C2_ERR_SHAPE,
             "holds 6 elements (24 bytes) but the file has 20 data bytes");
  npy_expect("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }\n", 28, C2_ERR_SHAPE,
             "28 data bytes");
  npy_expect("{'descr': '>f4', 'fortran_order': False, 'shape': (2,), }\n", 8, C2_ERR_UNSUPPORTED,
             "dtype '>f4' is not supported");
  npy_expect("{'descr': '<f4', 'fortran_order': True, 'shape': (2,), }\n", 8, C2_ERR_UNSUPPORTED,
             "Fortran order");
  npy_expect("{'descr': '|O', 'fortran_order': False, 'shape': (2,), }\n", 16, C2_ERR_UNSUPPORTED,
             "'|O'");
  npy_expect("{'descr': '<f4', 'fortran_order': False, 'shape': (-2,), }\n", 8, C2_ERR_PARSE,
             "bad character in 'shape'");
  npy_expect("{'descr': '<f4', 'fortran_order': False, 'shape': (4294967296, 4294967296, "
             "4294967296), }\n", 8, C2_ERR_LIMIT, "overflows");
  npy_expect("{'descr': '<f4', 'fortran_order': False}\n", 8, C2_ERR_PARSE, "no 'shape'");
  c2_tensor *t;
  c2_error err;
  EXPECT_OK(c2_tensor_new(&t, &err), &err);
  const uint8_t junk[] = "GIF89a....";
  EXPECT_STATUS(c2_npy_parse(junk, sizeof junk, t, &err), C2_ERR_PARSE, &err, "bad magic");
  const uint8_t truncated[] = {0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0, 0xff, 0x00, '{'};
  EXPECT_STATUS(c2_npy_parse(truncated, sizeof truncated, t, &err), C2_ERR_PARSE, &err,
                "header is truncated");
  c2_tensor_free(t);
}
END_TEST

static Suite *make_suite(void) {
  Suite *s = suite_create("loader");
  TCase *tc = tcase_create("loader");
  tcase_set_timeout(tc, 120);
  tcase_add_test(tc, test_tensor_protos);
  tcase_add_test(tc, test_tensor_proto_errors);
  tcase_add_test(tc, test_wire_errors);
  tcase_add_test(tc, test_deep_nesting);
  tcase_add_test(tc, test_allocation_budget);
  tcase_add_test(tc, test_files);
  tcase_add_test(tc, test_npy);
  tcase_add_test(tc, test_npy_errors);
  suite_add_tcase(s, tc);
  return s;
}

int main(void) { return test_run_suite(make_suite()); }
