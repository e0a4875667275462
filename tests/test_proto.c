/* Wire compatibility: our encoder's bytes equal protoc's for the same text, the real model-zoo
 * AlexNet file re-encodes byte for byte, and fields we do not model survive a round trip. */
#include <stdio.h>
#include <stdlib.h>

#include <c2rt/proto.h>

#include "test_util.h"

static uint8_t *pack(const c2_netdef *net, size_t *len) {
  uint8_t *bytes;
  c2_error err;
  EXPECT_OK(c2_netdef_pack(net, &bytes, len, &err), &err);
  return bytes;
}

static void assert_same_bytes(const uint8_t *a, size_t la, const uint8_t *b, size_t lb,
                              const char *what) {
  size_t first = 0;
  while (first < la && first < lb && a[first] == b[first]) first++;
  ck_assert_msg(la == lb && first == la, "%s: %zu vs %zu bytes, first difference at byte %zu",
                what, la, lb, first);
}

/* The net of tests/data/lrn_net.NetDef.pbtxt, built through the C API. */
static c2_netdef *build_lrn_net(void) {
  c2_error err;
  c2_netdef *net;
  c2_opdef *op;
  const char *in1[] = {"X"}, *out1[] = {"Y", "Y_scale"};
  EXPECT_OK(c2_netdef_new("lrn_net", &net, &err), &err);
  EXPECT_OK(c2_opdef_new("LRN", 1, in1, 2, out1, &op, &err), &err);
  EXPECT_OK(c2_opdef_add_arg_int(op, "size", 5, &err), &err);
  EXPECT_OK(c2_opdef_add_arg_float(op, "alpha", 0.0001f, &err), &err);
  EXPECT_OK(c2_opdef_add_arg_float(op, "beta", 0.75f, &err), &err);
  EXPECT_OK(c2_opdef_add_arg_float(op, "bias", 1.0f, &err), &err);
  EXPECT_OK(c2_opdef_add_arg_string(op, "order", "NCHW", &err), &err);
  const int64_t pads[] = {1, 2, -3};
  const float scales[] = {0.5f, 1e-30f};
  const char *names[] = {"a", "", "with space"};
  EXPECT_OK(c2_opdef_add_arg_ints(op, "pads", pads, 3, &err), &err);
  EXPECT_OK(c2_opdef_add_arg_floats(op, "scales", scales, 2, &err), &err);
  EXPECT_OK(c2_opdef_add_arg_strings(op, "names", names, 3, &err), &err);
  EXPECT_OK(c2_opdef_set_engine(op, "FAST", &err), &err);
  EXPECT_OK(c2_netdef_add_op_take(net, op, &err), &err);
  const char *in2[] = {"Y", "X"}, *out2[] = {"Z"};
  EXPECT_OK(c2_opdef_new("Sum", 2, in2, 1, out2, &op, &err), &err);
  EXPECT_OK(c2_opdef_set_name(op, "second", &err), &err);
  EXPECT_OK(c2_opdef_set_device(op, C2_DEVICE_CPU, 0, &err), &err);
  c2_opdef_set_is_gradient_op(op, true);
  EXPECT_OK(c2_netdef_add_op_take(net, op, &err), &err);
  EXPECT_OK(c2_netdef_add_external_input(net, "X", &err), &err);
  EXPECT_OK(c2_netdef_add_external_output(net, "Z", &err), &err);
  return net;
}

START_TEST(test_encoder_matches_protoc) {
  c2_netdef *net = build_lrn_net();
  size_t len, want_len;
  uint8_t *ours = pack(net, &len);
  uint8_t *theirs = test_read_file(test_build_path("tests/lrn_net.pb"), &want_len);
  assert_same_bytes(ours, len, theirs, want_len, "c2rt encoder vs protoc --encode");
  free(ours);
  c2_free(theirs);
  c2_netdef_free(net);
}
END_TEST

START_TEST(test_alexnet_round_trip) {
  const char *path = test_source_path("models/bvlc_alexnet/predict_net.pb");
  size_t len;
  uint8_t *file = test_read_file(path, &len);
  ck_assert_uint_eq(len, 1387); /* the zoo's LFS pointer records 1387 bytes */
  c2_error err;
  c2_netdef *net;
  EXPECT_OK(c2_netdef_load_file(path, NULL, &net, &err), &err);
  ck_assert_str_eq(c2_netdef_name(net), "bvlc_alexnet");
  ck_assert_uint_eq(c2_netdef_num_ops(net), 23);
  ck_assert_uint_eq(c2_netdef_num_external_inputs(net), 17);
  ck_assert_str_eq(c2_netdef_external_input(net, 0), "data");
  ck_assert_str_eq(c2_netdef_external_output(net, 0), "prob");
  int lrn = 0;
  for (size_t i = 0; i < c2_netdef_num_ops(net); i++)
    lrn += strcmp(c2_opdef_type(c2_netdef_op(net, i)), "LRN") == 0;
  ck_assert_int_eq(lrn, 2);
  size_t out_len;
  uint8_t *again = pack(net, &out_len);
  assert_same_bytes(again, out_len, file, len, "AlexNet re-encoded");
  /* Its text form, encoded by protoc through our caffe2.proto, gives the same net. */
  c2_netdef *from_text;
  EXPECT_OK(c2_netdef_load_file(test_build_path("tests/alexnet_text.pb"), NULL, &from_text, &err),
            &err);
  ck_assert_str_eq(c2_netdef_name(from_text), "AlexNet");
  EXPECT_OK(c2_netdef_set_name(from_text, "bvlc_alexnet", &err), &err);
  size_t text_len;
  uint8_t *text_bytes = pack(from_text, &text_len);
  assert_same_bytes(text_bytes, text_len, file, len, "AlexNet from text");
  free(again);
  free(text_bytes);
  c2_free(file);
  c2_netdef_free(net);
  c2_netdef_free(from_text);
}
END_TEST

/* NetDef.partition_info (9) and Argument.qtensors (12) are not in our subset; an unknown device
 * type must survive too. */
START_TEST(test_unknown_fields_survive) {
  uint8_t buf[64];
  size_t n = 0;
  const uint8_t name[] = {0x0a, 0x01, 'n'};
  const uint8_t op_body[] = {0x22, 0x01, 'T', 0x2a, 0x05, 0x0a, 0x01, 'a', 0x62, 0x00,
                             0x32, 0x05, 0x08, 0xc5, 0xde, 0xfb, 0x09};
  const uint8_t partition[] = {0x4a, 0x02, 0x0a, 0x00};
  memcpy(buf + n, name, sizeof name), n += sizeof name;
  buf[n++] = 0x12, buf[n++] = (uint8_t)sizeof op_body;
  memcpy(buf + n, op_body, sizeof op_body), n += sizeof op_body;
  memcpy(buf + n, partition, sizeof partition), n += sizeof partition;
  c2_error err;
  c2_netdef *net;
  EXPECT_OK(c2_netdef_parse(buf, n, NULL, &net, &err), &err);
  ck_assert_int_eq(c2_opdef_device_type(c2_netdef_op(net, 0)), 20901701);
  size_t len;
  uint8_t *again = pack(net, &len);
  assert_same_bytes(again, len, buf, n, "unknown fields round trip");
  free(again);
  c2_netdef *copy;
  EXPECT_OK(c2_netdef_copy(net, &copy, &err), &err);
  again = pack(copy, &len);
  assert_same_bytes(again, len, buf, n, "copy keeps unknown fields");
  free(again);
  c2_netdef_free(copy);
  c2_netdef_free(net);
}
END_TEST

START_TEST(test_readers_and_rendering) {
  c2_netdef *net = build_lrn_net();
  const c2_opdef *op = c2_netdef_op(net, 0);
  ck_assert_str_eq(c2_opdef_engine(op), "FAST");
  ck_assert_str_eq(c2_opdef_name(op), "");
  ck_assert_ptr_null(c2_netdef_op(net, 2));
  char buf[64];
  ck_assert_str_eq(c2_opdef_arg_string(op, 0, buf, sizeof buf), "i: 5");
  ck_assert_str_eq(c2_opdef_arg_string(op, 1, buf, sizeof buf), "f: 9.99999975e-05");
  ck_assert_str_eq(c2_opdef_arg_string(op, 4, buf, sizeof buf), "s: \"NCHW\"");
  ck_assert_str_eq(c2_opdef_arg_string(op, 5, buf, sizeof buf), "ints: [1, 2, -3]");
  ck_assert_str_eq(c2_opdef_arg_string(op, 7, buf, sizeof buf), "strings: [\"a\", \"\", \"with space\"]");
  char tiny[8];
  ck_assert_str_eq(c2_opdef_arg_string(op, 7, tiny, sizeof tiny), "stri...");
  ck_assert_uint_eq(c2_opdef_remove_arg((c2_opdef *)op, "pads"), 1);
  ck_assert_uint_eq(c2_opdef_num_args(op), 7);
  ck_assert_int_eq(c2_opdef_device_type(c2_netdef_op(net, 1)), C2_DEVICE_CPU);
  /* The proto structs are the definitions: fields read directly agree with the accessors. */
  const Caffe2__OperatorDef *raw = c2_netdef_op(net, 1);
  ck_assert(raw->has_is_gradient_op && raw->is_gradient_op);
  ck_assert_str_eq(raw->name, "second");
  c2_netdef_free(net);
}
END_TEST

static Suite *make_suite(void) {
  Suite *s = suite_create("proto");
  TCase *tc = tcase_create("proto");
  tcase_add_test(tc, test_encoder_matches_protoc);
  tcase_add_test(tc, test_alexnet_round_trip);
  tcase_add_test(tc, test_unknown_fields_survive);
  tcase_add_test(tc, test_readers_and_rendering);
  suite_add_tcase(s, tc);
  return s;
}

int main(void) { return test_run_suite(make_suite()); }
