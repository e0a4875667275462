/* Hostile input, first half of the table: files, wire bytes, tensors, .npy. */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include <c2rt/proto.h>

#include "hostile.h"
#include "runtime/loader_impl.h" /* c2__unpack, for messages no public call parses */

/* AlexNet's predict net cut inside op #1, written to a file. */
static c2_status truncated_file(c2_error *err) {
  size_t len;
  uint8_t *alex = test_read_file(test_source_path("models/bvlc_alexnet/predict_net.pb"), &len);
  char path[] = "/tmp/c2rt-hostile-XXXXXX";
  int fd = mkstemp(path);
  ck_assert_int_ge(fd, 0);
  ck_assert_int_eq(write(fd, alex, 200), 200);
  close(fd);
  c2_free(alex);
  c2_netdef *net = NULL;
  c2_status st = c2_netdef_load_file(path, NULL, &net, err);
  unlink(path);
  c2_netdef_free(net);
  return st;
}

static c2_status truncated_tag(c2_error *err) {
  wire w = {.n = 0};
  w_str(&w, 1, "n");
  w_byte(&w, 0x92); /* a tag whose continuation never comes */
  return parse_net(&w, NULL, err);
}

static c2_status wrong_wire_type(c2_error *err) {
  wire w = {.n = 0};
  w_str(&w, 1, "n");
  w_int(&w, 2, 1); /* NetDef.op as a varint */
  return parse_net(&w, NULL, err);
}

/* NetDef { op { arg { n { op { arg { n { ... } } } } } } }, `levels` times, written from the
 * inside out at the end of one buffer. */
static c2_status deep_nesting(int levels, c2_error *err) {
  size_t cap = (size_t)levels * 3 * 4 + 16, p = cap;
  uint8_t *buf = malloc(cap);
  const unsigned fields[3] = {8, 5, 2}; /* Argument.n, OperatorDef.arg, NetDef.op */
  for (int i = 0; i < levels; i++)
    for (int t = 0; t < 3; t++) {
      wire head = {.n = 0};
      w_key(&head, fields[t], 2);
      w_varint(&head, cap - p);
      p -= head.n;
      memcpy(buf + p, head.b, head.n);
    }
  c2_netdef *net = NULL;
  c2_status st = c2_netdef_parse(buf + p, cap - p, NULL, &net, err);
  c2_netdef_free(net);
  free(buf);
  return st;
}

static c2_status nesting_10000(c2_error *err) { return deep_nesting(10000, err); }
static c2_status nesting_33(c2_error *err) { return deep_nesting(33, err); } /* 100 levels */

static c2_status length_over_2gib(c2_error *err) {
  wire w = {.n = 0};
  w_key(&w, 1, 2);
  w_varint(&w, 1ull << 31);
  return parse_net(&w, NULL, err);
}

static c2_status string_with_nul(c2_error *err) {
  wire w = {.n = 0};
  wire op = {.n = 0};
  w_bytes(&op, 1, "X\0Y", 3); /* OperatorDef.input */
  w_msg(&w, 2, &op);
  return parse_net(&w, NULL, err);
}

static c2_status string_too_long(c2_error *err) {
  wire w = {.n = 0};
  char name[101];
  memset(name, 'n', 100);
  name[100] = '\0';
  w_str(&w, 1, name);
  c2_load_limits limits = c2_load_limits_default();
  limits.max_string_bytes = 99;
  return parse_net(&w, &limits, err);
}

static c2_status packed_partial_float(c2_error *err) {
  wire w = {.n = 0};
  w_int(&w, 1, 2);
  w_bytes(&w, 3, "\0\0\x80\x3f\0\0\0", 7); /* float_data: 1.75 floats */
  return load_tensors(w.b, w.n, "t", NULL, err);
}

static c2_status packed_bad_varint(c2_error *err) {
  wire w = {.n = 0};
  w_int(&w, 2, 1);
  w_bytes(&w, 1, "\x02\x83", 2); /* packed dims: 2, then an unterminated varint */
  return load_tensors(w.b, w.n, "t", NULL, err);
}

static c2_status segment_without_end(c2_error *err) {
  wire w = {.n = 0}, seg = {.n = 0};
  w_int(&w, 1, 4);
  w_int(&seg, 1, 0); /* Segment.begin only */
  w_msg(&w, 11, &seg);
  return load_tensors(w.b, w.n, "t", NULL, err);
}

static c2_status empty_ops_2mb(c2_error *err) {
  size_t count = 1000000;
  uint8_t *bytes = malloc(2 * count);
  for (size_t i = 0; i < count; i++) bytes[2 * i] = 0x12, bytes[2 * i + 1] = 0x00;
  c2_netdef *net = NULL;
  c2_status st = c2_netdef_parse(bytes, 2 * count, NULL, &net, err);
  c2_netdef_free(net);
  free(bytes);
  return st;
}

static c2_status file_over_limit(c2_error *err) {
  c2_load_limits limits = c2_load_limits_default();
  limits.max_file_bytes = 1000;
  c2_netdef *net = NULL;
  c2_status st = c2_netdef_load_file(test_source_path("models/bvlc_alexnet/predict_net.pb"),
                                     &limits, &net, err);
  c2_netdef_free(net);
  return st;
}

/* dims [536870912] floats: 2 GiB described, 8 bytes given. Refused before any allocation. */
static c2_status tensor_2gb_dims(c2_error *err) {
  wire w = {.n = 0};
  w_int(&w, 1, 536870912);
  w_bytes(&w, 3, "\0\0\x80\x3f\0\0\0\x40", 8);
  return load_tensors(w.b, w.n, "big", NULL, err);
}

static c2_status tensor_dims_overflow(c2_error *err) { return load_tensor_file("tests/tensor_overflow.pb", err); }
static c2_status tensor_negative_dim(c2_error *err) { return load_tensor_file("tests/tensor_negative_dim.pb", err); }
static c2_status tensor_short(c2_error *err) { return load_tensor_file("tests/tensor_short.pb", err); }
static c2_status tensor_long(c2_error *err) { return load_tensor_file("tests/tensor_long.pb", err); }

static c2_status tensor_raw_short(c2_error *err) {
  wire w = {.n = 0};
  w_int(&w, 1, 2);
  w_int(&w, 2, 13);           /* DOUBLE */
  w_bytes(&w, 13, "12345678", 8); /* raw_data: one double of two */
  return load_tensors(w.b, w.n, "t", NULL, err);
}

/* Packed dims make a TensorProto start like a TensorProtos; it still loads as what it is. */
static c2_status tensor_packed_dims(c2_error *err) {
  wire w = {.n = 0};
  w_bytes(&w, 1, "\x02\x03", 2);
  w_bytes(&w, 3, "\0\0\x80\x3f\0\0\0\x40\0\0\x40\x40\0\0\x80\x40\0\0\xa0\x40\0\0\xc0\x40", 24);
  w_str(&w, 7, "p");
  c2_workspace *ws;
  c2_status st = c2_workspace_new(&ws, err);
  if (!st) st = c2_load_tensors(ws, w.b, w.n, NULL, NULL, err);
  if (!st) {
    const c2_tensor *t = c2_workspace_get_blob(ws, "p");
    ck_assert_int_eq(c2_tensor_ndim(t), 2);
    ck_assert_int_eq(c2_tensor_dim(t, 1), 3);
    ck_assert_float_eq(((const float *)c2_tensor_data_const(t))[5], 6.0f);
  }
  c2_workspace_free(ws);
  return st;
}

static c2_status tensor_unknown_dtype(c2_error *err) {
  wire w = {.n = 0};
  w_int(&w, 1, 1);
  w_int(&w, 2, 99);
  w_str(&w, 7, "e");
  return load_tensors(w.b, w.n, NULL, NULL, err);
}

static c2_status tensor_dtype_11(c2_error *err) { /* the gap in Caffe2's DataType numbering */
  wire w = {.n = 0}, protos = {.n = 0};
  w_int(&w, 2, 11);
  w_str(&w, 7, "gap");
  w_msg(&protos, 1, &w);
  return load_tensors(protos.b, protos.n, NULL, NULL, err);
}

/* NetDef { op { arg { name: "value" t { <tensor> } } } } */
static c2_status net_with_arg_tensor(const wire *tensor, c2_error *err) {
  wire arg = {.n = 0}, op = {.n = 0}, net = {.n = 0};
  w_str(&arg, 1, "value");
  w_msg(&arg, 10, tensor);
  w_str(&op, 4, "GivenTensorFill");
  w_msg(&op, 5, &arg);
  w_msg(&net, 2, &op);
  return parse_net(&net, NULL, err);
}

static c2_status arg_tensor_unknown_dtype(c2_error *err) {
  wire t = {.n = 0};
  w_int(&t, 2, 77);
  return net_with_arg_tensor(&t, err);
}

static c2_status arg_tensor_short(c2_error *err) {
  wire t = {.n = 0};
  w_int(&t, 1, 2);
  w_int(&t, 1, 2);
  w_bytes(&t, 3, "\0\0\x80\x3f", 4);
  w_str(&t, 7, "w");
  return net_with_arg_tensor(&t, err);
}

static c2_status tensor_shape_unknown_dtype(c2_error *err) {
  wire w = {.n = 0};
  w_int(&w, 1, 3);
  w_int(&w, 2, 42);
  ProtobufCMessage *msg = NULL;
  c2_status st = c2__unpack(&caffe2__tensor_shape__descriptor, w.b, w.n, NULL, &msg, err);
  if (msg) protobuf_c_message_free_unpacked(msg, NULL);
  return st;
}

static c2_status qtensor_unknown_dtype(c2_error *err) {
  wire w = {.n = 0};
  w_int(&w, 2, 8);          /* precision */
  w_key(&w, 3, 1);          /* scale */
  for (int i = 0; i < 8; i++) w_byte(&w, 0);
  w_key(&w, 4, 1);          /* bias */
  for (int i = 0; i < 8; i++) w_byte(&w, 0);
  w_int(&w, 5, 0);          /* is_signed */
  w_int(&w, 8, 1234);       /* data_type */
  ProtobufCMessage *msg = NULL;
  c2_status st = c2__unpack(&caffe2__qtensor_proto__descriptor, w.b, w.n, NULL, &msg, err);
  if (msg) protobuf_c_message_free_unpacked(msg, NULL);
  return st;
}

static c2_status npy_truncated(c2_error *err) {
  const uint8_t b[] = {0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0, 0x40, 0x00, '{'};
  c2_tensor *t;
  c2_status st = c2_tensor_new(&t, err);
  if (!st) st = c2_npy_parse(b, sizeof b, t, err);
  c2_tensor_free(t);
  return st;
}

const hostile_case hostile_input_cases[] = {
    /* files and wire bytes */
    {"truncated file", truncated_file, C2_ERR_PARSE,
     "caffe2.NetDef.op at byte 108: needs 98 bytes but only 90 remain (truncated input)"},
    {"truncated tag", truncated_tag, C2_ERR_PARSE,
     "caffe2.NetDef at byte 3: truncated or invalid field tag"},
    {"wrong wire type", wrong_wire_type, C2_ERR_PARSE,
     "caffe2.NetDef.op (field 2) at byte 3: wrong wire type varint, expected length-delimited"},
    {"10,000-deep nesting", nesting_10000, C2_ERR_LIMIT,
     "caffe2.NetDef.op at byte 396: messages nest deeper than the limit of 100"},
    {"100-deep nesting is fine", nesting_33, C2_OK, NULL},
    {"length over 2 GiB", length_over_2gib, C2_ERR_LIMIT,
     "caffe2.NetDef.name at byte 0: length 2147483648 is over the 2 GiB protobuf limit"},
    {"NUL inside a string", string_with_nul, C2_ERR_PARSE,
     "caffe2.OperatorDef.input at byte 2: string holds a NUL byte"},
    {"string over max_string_bytes", string_too_long, C2_ERR_LIMIT,
     "caffe2.NetDef.name at byte 0: string of 100 bytes is longer than the limit of 99"},
    {"packed floats not whole", packed_partial_float, C2_ERR_PARSE,
     "caffe2.TensorProto.float_data at byte 2: packed length 7 is not a multiple of 4"},
    {"packed varint unterminated", packed_bad_varint, C2_ERR_PARSE,
     "caffe2.TensorProto.dims at byte 2: packed element at byte 5 is not a valid varint"},
    {"required field missing", segment_without_end, C2_ERR_PARSE,
     "caffe2.TensorProto.Segment at byte 4: required field 'end' (field 2) is missing"},
    {"2 MB of empty ops (allocation budget)", empty_ops_2mb, C2_ERR_LIMIT,
     "NetDef of 2000000 bytes needs more than the 48777216 bytes of memory allowed"},
    {"file over max_file_bytes", file_over_limit, C2_ERR_LIMIT,
     "predict_net.pb' is larger than the limit of 1000 bytes"},
    {".npy header truncated", npy_truncated, C2_ERR_PARSE, ".npy header is truncated"},
    /* tensors */
    {"2 GB-dims tensor", tensor_2gb_dims, C2_ERR_SHAPE,
     "tensor '': its shape holds 536870912 elements of FLOAT, but float_data has 2 values"},
    {"dims product overflows", tensor_dims_overflow, C2_ERR_LIMIT,
     "element count of the shape overflows 64 bits"},
    {"negative dim", tensor_negative_dim, C2_ERR_SHAPE, "dimension 1 is negative (-1)"},
    {"data shorter than the shape", tensor_short, C2_ERR_SHAPE,
     "tensor 'short': its shape holds 6 elements of FLOAT, but float_data has 5 values"},
    {"data longer than the shape", tensor_long, C2_ERR_SHAPE,
     "tensor 'long': its shape holds 2 elements of FLOAT, but float_data has 3 values"},
    {"raw_data shorter than the shape", tensor_raw_short, C2_ERR_SHAPE,
     "its shape holds 2 elements of DOUBLE (16 bytes), but raw_data has 8 bytes"},
    {"TensorProto with packed dims", tensor_packed_dims, C2_OK, NULL},
    {"unknown DataType", tensor_unknown_dtype, C2_ERR_PARSE,
     "TensorProto.data_type: unknown DataType 99"},
    {"DataType 11 (unassigned)", tensor_dtype_11, C2_ERR_PARSE,
     "TensorProtos.protos[0].data_type: unknown DataType 11"},
    {"unknown DataType in an argument tensor", arg_tensor_unknown_dtype, C2_ERR_PARSE,
     "NetDef.op[0].arg[0].t.data_type: unknown DataType 77"},
    {"argument tensor shorter than its shape", arg_tensor_short, C2_ERR_SHAPE,
     "NetDef.op[0].arg[0].t: tensor 'w': its shape holds 4 elements of FLOAT, but float_data has "
     "1 values"},
    {"unknown TensorShape.data_type", tensor_shape_unknown_dtype, C2_ERR_PARSE,
     "TensorShape.data_type: unknown DataType 42"},
    {"unknown QTensorProto.data_type", qtensor_unknown_dtype, C2_ERR_PARSE,
     "QTensorProto.data_type: unknown DataType 1234"},
};
const int hostile_input_count = (int)(sizeof hostile_input_cases / sizeof *hostile_input_cases);
