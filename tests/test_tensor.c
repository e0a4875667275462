/* Tensors (dtype table, resize with its overflow checks, copy, shape helpers) and the status /
 * error helpers every other module relies on. */
#include <stdio.h>
#include <stdlib.h>

#include "test_util.h"

static bool aligned64(const void *p) { return ((uintptr_t)p & 63u) == 0; }

static c2_tensor *new_tensor(void) {
  c2_tensor *t = NULL;
  c2_error err;
  EXPECT_OK(c2_tensor_new(&t, &err), &err);
  ck_assert_ptr_nonnull(t);
  return t;
}

/* ---- dtypes ---- */

START_TEST(test_dtype_size_and_name) {
  static const struct {
    int dtype;
    size_t size;
    const char *name;
  } table[] = {
      {C2_DTYPE_UNDEFINED, 0, "UNDEFINED"}, {C2_DTYPE_FLOAT, 4, "FLOAT"},
      {C2_DTYPE_INT32, 4, "INT32"},         {C2_DTYPE_BYTE, 1, "BYTE"},
      {4, 0, "STRING"},                     {C2_DTYPE_BOOL, 1, "BOOL"},
      {C2_DTYPE_UINT8, 1, "UINT8"},         {C2_DTYPE_INT8, 1, "INT8"},
      {C2_DTYPE_UINT16, 2, "UINT16"},       {C2_DTYPE_INT16, 2, "INT16"},
      {C2_DTYPE_INT64, 8, "INT64"},         {11, 0, "unknown"},
      {C2_DTYPE_FLOAT16, 2, "FLOAT16"},     {C2_DTYPE_DOUBLE, 8, "DOUBLE"},
      {14, 0, "ZERO_COLLISION_HASH"},       {15, 0, "REBATCHING_BUFFER"},
      {16, 0, "unknown"},                   {-1, 0, "unknown"},
      {1000, 0, "unknown"},
  };
  for (size_t i = 0; i < sizeof table / sizeof *table; i++) {
    ck_assert_msg(c2_dtype_size(table[i].dtype) == table[i].size, "size of dtype %d: %zu",
                  table[i].dtype, c2_dtype_size(table[i].dtype));
    ck_assert_str_eq(c2_dtype_name(table[i].dtype), table[i].name);
  }
}
END_TEST

/* ---- new / resize ---- */

START_TEST(test_new_is_empty) {
  c2_tensor *t = new_tensor();
  ck_assert(c2_tensor_is_empty(t));
  ck_assert_int_eq(c2_tensor_dtype(t), C2_DTYPE_UNDEFINED);
  ck_assert_int_eq(c2_tensor_ndim(t), 0);
  ck_assert_int_eq(c2_tensor_numel(t), 0);
  ck_assert_uint_eq(c2_tensor_nbytes(t), 0);
  ck_assert_ptr_null(c2_tensor_data(t));
  ck_assert_ptr_null(c2_tensor_data_const(t));
  ck_assert_int_eq(c2_tensor_dim(t, 0), -1);
  c2_tensor_free(t);
  c2_tensor_free(NULL); /* allowed */
}
END_TEST

START_TEST(test_resize_basic_and_aligned) {
  c2_error err;
  c2_tensor *t = new_tensor();
  const int64_t dims[] = {2, 6, 6, 10};
  EXPECT_OK(c2_tensor_resize(t, C2_DTYPE_FLOAT, 4, dims, &err), &err);
  ck_assert(!c2_tensor_is_empty(t));
  ck_assert_int_eq(c2_tensor_dtype(t), C2_DTYPE_FLOAT);
  ck_assert_int_eq(c2_tensor_ndim(t), 4);
  for (int i = 0; i < 4; i++) {
    ck_assert_int_eq(c2_tensor_dim(t, i), dims[i]);
    ck_assert_int_eq(c2_tensor_dims(t)[i], dims[i]);
  }
  ck_assert_int_eq(c2_tensor_dim(t, 4), -1);
  ck_assert_int_eq(c2_tensor_dim(t, -1), -1);
  ck_assert_int_eq(c2_tensor_numel(t), 720);
  ck_assert_uint_eq(c2_tensor_nbytes(t), 2880);
  float *data = c2_tensor_data(t);
  ck_assert_ptr_nonnull(data);
  ck_assert(aligned64(data));
  ck_assert_ptr_eq(c2_tensor_data_const(t), data);
  for (int i = 0; i < 720; i++) data[i] = (float)i; /* the whole range is writable (ASan) */
  c2_tensor_free(t);
}
END_TEST

/* Every dtype and many random shapes: the data is always 64-byte aligned and nbytes exact. */
START_TEST(test_resize_random_shapes_aligned) {
  static const c2_dtype dtypes[] = {C2_DTYPE_FLOAT, C2_DTYPE_INT32, C2_DTYPE_BYTE,
                                    C2_DTYPE_BOOL,  C2_DTYPE_UINT8, C2_DTYPE_INT8,
                                    C2_DTYPE_UINT16, C2_DTYPE_INT16, C2_DTYPE_INT64,
                                    C2_DTYPE_FLOAT16, C2_DTYPE_DOUBLE};
  test_rng rng = test_rng_make(7);
  c2_error err;
  for (int iter = 0; iter < 200; iter++) {
    c2_tensor *t = new_tensor();
    c2_dtype dtype = dtypes[test_rng_int(&rng, 0, 10)];
    int ndim = (int)test_rng_int(&rng, 1, C2_MAX_NDIM);
    int64_t dims[C2_MAX_NDIM], numel = 1;
    for (int i = 0; i < ndim; i++) {
      dims[i] = test_rng_int(&rng, 1, i < 3 ? 5 : 2);
      numel *= dims[i];
    }
    EXPECT_OK(c2_tensor_resize(t, dtype, ndim, dims, &err), &err);
    ck_assert_int_eq(c2_tensor_numel(t), numel);
    ck_assert_uint_eq(c2_tensor_nbytes(t), (size_t)numel * c2_dtype_size(dtype));
    ck_assert(aligned64(c2_tensor_data(t)));
    memset(c2_tensor_data(t), 0xab, c2_tensor_nbytes(t));
    c2_tensor_free(t);
  }
}
END_TEST

START_TEST(test_resize_reuses_storage) {
  c2_error err;
  c2_tensor *t = new_tensor();
  const int64_t big[] = {4, 4}, small[] = {2, 2}, bigger[] = {100};
  EXPECT_OK(c2_tensor_resize(t, C2_DTYPE_FLOAT, 2, big, &err), &err); /* 64 bytes */
  void *first = c2_tensor_data(t);
  /* smaller, other dtype: same storage */
  EXPECT_OK(c2_tensor_resize(t, C2_DTYPE_INT64, 2, small, &err), &err); /* 32 bytes */
  ck_assert_ptr_eq(c2_tensor_data(t), first);
  ck_assert_int_eq(c2_tensor_dtype(t), C2_DTYPE_INT64);
  ck_assert_uint_eq(c2_tensor_nbytes(t), 32);
  /* back to the original size: the capacity was kept */
  EXPECT_OK(c2_tensor_resize(t, C2_DTYPE_DOUBLE, 2, small, &err), &err); /* 32 bytes */
  EXPECT_OK(c2_tensor_resize(t, C2_DTYPE_FLOAT, 2, big, &err), &err);
  ck_assert_ptr_eq(c2_tensor_data(t), first);
  /* larger: new storage (the old block is still live while the new one is allocated) */
  EXPECT_OK(c2_tensor_resize(t, C2_DTYPE_FLOAT, 1, bigger, &err), &err);
  ck_assert_ptr_ne(c2_tensor_data(t), first);
  ck_assert(aligned64(c2_tensor_data(t)));
  ck_assert_int_eq(c2_tensor_ndim(t), 1);
  ck_assert_int_eq(c2_tensor_dim(t, 1), -1); /* old rank forgotten */
  c2_tensor_free(t);
}
END_TEST

START_TEST(test_resize_rejects_bad_rank_and_dims) {
  c2_error err;
  c2_tensor *t = new_tensor();
  const int64_t ok[] = {3, 4};
  EXPECT_OK(c2_tensor_resize(t, C2_DTYPE_FLOAT, 2, ok, &err), &err);
  void *data = c2_tensor_data(t);

  int64_t nine[C2_MAX_NDIM + 1];
  for (int i = 0; i <= C2_MAX_NDIM; i++) nine[i] = 1;
  EXPECT_STATUS(c2_tensor_resize(t, C2_DTYPE_FLOAT, C2_MAX_NDIM + 1, nine, &err), C2_ERR_LIMIT,
                &err, "rank 9");
  ck_assert_int_eq(err.code, C2_ERR_LIMIT);
  EXPECT_OK(c2_tensor_resize(t, C2_DTYPE_FLOAT, C2_MAX_NDIM, nine, &err), &err);
  ck_assert_int_eq(c2_tensor_numel(t), 1);
  EXPECT_OK(c2_tensor_resize(t, C2_DTYPE_FLOAT, 2, ok, &err), &err);
  EXPECT_STATUS(c2_tensor_resize(t, C2_DTYPE_FLOAT, -1, ok, &err), C2_ERR_LIMIT, &err, "rank -1");

  const int64_t neg[] = {2, -3};
  EXPECT_STATUS(c2_tensor_resize(t, C2_DTYPE_FLOAT, 2, neg, &err), C2_ERR_SHAPE, &err,
                "dimension 1 is negative (-3)");
  EXPECT_STATUS(c2_tensor_resize(t, C2_DTYPE_UNDEFINED, 2, ok, &err), C2_ERR_TYPE, &err,
                "UNDEFINED");
  EXPECT_STATUS(c2_tensor_resize(t, (c2_dtype)4, 2, ok, &err), C2_ERR_TYPE, &err,
                "STRING (4) cannot be stored");
  /* failed resizes leave the tensor as it was */
  ck_assert_int_eq(c2_tensor_dtype(t), C2_DTYPE_FLOAT);
  ck_assert_int_eq(c2_tensor_ndim(t), 2);
  ck_assert_int_eq(c2_tensor_dim(t, 0), 3);
  ck_assert_int_eq(c2_tensor_numel(t), 12);
  ck_assert_ptr_eq(c2_tensor_data(t), data);
  c2_tensor_free(t);
}
END_TEST

START_TEST(test_resize_overflow) {
  c2_error err;
  c2_tensor *t = new_tensor();
  /* element count overflows int64 */
  const int64_t elems[] = {INT64_C(1) << 32, INT64_C(1) << 32};
  EXPECT_STATUS(c2_tensor_resize(t, C2_DTYPE_BYTE, 2, elems, &err), C2_ERR_LIMIT, &err,
                "overflows");
  const int64_t elems3[] = {INT64_MAX / 2, 3};
  EXPECT_STATUS(c2_tensor_resize(t, C2_DTYPE_BYTE, 2, elems3, &err), C2_ERR_LIMIT, &err,
                "overflows");
  /* element count fits, byte count does not: 2^61 floats are 2^63 bytes, one more than
   * INT64_MAX (it would still fit in a 64-bit size_t) */
  const int64_t bytes[] = {INT64_C(1) << 31, INT64_C(1) << 30};
  EXPECT_STATUS(c2_tensor_resize(t, C2_DTYPE_FLOAT, 2, bytes, &err), C2_ERR_LIMIT, &err,
                "does not fit in memory");
  const int64_t dbl[] = {INT64_C(1) << 61};
  EXPECT_STATUS(c2_tensor_resize(t, C2_DTYPE_DOUBLE, 1, dbl, &err), C2_ERR_LIMIT, &err,
                "2305843009213693952 elements");
  ck_assert_int_eq(c2_tensor_numel(t), 0);
  ck_assert(c2_tensor_is_empty(t));
  c2_tensor_free(t);
}
END_TEST

START_TEST(test_zero_element_tensors) {
  c2_error err;
  c2_tensor *t = new_tensor();
  const int64_t dims[] = {3, 0, 5};
  EXPECT_OK(c2_tensor_resize(t, C2_DTYPE_FLOAT, 3, dims, &err), &err);
  ck_assert(!c2_tensor_is_empty(t)); /* has a dtype: not Caffe2's uninitialized blob */
  ck_assert_int_eq(c2_tensor_ndim(t), 3);
  ck_assert_int_eq(c2_tensor_dim(t, 1), 0);
  ck_assert_int_eq(c2_tensor_numel(t), 0);
  ck_assert_uint_eq(c2_tensor_nbytes(t), 0);
  ck_assert_ptr_null(c2_tensor_data(t));
  /* a zero dim makes any other dims harmless, wherever it is */
  const int64_t zero_first[] = {0, INT64_MAX, INT64_MAX};
  EXPECT_OK(c2_tensor_resize(t, C2_DTYPE_DOUBLE, 3, zero_first, &err), &err);
  ck_assert_int_eq(c2_tensor_numel(t), 0);
  const int64_t zero_last[] = {INT64_MAX, INT64_MAX, 0};
  EXPECT_OK(c2_tensor_resize(t, C2_DTYPE_DOUBLE, 3, zero_last, &err), &err);
  ck_assert_int_eq(c2_tensor_numel(t), 0);
  ck_assert_int_eq(c2_tensor_dim(t, 0), INT64_MAX);
  c2_tensor_free(t);
}
END_TEST

START_TEST(test_scalar_rank0) {
  c2_error err;
  c2_tensor *t = new_tensor();
  EXPECT_OK(c2_tensor_resize(t, C2_DTYPE_INT64, 0, NULL, &err), &err);
  ck_assert_int_eq(c2_tensor_ndim(t), 0);
  ck_assert_int_eq(c2_tensor_numel(t), 1);
  ck_assert_uint_eq(c2_tensor_nbytes(t), 8);
  int64_t *v = c2_tensor_data(t);
  ck_assert_ptr_nonnull(v);
  ck_assert(aligned64(v));
  *v = -42;
  ck_assert_int_eq(*(const int64_t *)c2_tensor_data_const(t), -42);
  char buf[16];
  ck_assert_str_eq(c2_tensor_shape_string(t, buf, sizeof buf), "[]");
  c2_tensor_free(t);
}
END_TEST

/* ---- resize_like / copy / reset / same_shape ---- */

START_TEST(test_resize_like) {
  c2_error err;
  c2_tensor *like = new_tensor(), *t = new_tensor();
  EXPECT_STATUS(c2_tensor_resize_like(t, like, &err), C2_ERR_INVALID_ARGUMENT, &err,
                "empty tensor");
  const int64_t dims[] = {2, 3, 4};
  EXPECT_OK(c2_tensor_resize(like, C2_DTYPE_INT16, 3, dims, &err), &err);
  EXPECT_OK(c2_tensor_resize_like(t, like, &err), &err);
  ck_assert_int_eq(c2_tensor_dtype(t), C2_DTYPE_INT16);
  ck_assert(c2_tensor_same_shape(t, like));
  ck_assert_uint_eq(c2_tensor_nbytes(t), 48);
  ck_assert_ptr_ne(c2_tensor_data(t), c2_tensor_data(like));
  c2_tensor_free(like);
  c2_tensor_free(t);
}
END_TEST

START_TEST(test_copy) {
  c2_error err;
  test_rng rng = test_rng_make(11);
  c2_tensor *src = new_tensor(), *dst = new_tensor();
  const int64_t dims[] = {3, 5};
  EXPECT_OK(c2_tensor_resize(src, C2_DTYPE_DOUBLE, 2, dims, &err), &err);
  double *s = c2_tensor_data(src);
  for (int i = 0; i < 15; i++) s[i] = test_rng_normal(&rng);
  /* dst starts with other, larger contents: its storage is reused */
  const int64_t big[] = {64};
  EXPECT_OK(c2_tensor_resize(dst, C2_DTYPE_FLOAT, 1, big, &err), &err);
  void *dst_data = c2_tensor_data(dst);
  EXPECT_OK(c2_tensor_copy(dst, src, &err), &err);
  ck_assert_ptr_eq(c2_tensor_data(dst), dst_data);
  ck_assert_int_eq(c2_tensor_dtype(dst), C2_DTYPE_DOUBLE);
  ck_assert(c2_tensor_same_shape(dst, src));
  ck_assert_mem_eq(c2_tensor_data(dst), s, 15 * sizeof(double));
  /* deep: changing the source afterwards does not change the copy */
  double before = ((double *)c2_tensor_data(dst))[0];
  s[0] += 1.0;
  ck_assert(((double *)c2_tensor_data(dst))[0] == before);
  /* copy onto itself is a no-op */
  EXPECT_OK(c2_tensor_copy(src, src, &err), &err);
  ck_assert_ptr_eq(c2_tensor_data(src), s);
  ck_assert(s[0] == before + 1.0);
  /* copying an empty tensor empties the destination */
  c2_tensor *empty = new_tensor();
  EXPECT_OK(c2_tensor_copy(dst, empty, &err), &err);
  ck_assert(c2_tensor_is_empty(dst));
  ck_assert_int_eq(c2_tensor_numel(dst), 0);
  ck_assert_ptr_null(c2_tensor_data(dst));
  c2_tensor_free(empty);
  c2_tensor_free(src);
  c2_tensor_free(dst);
}
END_TEST

START_TEST(test_reset) {
  c2_error err;
  c2_tensor *t = new_tensor();
  const int64_t dims[] = {4, 4};
  EXPECT_OK(c2_tensor_resize(t, C2_DTYPE_INT32, 2, dims, &err), &err);
  c2_tensor_reset(t);
  ck_assert(c2_tensor_is_empty(t));
  ck_assert_int_eq(c2_tensor_ndim(t), 0);
  ck_assert_int_eq(c2_tensor_numel(t), 0);
  ck_assert_uint_eq(c2_tensor_nbytes(t), 0);
  ck_assert_ptr_null(c2_tensor_data(t));
  /* usable again */
  EXPECT_OK(c2_tensor_resize(t, C2_DTYPE_INT32, 2, dims, &err), &err);
  ck_assert_int_eq(c2_tensor_numel(t), 16);
  ck_assert(aligned64(c2_tensor_data(t)));
  c2_tensor_free(t);
}
END_TEST

START_TEST(test_same_shape) {
  c2_error err;
  c2_tensor *a = new_tensor(), *b = new_tensor();
  ck_assert(c2_tensor_same_shape(a, b)); /* both rank 0 */
  const int64_t d23[] = {2, 3}, d32[] = {3, 2}, d231[] = {2, 3, 1};
  EXPECT_OK(c2_tensor_resize(a, C2_DTYPE_FLOAT, 2, d23, &err), &err);
  EXPECT_OK(c2_tensor_resize(b, C2_DTYPE_INT64, 2, d23, &err), &err);
  ck_assert(c2_tensor_same_shape(a, b)); /* the dtype does not matter */
  EXPECT_OK(c2_tensor_resize(b, C2_DTYPE_FLOAT, 2, d32, &err), &err);
  ck_assert(!c2_tensor_same_shape(a, b));
  EXPECT_OK(c2_tensor_resize(b, C2_DTYPE_FLOAT, 3, d231, &err), &err);
  ck_assert(!c2_tensor_same_shape(a, b)); /* same numel, other rank */
  ck_assert(!c2_tensor_same_shape(b, a));
  c2_tensor_free(a);
  c2_tensor_free(b);
}
END_TEST

START_TEST(test_shape_string) {
  c2_error err;
  c2_tensor *t = new_tensor();
  char buf[64];
  ck_assert_str_eq(c2_tensor_shape_string(t, buf, sizeof buf), "[]");
  const int64_t dims[] = {2, 6, 6, 10};
  EXPECT_OK(c2_tensor_resize(t, C2_DTYPE_FLOAT, 4, dims, &err), &err);
  const char *full = "[2, 6, 6, 10]";
  ck_assert_ptr_eq(c2_tensor_shape_string(t, buf, sizeof buf), buf);
  ck_assert_str_eq(buf, full);
  /* every smaller buffer holds a NUL-terminated prefix of the full text */
  for (size_t size = 1; size <= strlen(full); size++) {
    char small[32];
    memset(small, 'x', sizeof small);
    c2_tensor_shape_string(t, small, size);
    ck_assert_msg(strlen(small) == size - 1, "size %zu gave '%s'", size, small);
    ck_assert_msg(strncmp(small, full, size - 1) == 0, "size %zu gave '%s'", size, small);
    ck_assert_msg(small[size] == 'x', "size %zu: wrote past the buffer", size);
  }
  buf[0] = 'x';
  c2_tensor_shape_string(t, buf, 0); /* nothing written */
  ck_assert_int_eq(buf[0], 'x');
  const int64_t big[] = {INT64_MAX, 0};
  EXPECT_OK(c2_tensor_resize(t, C2_DTYPE_FLOAT, 2, big, &err), &err);
  ck_assert_str_eq(c2_tensor_shape_string(t, buf, sizeof buf), "[9223372036854775807, 0]");
  c2_tensor_free(t);
}
END_TEST

START_TEST(test_dims_numel) {
  c2_error err;
  int64_t n = -1;
  EXPECT_OK(c2_dims_numel(0, NULL, &n, &err), &err);
  ck_assert_int_eq(n, 1);
  const int64_t d[] = {2, 3, 4};
  EXPECT_OK(c2_dims_numel(3, d, &n, &err), &err);
  ck_assert_int_eq(n, 24);
  const int64_t maxed[] = {INT64_MAX, 1};
  EXPECT_OK(c2_dims_numel(2, maxed, &n, &err), &err);
  ck_assert_int_eq(n, INT64_MAX);
  const int64_t over[] = {INT64_C(3037000500), INT64_C(3037000500)}; /* just above sqrt(2^63) */
  EXPECT_STATUS(c2_dims_numel(2, over, &n, &err), C2_ERR_LIMIT, &err, "overflows");
  const int64_t at[] = {INT64_C(3037000499), INT64_C(3037000499)};
  EXPECT_OK(c2_dims_numel(2, at, &n, &err), &err);
  ck_assert_int_eq(n, INT64_C(3037000499) * INT64_C(3037000499));
  /* the kind of error does not depend on where the bad dim is */
  const int64_t neg_first[] = {-1, INT64_MAX, INT64_MAX};
  const int64_t neg_last[] = {INT64_MAX, INT64_MAX, -1};
  EXPECT_STATUS(c2_dims_numel(3, neg_first, &n, &err), C2_ERR_SHAPE, &err, "dimension 0");
  EXPECT_STATUS(c2_dims_numel(3, neg_last, &n, &err), C2_ERR_SHAPE, &err, "dimension 2");
  EXPECT_STATUS(c2_dims_numel(C2_MAX_NDIM + 1, d, &n, &err), C2_ERR_LIMIT, &err, "0..8");
  ck_assert_int_eq(c2_dims_numel(3, d, &n, NULL), C2_OK); /* err may be NULL */
  ck_assert_int_eq(c2_dims_numel(2, over, &n, NULL), C2_ERR_LIMIT);
  /* random small shapes against a plain product */
  test_rng rng = test_rng_make(3);
  for (int iter = 0; iter < 500; iter++) {
    int ndim = (int)test_rng_int(&rng, 0, C2_MAX_NDIM);
    int64_t dims[C2_MAX_NDIM], want = 1;
    for (int i = 0; i < ndim; i++) {
      dims[i] = test_rng_int(&rng, 0, 9);
      want *= dims[i];
    }
    EXPECT_OK(c2_dims_numel(ndim, dims, &n, &err), &err);
    ck_assert_int_eq(n, want);
  }
}
END_TEST

/* ---- status helpers ---- */

START_TEST(test_status_names) {
  int count = 0;
#define CHECK_STATUS(name, value, text)                       \
  ck_assert_int_eq((int)name, value);                         \
  ck_assert_str_eq(c2_status_name(name), #name);              \
  ck_assert_str_eq(c2_status_string(name), text);             \
  count++;
  C2_STATUS_MAP(CHECK_STATUS)
#undef CHECK_STATUS
  ck_assert_int_eq(count, 16);
  /* values outside the map (kept inside the enum's range, so that UBSan has no say) */
  ck_assert_str_eq(c2_status_name((c2_status)-16), "C2_ERR_UNKNOWN");
  ck_assert_str_eq(c2_status_string((c2_status)-16), "unknown status");
  ck_assert_str_eq(c2_status_name((c2_status)1), "C2_ERR_UNKNOWN");
  ck_assert_str_eq(c2_status_string((c2_status)1), "unknown status");
}
END_TEST

START_TEST(test_error_set_and_clear) {
  c2_error err;
  ck_assert_int_eq(c2_error_set(NULL, C2_ERR_SHAPE, "ignored %d", 1), C2_ERR_SHAPE);
  ck_assert_int_eq(c2_error_set(&err, C2_ERR_TYPE, "op #%d (%s): bad", 3, "LRN"), C2_ERR_TYPE);
  ck_assert_int_eq(err.code, C2_ERR_TYPE);
  ck_assert_str_eq(err.message, "op #3 (LRN): bad");
  c2_error_clear(&err);
  ck_assert_int_eq(err.code, C2_OK);
  ck_assert_str_eq(err.message, "");
  c2_error_clear(NULL);
  /* a message longer than the buffer is cut, NUL-terminated */
  char *long_text = malloc(3000);
  ck_assert_ptr_nonnull(long_text);
  memset(long_text, 'a', 2999);
  long_text[2999] = '\0';
  c2_error_set(&err, C2_ERR_PARSE, "%s", long_text);
  ck_assert_uint_eq(strlen(err.message), C2_ERROR_MESSAGE_SIZE - 1);
  ck_assert_int_eq(err.message[C2_ERROR_MESSAGE_SIZE - 2], 'a');
  free(long_text);
}
END_TEST

START_TEST(test_error_prefix) {
  c2_error err;
  c2_error_set(&err, C2_ERR_SHAPE, "argument 'size' must be odd");
  c2_error_prefix(&err, "op #%d (%s): ", 3, "LRN");
  ck_assert_str_eq(err.message, "op #3 (LRN): argument 'size' must be odd");
  ck_assert_int_eq(err.code, C2_ERR_SHAPE); /* code unchanged */
  c2_error_prefix(&err, "%s", ""); /* empty prefix: unchanged */
  ck_assert_str_eq(err.message, "op #3 (LRN): argument 'size' must be odd");
  c2_error_prefix(NULL, "x");
  c2_error_clear(&err);
  c2_error_prefix(&err, "net '%s': ", "n");
  ck_assert_str_eq(err.message, "net 'n': ");
}
END_TEST

START_TEST(test_error_prefix_truncation) {
  c2_error err;
  char text[C2_ERROR_MESSAGE_SIZE];
  /* a full message: the prefix is kept whole and the message's end is cut */
  for (size_t i = 0; i < sizeof text - 1; i++) text[i] = (char)('a' + i % 26);
  text[sizeof text - 1] = '\0';
  c2_error_set(&err, C2_ERR_LIMIT, "%s", text);
  ck_assert_uint_eq(strlen(err.message), C2_ERROR_MESSAGE_SIZE - 1);
  c2_error_prefix(&err, "op #12 (LRN): ");
  size_t plen = strlen("op #12 (LRN): ");
  ck_assert_uint_eq(strlen(err.message), C2_ERROR_MESSAGE_SIZE - 1);
  ck_assert(strncmp(err.message, "op #12 (LRN): ", plen) == 0);
  ck_assert(strncmp(err.message + plen, text, C2_ERROR_MESSAGE_SIZE - 1 - plen) == 0);
  /* a message that just fits with the prefix is kept whole */
  c2_error_set(&err, C2_ERR_LIMIT, "%.*s", (int)(C2_ERROR_MESSAGE_SIZE - 1 - 4), text);
  c2_error_prefix(&err, "abc:");
  ck_assert_uint_eq(strlen(err.message), C2_ERROR_MESSAGE_SIZE - 1);
  ck_assert_int_eq(err.message[C2_ERROR_MESSAGE_SIZE - 2], text[C2_ERROR_MESSAGE_SIZE - 1 - 4 - 1]);
  /* a very long prefix is cut to the library's prefix buffer but never overruns */
  char long_prefix[600];
  memset(long_prefix, 'P', sizeof long_prefix - 1);
  long_prefix[sizeof long_prefix - 1] = '\0';
  c2_error_set(&err, C2_ERR_LIMIT, "%s", text);
  c2_error_prefix(&err, "%s", long_prefix);
  size_t len = strlen(err.message);
  ck_assert_uint_eq(len, C2_ERROR_MESSAGE_SIZE - 1);
  size_t ps = strspn(err.message, "P");
  ck_assert_msg(ps >= 200 && ps < 600, "prefix of %zu P's", ps);
  ck_assert(strncmp(err.message + ps, text, len - ps) == 0);
}
END_TEST

static Suite *make_suite(void) {
  Suite *s = suite_create("tensor");
  TCase *tc = tcase_create("dtype");
  tcase_add_test(tc, test_dtype_size_and_name);
  suite_add_tcase(s, tc);

  tc = tcase_create("resize");
  tcase_add_test(tc, test_new_is_empty);
  tcase_add_test(tc, test_resize_basic_and_aligned);
  tcase_add_test(tc, test_resize_random_shapes_aligned);
  tcase_add_test(tc, test_resize_reuses_storage);
  tcase_add_test(tc, test_resize_rejects_bad_rank_and_dims);
  tcase_add_test(tc, test_resize_overflow);
  tcase_add_test(tc, test_zero_element_tensors);
  tcase_add_test(tc, test_scalar_rank0);
  suite_add_tcase(s, tc);

  tc = tcase_create("ops");
  tcase_add_test(tc, test_resize_like);
  tcase_add_test(tc, test_copy);
  tcase_add_test(tc, test_reset);
  tcase_add_test(tc, test_same_shape);
  tcase_add_test(tc, test_shape_string);
  tcase_add_test(tc, test_dims_numel);
  suite_add_tcase(s, tc);

  tc = tcase_create("status");
  tcase_add_test(tc, test_status_names);
  tcase_add_test(tc, test_error_set_and_clear);
  tcase_add_test(tc, test_error_prefix);
  tcase_add_test(tc, test_error_prefix_truncation);
  suite_add_tcase(s, tc);
  return s;
}

int main(void) { return test_run_suite(make_suite()); }
