/* ConstantFill: every way of giving the shape, every dtype, inference, and every input it must
 * reject. */
#include <float.h>

#include "op_helpers.h"

static c2_workspace *ws_with_x(void) {
  c2_workspace *ws = ws_new();
  const int64_t dims[2] = {2, 3};
  const float x[6] = {1, 2, 3, 4, 5, 6};
  feed_f(ws, "X", 2, dims, x);
  return ws;
}

START_TEST(test_shape_argument) {
  c2_workspace *ws = ws_new();
  c2_error err;
  c2_opdef *op = op_new("ConstantFill", "", "Y");
  const int64_t shape[3] = {2, 0, 3}, shape2[2] = {2, 3};
  EXPECT_OK(c2_opdef_add_arg_ints(op, "shape", shape2, 2, &err), &err);
  EXPECT_OK(c2_opdef_add_arg_float(op, "value", 1.5f, &err), &err);
  run_op(ws, op);
  expect_shape(ws, "Y", 2, shape2);
  for (int i = 0; i < 6; i++) ck_assert(blob_f(ws, "Y")[i] == 1.5f);
  /* No arguments at all: a FLOAT scalar 0. */
  run_op(ws, op_new("ConstantFill", "", "S"));
  ck_assert_int_eq(c2_tensor_ndim(blob(ws, "S")), 0);
  ck_assert(blob_f(ws, "S")[0] == 0.0f);
  /* A zero dim gives an empty tensor of that shape. */
  op = op_new("ConstantFill", "", "E");
  EXPECT_OK(c2_opdef_add_arg_ints(op, "shape", shape, 3, &err), &err);
  run_op(ws, op);
  expect_shape(ws, "E", 3, shape);
  c2_workspace_free(ws);
}
END_TEST

START_TEST(test_dtypes) {
  c2_workspace *ws = ws_new();
  c2_error err;
  const int64_t two = 2;
  /* An int value without dtype makes INT64 (Caffe2 infers the type from the field). */
  c2_opdef *op = op_new("ConstantFill", "", "L");
  EXPECT_OK(c2_opdef_add_arg_ints(op, "shape", &two, 1, &err), &err);
  EXPECT_OK(c2_opdef_add_arg_int(op, "value", -7, &err), &err);
  run_op(ws, op);
  ck_assert_int_eq(c2_tensor_dtype(blob(ws, "L")), C2_DTYPE_INT64);
  ck_assert(((const int64_t *)c2_tensor_data_const(blob(ws, "L")))[1] == -7);
  struct { int dtype; int64_t ivalue; float fvalue; } cases[] = {
      {C2_DTYPE_INT32, -3, 0},   {C2_DTYPE_BOOL, 1, 0},    {C2_DTYPE_UINT8, 255, 0},
      {C2_DTYPE_INT8, -128, 0},  {C2_DTYPE_INT16, -300, 0}, {C2_DTYPE_UINT16, 65535, 0},
      {C2_DTYPE_INT64, 1LL << 40, 0}, {C2_DTYPE_DOUBLE, 0, 0.25f}, {C2_DTYPE_FLOAT, 0, -2.5f},
  };
  for (size_t c = 0; c < sizeof cases / sizeof *cases; c++) {
    op = op_new("ConstantFill", "", "Y");
    EXPECT_OK(c2_opdef_add_arg_ints(op, "shape", &two, 1, &err), &err);
    EXPECT_OK(c2_opdef_add_arg_int(op, "dtype", cases[c].dtype, &err), &err);
    bool is_float = cases[c].dtype == C2_DTYPE_FLOAT || cases[c].dtype == C2_DTYPE_DOUBLE;
    if (is_float) EXPECT_OK(c2_opdef_add_arg_float(op, "value", cases[c].fvalue, &err), &err);
    else EXPECT_OK(c2_opdef_add_arg_int(op, "value", cases[c].ivalue, &err), &err);
    run_op(ws, op);
    c2_tensor *y = blob(ws, "Y");
    ck_assert_int_eq(c2_tensor_dtype(y), cases[c].dtype);
    const void *d = c2_tensor_data_const(y);
    double got;
    switch (cases[c].dtype) {
      case C2_DTYPE_INT32: got = ((const int32_t *)d)[1]; break;
      case C2_DTYPE_BOOL: case C2_DTYPE_UINT8: got = ((const uint8_t *)d)[1]; break;
      case C2_DTYPE_INT8: got = ((const int8_t *)d)[1]; break;
      case C2_DTYPE_INT16: got = ((const int16_t *)d)[1]; break;
      case C2_DTYPE_UINT16: got = ((const uint16_t *)d)[1]; break;
      case C2_DTYPE_INT64: got = (double)((const int64_t *)d)[1]; break;
      case C2_DTYPE_DOUBLE: got = ((const double *)d)[1]; break;
      default: got = ((const float *)d)[1]; break;
    }
    double want = is_float ? cases[c].fvalue : (double)cases[c].ivalue;
    ck_assert_msg(got == want, "dtype %s: got %g, want %g", c2_dtype_name(cases[c].dtype), got,
                  want);
  }
  c2_workspace_free(ws);
}
END_TEST

START_TEST(test_shape_from_input) {
  c2_workspace *ws = ws_with_x();
  c2_error err;
  /* The seed of every backward pass: ConstantFill([loss], [loss_autogen_grad], value=1.0). */
  c2_opdef *op = op_new("ConstantFill", "X", "G");
  EXPECT_OK(c2_opdef_add_arg_float(op, "value", 1.0f, &err), &err);
  run_op(ws, op);
  const int64_t xd[2] = {2, 3}, ext[3] = {2, 3, 4}, extra = 4;
  expect_shape(ws, "G", 2, xd);
  for (int i = 0; i < 6; i++) ck_assert(blob_f(ws, "G")[i] == 1.0f);
  op = op_new("ConstantFill", "X", "E");
  EXPECT_OK(c2_opdef_add_arg_ints(op, "extra_shape", &extra, 1, &err), &err);
  run_op(ws, op);
  expect_shape(ws, "E", 3, ext);
  /* input_as_shape: the values of a 1-D INT64 input are the shape. */
  const int64_t sdims = 3, svals[3] = {2, 0, 5}, want[4] = {2, 0, 5, 4};
  EXPECT_OK(c2_workspace_feed(ws, "shape", C2_DTYPE_INT64, 1, &sdims, svals, &err), &err);
  op = op_new("ConstantFill", "shape", "Z");
  EXPECT_OK(c2_opdef_add_arg_int(op, "input_as_shape", 1, &err), &err);
  EXPECT_OK(c2_opdef_add_arg_ints(op, "extra_shape", &extra, 1, &err), &err);
  run_op(ws, op);
  expect_shape(ws, "Z", 4, want);
  /* In place: X keeps its shape and takes the value. */
  op = op_new("ConstantFill", "X", "X");
  EXPECT_OK(c2_opdef_add_arg_float(op, "value", -1.0f, &err), &err);
  run_op(ws, op);
  expect_shape(ws, "X", 2, xd);
  ck_assert(blob_f(ws, "X")[5] == -1.0f);
  c2_workspace_free(ws);
}
END_TEST

START_TEST(test_rejected) {
  c2_workspace *ws = ws_with_x();
  c2_error err;
  const int64_t two = 2, neg[2] = {2, -1};
  c2_opdef *op = op_new("ConstantFill", "X", "Y");
  EXPECT_OK(c2_opdef_add_arg_ints(op, "shape", &two, 1, &err), &err);
  run_fails(ws, op, C2_ERR_INVALID_ARGUMENT, "cannot set the 'shape' argument and pass in an input");
  op = op_new("ConstantFill", "", "Y");
  EXPECT_OK(c2_opdef_add_arg_ints(op, "extra_shape", &two, 1, &err), &err);
  run_fails(ws, op, C2_ERR_INVALID_ARGUMENT, "cannot set 'extra_shape' when there is no input");
  op = op_new("ConstantFill", "", "Y");
  EXPECT_OK(c2_opdef_add_arg_int(op, "input_as_shape", 1, &err), &err);
  run_fails(ws, op, C2_ERR_INVALID_ARGUMENT, "'input_as_shape' is set, but no input");
  op = op_new("ConstantFill", "", "Y");
  EXPECT_OK(c2_opdef_add_arg_ints(op, "shape", neg, 2, &err), &err);
  run_fails(ws, op, C2_ERR_INVALID_ARGUMENT, "argument 'shape' has a negative dim (-1 at position 1)");
  op = op_new("ConstantFill", "", "Y");
  EXPECT_OK(c2_opdef_add_arg_int(op, "shape", 2, &err), &err);
  run_fails(ws, op, C2_ERR_TYPE, "argument 'shape' must be a list of ints");
  const struct { int dtype; c2_status st; const char *fragment; } dtypes[] = {
      {0, C2_ERR_INVALID_ARGUMENT, "argument 'dtype' is UNDEFINED (0)"},
      {4, C2_ERR_UNSUPPORTED, "argument 'dtype' is STRING (4)"},
      {99, C2_ERR_INVALID_ARGUMENT, "argument 'dtype' is 99 (unknown)"},
      {C2_DTYPE_FLOAT16, C2_ERR_INVALID_ARGUMENT, "argument 'dtype' is 12 (FLOAT16)"},
  };
  for (size_t i = 0; i < sizeof dtypes / sizeof *dtypes; i++) {
    op = op_new("ConstantFill", "", "Y");
    EXPECT_OK(c2_opdef_add_arg_int(op, "dtype", dtypes[i].dtype, &err), &err);
    run_fails(ws, op, dtypes[i].st, dtypes[i].fragment);
  }
  /* The value's field must suit the dtype, and the value must fit. */
  op = op_new("ConstantFill", "", "Y");
  EXPECT_OK(c2_opdef_add_arg_int(op, "dtype", C2_DTYPE_INT32, &err), &err);
  EXPECT_OK(c2_opdef_add_arg_float(op, "value", 1.0f, &err), &err);
  run_fails(ws, op, C2_ERR_TYPE, "argument 'value' must be an int (field i), but it is stored as a float");
  op = op_new("ConstantFill", "", "Y");
  EXPECT_OK(c2_opdef_add_arg_int(op, "dtype", C2_DTYPE_FLOAT, &err), &err);
  EXPECT_OK(c2_opdef_add_arg_int(op, "value", 1, &err), &err);
  run_fails(ws, op, C2_ERR_TYPE, "argument 'value' must be a float (field f)");
  op = op_new("ConstantFill", "", "Y");
  EXPECT_OK(c2_opdef_add_arg_int(op, "dtype", C2_DTYPE_INT8, &err), &err);
  EXPECT_OK(c2_opdef_add_arg_int(op, "value", 300, &err), &err);
  run_fails(ws, op, C2_ERR_INVALID_ARGUMENT, "argument 'value' is 300, which does not fit in dtype INT8");
  op = op_new("ConstantFill", "", "Y");
  EXPECT_OK(c2_opdef_add_arg_int(op, "dtype", C2_DTYPE_BOOL, &err), &err);
  EXPECT_OK(c2_opdef_add_arg_int(op, "value", 2, &err), &err);
  run_fails(ws, op, C2_ERR_INVALID_ARGUMENT, "does not fit in dtype BOOL");
  op = op_new("ConstantFill", "", "Y");
  EXPECT_OK(c2_opdef_add_arg_string(op, "value", "one", &err), &err);
  run_fails(ws, op, C2_ERR_TYPE, "argument 'value' must be a float (field f) or an int (field i)");
  /* input_as_shape needs a non-empty 1-D INT64 input. */
  const int64_t empty = 0;
  EXPECT_OK(c2_workspace_feed(ws, "none", C2_DTYPE_INT64, 1, &empty, NULL, &err), &err);
  const char *bad_inputs[] = {"X", "none"};
  for (int i = 0; i < 2; i++) {
    op = op_new("ConstantFill", bad_inputs[i], "Y");
    EXPECT_OK(c2_opdef_add_arg_int(op, "input_as_shape", 1, &err), &err);
    run_fails(ws, op, C2_ERR_TYPE, "must be a non-empty 1-D INT64 tensor");
  }
  const int64_t nine = 9, many[9] = {1, 1, 1, 1, 1, 1, 1, 1, 1};
  EXPECT_OK(c2_workspace_feed(ws, "many", C2_DTYPE_INT64, 1, &nine, many, &err), &err);
  op = op_new("ConstantFill", "many", "Y");
  EXPECT_OK(c2_opdef_add_arg_int(op, "input_as_shape", 1, &err), &err);
  run_fails(ws, op, C2_ERR_LIMIT, "at most 8 are supported");
  c2_tensor *unwritten;
  EXPECT_OK(c2_workspace_create_blob(ws, "U", &unwritten, &err), &err);
  run_fails(ws, op_new("ConstantFill", "U", "Y"), C2_ERR_INVALID_ARGUMENT, "input 'U' is empty");
  run_fails(ws, op_new("ConstantFill", "X U", "Y"), C2_ERR_SCHEMA, "has 2 inputs, expected 0 to 1");
  c2_workspace_free(ws);
}
END_TEST

START_TEST(test_inference_and_gradient) {
  c2_error err;
  const int64_t xd[2] = {2, 3}, extra = 4;
  c2_shape in = shape_of(2, xd), out;
  c2_opdef *op = op_new("ConstantFill", "X", "Y");
  EXPECT_OK(c2_opdef_add_arg_ints(op, "extra_shape", &extra, 1, &err), &err);
  EXPECT_OK(c2_opdef_add_arg_int(op, "value", 3, &err), &err);
  infer(op, 1, &in, 1, &out);
  ck_assert(!out.unknown && out.ndim == 3 && out.dims[2] == 4 && out.dtype == C2_DTYPE_INT64);
  c2_cost cost = cost_of(op, 1, &in);
  ck_assert_uint_eq(cost.bytes_written, 24 * 8);
  ck_assert_uint_eq(cost.flops, 0);
  /* ConstantFill is NO_GRADIENT: the flow stops there without ops. */
  ck_assert_int_eq(c2_registry_gradient_kind(default_registry(), "ConstantFill"),
                   C2_GRADIENT_NONE);
  c2_grad_result *r = gradient_of(op, "Y_grad");
  ck_assert_uint_eq(c2_grad_result_num_ops(r), 0);
  ck_assert_ptr_null(c2_grad_result_input_grad(r, 0));
  c2_grad_result_free(r);
  c2_opdef_free(op);
  op = op_new("ConstantFill", "", "Y");
  EXPECT_OK(c2_opdef_add_arg_ints(op, "shape", xd, 2, &err), &err);
  infer(op, 0, NULL, 1, &out);
  ck_assert(!out.unknown && out.ndim == 2 && out.dims[1] == 3 && out.dtype == C2_DTYPE_FLOAT);
  c2_opdef_free(op);
  op = op_new("ConstantFill", "S", "Y");
  EXPECT_OK(c2_opdef_add_arg_int(op, "input_as_shape", 1, &err), &err);
  infer(op, 1, &in, 1, &out);
  ck_assert(out.unknown); /* the shape is the input's data */
  c2_opdef_free(op);
}
END_TEST

static Suite *make_suite(void) {
  Suite *s = suite_create("fill");
  TCase *tc = tcase_create("ConstantFill");
  tcase_add_test(tc, test_shape_argument);
  tcase_add_test(tc, test_dtypes);
  tcase_add_test(tc, test_shape_from_input);
  tcase_add_test(tc, test_rejected);
  tcase_add_test(tc, test_inference_and_gradient);
  suite_add_tcase(s, tc);
  return s;
}

int main(void) { return test_run_suite(make_suite()); }
