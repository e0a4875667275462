/* Typed argument access with Caffe2's rule that a value is read only from the field of its type
 * (ArgumentHelper::GetSingleArgument), plus the duplicate-argument check. */
#include <limits.h>
#include <math.h>
#include <stdio.h>

#include "c2rt/proto.h"
#include "test_util.h"

static c2_opdef *new_op(void) {
  c2_error err;
  c2_opdef *op = NULL;
  EXPECT_OK(c2_opdef_new("Test", 0, NULL, 0, NULL, &op, &err), &err);
  return op;
}

/* The Argument message of op named `name` (first one). */
static Caffe2__Argument *raw_arg(c2_opdef *op, const char *name) {
  for (size_t i = 0; i < op->n_arg; i++)
    if (strcmp(op->arg[i]->name, name) == 0) return op->arg[i];
  ck_abort_msg("no argument '%s'", name);
  return NULL;
}

/* ---- single values ---- */

START_TEST(test_get_int) {
  c2_error err;
  c2_opdef *op = new_op();
  EXPECT_OK(c2_opdef_add_arg_int(op, "n", 42, &err), &err);
  EXPECT_OK(c2_opdef_add_arg_int(op, "neg", -7, &err), &err);
  EXPECT_OK(c2_opdef_add_arg_int(op, "max", INT64_MAX, &err), &err);
  EXPECT_OK(c2_opdef_add_arg_float(op, "f", 1.5f, &err), &err);
  int64_t v = 0;
  EXPECT_OK(c2_arg_get_int(op, "n", 0, &v, &err), &err);
  ck_assert_int_eq(v, 42);
  EXPECT_OK(c2_arg_get_int(op, "neg", 0, &v, &err), &err);
  ck_assert_int_eq(v, -7);
  EXPECT_OK(c2_arg_get_int(op, "max", 0, &v, &err), &err);
  ck_assert_int_eq(v, INT64_MAX);
  EXPECT_OK(c2_arg_get_int(op, "absent", -13, &v, &err), &err);
  ck_assert_int_eq(v, -13);
  /* an int read from a float argument: an error, never a conversion */
  EXPECT_STATUS(c2_arg_get_int(op, "f", 0, &v, &err), C2_ERR_TYPE, &err,
                "argument 'f' must be an int (field i), but it is stored as a float (field f)");
  ck_assert(c2_arg_has(op, "n"));
  ck_assert(c2_arg_has(op, "f"));
  ck_assert(!c2_arg_has(op, "absent"));
  ck_assert(!c2_arg_has(op, "N"));
  c2_opdef_free(op);
}
END_TEST

START_TEST(test_get_int32_range) {
  c2_error err;
  c2_opdef *op = new_op();
  EXPECT_OK(c2_opdef_add_arg_int(op, "imax", INT_MAX, &err), &err);
  EXPECT_OK(c2_opdef_add_arg_int(op, "imin", INT_MIN, &err), &err);
  EXPECT_OK(c2_opdef_add_arg_int(op, "over", (int64_t)INT_MAX + 1, &err), &err);
  EXPECT_OK(c2_opdef_add_arg_int(op, "under", (int64_t)INT_MIN - 1, &err), &err);
  EXPECT_OK(c2_opdef_add_arg_float(op, "f", 2.0f, &err), &err);
  int v = 0;
  EXPECT_OK(c2_arg_get_int32(op, "imax", 0, &v, &err), &err);
  ck_assert_int_eq(v, INT_MAX);
  EXPECT_OK(c2_arg_get_int32(op, "imin", 0, &v, &err), &err);
  ck_assert_int_eq(v, INT_MIN);
  EXPECT_OK(c2_arg_get_int32(op, "absent", -5, &v, &err), &err);
  ck_assert_int_eq(v, -5);
  EXPECT_STATUS(c2_arg_get_int32(op, "over", 0, &v, &err), C2_ERR_INVALID_ARGUMENT, &err,
                "value 2147483648 of argument 'over' cannot be represented");
  EXPECT_STATUS(c2_arg_get_int32(op, "under", 0, &v, &err), C2_ERR_INVALID_ARGUMENT, &err,
                "value -2147483649 of argument 'under' cannot be represented");
  EXPECT_STATUS(c2_arg_get_int32(op, "f", 0, &v, &err), C2_ERR_TYPE, &err, "(field i)");
  c2_opdef_free(op);
}
END_TEST

START_TEST(test_get_bool) {
  c2_error err;
  c2_opdef *op = new_op();
  EXPECT_OK(c2_opdef_add_arg_int(op, "zero", 0, &err), &err);
  EXPECT_OK(c2_opdef_add_arg_int(op, "one", 1, &err), &err);
  EXPECT_OK(c2_opdef_add_arg_int(op, "seven", 7, &err), &err);
  EXPECT_OK(c2_opdef_add_arg_int(op, "minus", -1, &err), &err);
  EXPECT_OK(c2_opdef_add_arg_float(op, "f", 1.0f, &err), &err);
  bool b = true;
  EXPECT_OK(c2_arg_get_bool(op, "zero", true, &b, &err), &err);
  ck_assert(!b);
  EXPECT_OK(c2_arg_get_bool(op, "one", false, &b, &err), &err);
  ck_assert(b);
  b = false;
  EXPECT_OK(c2_arg_get_bool(op, "seven", false, &b, &err), &err);
  ck_assert(b);
  b = false;
  EXPECT_OK(c2_arg_get_bool(op, "minus", false, &b, &err), &err);
  ck_assert(b);
  EXPECT_OK(c2_arg_get_bool(op, "absent", true, &b, &err), &err);
  ck_assert(b);
  EXPECT_OK(c2_arg_get_bool(op, "absent", false, &b, &err), &err);
  ck_assert(!b);
  /* a bool is an int in Caffe2: 1.0f is not accepted */
  EXPECT_STATUS(c2_arg_get_bool(op, "f", false, &b, &err), C2_ERR_TYPE, &err,
                "stored as a float (field f)");
  c2_opdef_free(op);
}
END_TEST

START_TEST(test_get_float) {
  c2_error err;
  c2_opdef *op = new_op();
  EXPECT_OK(c2_opdef_add_arg_float(op, "alpha", 1e-4f, &err), &err);
  EXPECT_OK(c2_opdef_add_arg_float(op, "neg", -0.75f, &err), &err);
  EXPECT_OK(c2_opdef_add_arg_float(op, "inf", INFINITY, &err), &err);
  float v = 0;
  EXPECT_OK(c2_arg_get_float(op, "alpha", 0, &v, &err), &err);
  ck_assert(v == 1e-4f);
  EXPECT_OK(c2_arg_get_float(op, "neg", 0, &v, &err), &err);
  ck_assert(v == -0.75f);
  EXPECT_OK(c2_arg_get_float(op, "inf", 0, &v, &err), &err);
  ck_assert(isinf(v) && v > 0);
  EXPECT_OK(c2_arg_get_float(op, "absent", 0.5f, &v, &err), &err);
  ck_assert(v == 0.5f);
  /* random values come back bit-exact */
  test_rng rng = test_rng_make(29);
  for (int i = 0; i < 50; i++) {
    char name[16];
    snprintf(name, sizeof name, "r%d", i);
    float want = (float)(test_rng_normal(&rng) * 1e3);
    EXPECT_OK(c2_opdef_add_arg_float(op, name, want, &err), &err);
    EXPECT_OK(c2_arg_get_float(op, name, 0, &v, &err), &err);
    ck_assert_mem_eq(&v, &want, sizeof v);
  }
  c2_opdef_free(op);
}
END_TEST

/* The Caffe2 rule at the heart of the LRN "alpha: i 1" case: a float argument written as an
 * int is an error that names both fields, and the other way round. */
START_TEST(test_float_stored_as_int_is_an_error) {
  c2_error err;
  c2_opdef *op = new_op();
  EXPECT_OK(c2_opdef_add_arg_int(op, "alpha", 1, &err), &err);
  EXPECT_OK(c2_opdef_add_arg_float(op, "size", 5.0f, &err), &err);
  EXPECT_OK(c2_opdef_add_arg_string(op, "order", "NCHW", &err), &err);
  const float fl[] = {1.0f};
  const int64_t il[] = {1};
  EXPECT_OK(c2_opdef_add_arg_floats(op, "fl", fl, 1, &err), &err);
  EXPECT_OK(c2_opdef_add_arg_ints(op, "il", il, 1, &err), &err);
  float f = 123.0f;
  int64_t i = 123;
  EXPECT_STATUS(c2_arg_get_float(op, "alpha", 0.5f, &f, &err), C2_ERR_TYPE, &err,
                "must be a float (field f)");
  ck_assert_int_eq(err.code, C2_ERR_TYPE);
  ck_assert_ptr_nonnull(strstr(err.message, "stored as an int (field i)"));
  ck_assert_ptr_nonnull(strstr(err.message, "'alpha'"));
  EXPECT_STATUS(c2_arg_get_int(op, "size", 3, &i, &err), C2_ERR_TYPE, &err,
                "must be an int (field i)");
  ck_assert_ptr_nonnull(strstr(err.message, "stored as a float (field f)"));
  EXPECT_STATUS(c2_arg_get_float(op, "order", 0, &f, &err), C2_ERR_TYPE, &err,
                "stored as a string (field s)");
  EXPECT_STATUS(c2_arg_get_float(op, "fl", 0, &f, &err), C2_ERR_TYPE, &err,
                "stored as a list of floats (field floats)");
  EXPECT_STATUS(c2_arg_get_int(op, "il", 0, &i, &err), C2_ERR_TYPE, &err,
                "stored as a list of ints (field ints)");
  c2_opdef_free(op);
}
END_TEST

START_TEST(test_get_string) {
  c2_error err;
  c2_opdef *op = new_op();
  EXPECT_OK(c2_opdef_add_arg_string(op, "order", "NCHW", &err), &err);
  EXPECT_OK(c2_opdef_add_arg_string(op, "s7", "1234567", &err), &err);
  EXPECT_OK(c2_opdef_add_arg_string(op, "s8", "12345678", &err), &err);
  EXPECT_OK(c2_opdef_add_arg_string(op, "empty", "", &err), &err);
  EXPECT_OK(c2_opdef_add_arg_string(op, "nul", "abcdef", &err), &err);
  EXPECT_OK(c2_opdef_add_arg_int(op, "i", 3, &err), &err);
  raw_arg(op, "nul")->s.data[2] = '\0'; /* "ab\0def": possible in a hostile file */
  char buf[8];
  EXPECT_OK(c2_arg_get_string(op, "order", "x", buf, sizeof buf, &err), &err);
  ck_assert_str_eq(buf, "NCHW");
  EXPECT_OK(c2_arg_get_string(op, "s7", "x", buf, sizeof buf, &err), &err); /* exact fit */
  ck_assert_str_eq(buf, "1234567");
  EXPECT_STATUS(c2_arg_get_string(op, "s8", "x", buf, sizeof buf, &err), C2_ERR_INVALID_ARGUMENT,
                &err, "argument 's8' is 8 bytes long, more than the 7");
  EXPECT_OK(c2_arg_get_string(op, "empty", "x", buf, sizeof buf, &err), &err);
  ck_assert_str_eq(buf, "");
  EXPECT_STATUS(c2_arg_get_string(op, "nul", "x", buf, sizeof buf, &err), C2_ERR_INVALID_ARGUMENT,
                &err, "argument 'nul' holds a NUL byte");
  EXPECT_STATUS(c2_arg_get_string(op, "i", "x", buf, sizeof buf, &err), C2_ERR_TYPE, &err,
                "must be a string (field s), but it is stored as an int (field i)");
  /* defaults */
  EXPECT_OK(c2_arg_get_string(op, "absent", "NHWC", buf, sizeof buf, &err), &err);
  ck_assert_str_eq(buf, "NHWC");
  EXPECT_OK(c2_arg_get_string(op, "absent", NULL, buf, sizeof buf, &err), &err);
  ck_assert_str_eq(buf, "");
  EXPECT_STATUS(c2_arg_get_string(op, "absent", "far too long", buf, sizeof buf, &err),
                C2_ERR_INVALID_ARGUMENT, &err, "'absent'");
  char one[1];
  EXPECT_OK(c2_arg_get_string(op, "empty", "x", one, sizeof one, &err), &err);
  ck_assert_int_eq(one[0], '\0');
  c2_opdef_free(op);
}
END_TEST

START_TEST(test_get_bytes) {
  c2_error err;
  c2_opdef *op = new_op();
  EXPECT_OK(c2_opdef_add_arg_string(op, "raw", "abcdef", &err), &err);
  EXPECT_OK(c2_opdef_add_arg_float(op, "f", 1.0f, &err), &err);
  Caffe2__Argument *a = raw_arg(op, "raw");
  a->s.data[2] = '\0'; /* bytes may hold NULs */
  const uint8_t *data = NULL;
  size_t len = 0;
  EXPECT_OK(c2_arg_get_bytes(op, "raw", &data, &len, &err), &err);
  ck_assert_uint_eq(len, 6);
  ck_assert_ptr_eq(data, a->s.data); /* borrowed */
  ck_assert_mem_eq(data, "ab\0def", 6);
  data = (const uint8_t *)"junk";
  len = 77;
  EXPECT_OK(c2_arg_get_bytes(op, "absent", &data, &len, &err), &err);
  ck_assert_ptr_null(data);
  ck_assert_uint_eq(len, 0);
  EXPECT_STATUS(c2_arg_get_bytes(op, "f", &data, &len, &err), C2_ERR_TYPE, &err,
                "must be a string (field s)");
  c2_opdef_free(op);
}
END_TEST

/* ---- lists ---- */

START_TEST(test_get_ints) {
  c2_error err;
  c2_opdef *op = new_op();
  const int64_t want[] = {1, -2, INT64_MAX, INT64_MIN};
  EXPECT_OK(c2_opdef_add_arg_ints(op, "pads", want, 4, &err), &err);
  EXPECT_OK(c2_opdef_add_arg_ints(op, "none", NULL, 0, &err), &err);
  EXPECT_OK(c2_opdef_add_arg_int(op, "scalar", 3, &err), &err);
  const float fl[] = {1.0f, 2.0f};
  EXPECT_OK(c2_opdef_add_arg_floats(op, "fl", fl, 2, &err), &err);
  const int64_t *v = NULL;
  size_t n = 0;
  EXPECT_OK(c2_arg_get_ints(op, "pads", &v, &n, &err), &err);
  ck_assert_uint_eq(n, 4);
  ck_assert_mem_eq(v, want, sizeof want);
  ck_assert_ptr_eq(v, raw_arg(op, "pads")->ints); /* borrowed */
  /* an empty list is a valid list */
  EXPECT_OK(c2_arg_get_ints(op, "none", &v, &n, &err), &err);
  ck_assert_uint_eq(n, 0);
  v = want;
  n = 9;
  EXPECT_OK(c2_arg_get_ints(op, "absent", &v, &n, &err), &err);
  ck_assert_ptr_null(v);
  ck_assert_uint_eq(n, 0);
  EXPECT_STATUS(c2_arg_get_ints(op, "scalar", &v, &n, &err), C2_ERR_TYPE, &err,
                "must be a list of ints (field ints), but it is stored as an int (field i)");
  EXPECT_STATUS(c2_arg_get_ints(op, "fl", &v, &n, &err), C2_ERR_TYPE, &err,
                "stored as a list of floats (field floats)");
  c2_opdef_free(op);
}
END_TEST

START_TEST(test_get_floats) {
  c2_error err;
  c2_opdef *op = new_op();
  test_rng rng = test_rng_make(31);
  float want[20];
  for (int i = 0; i < 20; i++) want[i] = (float)test_rng_uniform(&rng, -10, 10);
  EXPECT_OK(c2_opdef_add_arg_floats(op, "scales", want, 20, &err), &err);
  EXPECT_OK(c2_opdef_add_arg_floats(op, "none", NULL, 0, &err), &err);
  EXPECT_OK(c2_opdef_add_arg_float(op, "scalar", 3.0f, &err), &err);
  const int64_t il[] = {1};
  EXPECT_OK(c2_opdef_add_arg_ints(op, "il", il, 1, &err), &err);
  const float *v = NULL;
  size_t n = 0;
  EXPECT_OK(c2_arg_get_floats(op, "scales", &v, &n, &err), &err);
  ck_assert_uint_eq(n, 20);
  ck_assert_mem_eq(v, want, sizeof want);
  EXPECT_OK(c2_arg_get_floats(op, "none", &v, &n, &err), &err);
  ck_assert_uint_eq(n, 0);
  v = want;
  n = 9;
  EXPECT_OK(c2_arg_get_floats(op, "absent", &v, &n, &err), &err);
  ck_assert_ptr_null(v);
  ck_assert_uint_eq(n, 0);
  EXPECT_STATUS(c2_arg_get_floats(op, "scalar", &v, &n, &err), C2_ERR_TYPE, &err,
                "must be a list of floats (field floats), but it is stored as a float (field f)");
  EXPECT_STATUS(c2_arg_get_floats(op, "il", &v, &n, &err), C2_ERR_TYPE, &err,
                "stored as a list of ints (field ints)");
  c2_opdef_free(op);
}
END_TEST

/* ---- duplicates (ArgumentHelper's constructor) ---- */

START_TEST(test_check_unique) {
  c2_error err;
  c2_opdef *op = new_op();
  EXPECT_OK(c2_args_check_unique(op, &err), &err); /* no arguments */
  EXPECT_OK(c2_opdef_add_arg_int(op, "size", 5, &err), &err);
  EXPECT_OK(c2_opdef_add_arg_float(op, "alpha", 1e-4f, &err), &err);
  EXPECT_OK(c2_opdef_add_arg_string(op, "order", "NCHW", &err), &err);
  EXPECT_OK(c2_args_check_unique(op, &err), &err);
  /* identical duplicates are fine (Caffe2 only warns) */
  EXPECT_OK(c2_opdef_add_arg_int(op, "size", 5, &err), &err);
  EXPECT_OK(c2_opdef_add_arg_string(op, "order", "NCHW", &err), &err);
  EXPECT_OK(c2_args_check_unique(op, &err), &err);
  /* same name, other value */
  EXPECT_OK(c2_opdef_add_arg_float(op, "alpha", 2e-4f, &err), &err);
  EXPECT_STATUS(c2_args_check_unique(op, &err), C2_ERR_INVALID_ARGUMENT, &err,
                "found argument of the same name 'alpha' but with different contents");
  ck_assert_uint_eq(c2_opdef_remove_arg(op, "alpha"), 2);
  EXPECT_OK(c2_args_check_unique(op, &err), &err);
  /* same name and number, other field: different */
  EXPECT_OK(c2_opdef_add_arg_float(op, "size", 5.0f, &err), &err);
  EXPECT_STATUS(c2_args_check_unique(op, &err), C2_ERR_INVALID_ARGUMENT, &err,
                "same name 'size'");
  c2_opdef_free(op);
}
END_TEST

/* Identical duplicates of any size are fine, and a difference anywhere in a long list is
 * found. */
START_TEST(test_check_unique_long_lists) {
  c2_error err;
  c2_opdef *op = new_op();
  int64_t values[300];
  test_rng rng = test_rng_make(37);
  for (int i = 0; i < 300; i++) values[i] = test_rng_int(&rng, -1000000, 1000000);
  EXPECT_OK(c2_opdef_add_arg_ints(op, "kernels", values, 300, &err), &err);
  EXPECT_OK(c2_opdef_add_arg_ints(op, "kernels", values, 300, &err), &err);
  EXPECT_OK(c2_args_check_unique(op, &err), &err);
  values[299] += 1;
  EXPECT_OK(c2_opdef_add_arg_ints(op, "kernels", values, 300, &err), &err);
  EXPECT_STATUS(c2_args_check_unique(op, &err), C2_ERR_INVALID_ARGUMENT, &err,
                "same name 'kernels'");
  c2_opdef_free(op);
}
END_TEST

static Suite *make_suite(void) {
  Suite *s = suite_create("argument");
  TCase *tc = tcase_create("single");
  tcase_add_test(tc, test_get_int);
  tcase_add_test(tc, test_get_int32_range);
  tcase_add_test(tc, test_get_bool);
  tcase_add_test(tc, test_get_float);
  tcase_add_test(tc, test_float_stored_as_int_is_an_error);
  tcase_add_test(tc, test_get_string);
  tcase_add_test(tc, test_get_bytes);
  suite_add_tcase(s, tc);

  tc = tcase_create("lists");
  tcase_add_test(tc, test_get_ints);
  tcase_add_test(tc, test_get_floats);
  suite_add_tcase(s, tc);

  tc = tcase_create("unique");
  tcase_add_test(tc, test_check_unique);
  tcase_add_test(tc, test_check_unique_long_lists);
  suite_add_tcase(s, tc);
  return s;
}

int main(void) { return test_run_suite(make_suite()); }
