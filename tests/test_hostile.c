/* Hostile input, one table: every way a file, a net or a call can be wrong, each with the status
 * and the message it must give. Each row runs in its own forked Check test, so a crash fails that
 * row only, and under ASan/valgrind a leak fails it too. */
#include <stdio.h>
#include <time.h>
#include <stdlib.h>
#include <unistd.h>

#include <c2rt/proto.h>

#include "runtime/loader_impl.h" /* c2__unpack, for messages no public call parses */
#include "test_util.h"

/* ---- building wire bytes by hand ---- */

typedef struct wire {
  uint8_t b[1024];
  size_t n;
} wire;

static void w_byte(wire *w, uint8_t v) {
  ck_assert_uint_lt(w->n, sizeof w->b);
  w->b[w->n++] = v;
}

static void w_varint(wire *w, uint64_t v) {
  do {
    w_byte(w, (uint8_t)((v & 0x7f) | (v >= 0x80 ? 0x80 : 0)));
    v >>= 7;
  } while (v);
}

static void w_key(wire *w, unsigned field, unsigned wire_type) {
  w_varint(w, (uint64_t)field << 3 | wire_type);
}

static void w_int(wire *w, unsigned field, uint64_t v) {
  w_key(w, field, 0);
  w_varint(w, v);
}

static void w_bytes(wire *w, unsigned field, const void *data, size_t n) {
  w_key(w, field, 2);
  w_varint(w, n);
  ck_assert_uint_le(w->n + n, sizeof w->b);
  memcpy(w->b + w->n, data, n);
  w->n += n;
}

static void w_str(wire *w, unsigned field, const char *s) { w_bytes(w, field, s, strlen(s)); }
static void w_msg(wire *w, unsigned field, const wire *inner) { w_bytes(w, field, inner->b, inner->n); }

/* ---- running one input through the library, freeing everything ---- */

static c2_status parse_net(const wire *w, const c2_load_limits *limits, c2_error *err) {
  c2_netdef *net = NULL;
  c2_status st = c2_netdef_parse(w->b, w->n, limits, &net, err);
  c2_netdef_free(net);
  return st;
}

static c2_status load_tensors(const uint8_t *bytes, size_t len, const char *name,
                              const c2_load_limits *limits, c2_error *err) {
  c2_workspace *ws;
  c2_status st = c2_workspace_new(&ws, err);
  if (!st) st = c2_load_tensors(ws, bytes, len, name, limits, err);
  c2_workspace_free(ws);
  return st;
}

static c2_status load_tensor_file(const char *fixture, c2_error *err) {
  c2_workspace *ws;
  c2_status st = c2_workspace_new(&ws, err);
  if (!st) st = c2_load_tensors_file(ws, test_build_path(fixture), NULL, NULL, err);
  c2_workspace_free(ws);
  return st;
}

static c2_opdef *new_op(const char *type, const char *in, const char *out1, const char *out2) {
  const char *ins[] = {in}, *outs[] = {out1, out2};
  c2_opdef *op;
  c2_error err;
  EXPECT_OK(c2_opdef_new(type, 1, ins, out2 ? 2 : 1, outs, &op, &err), &err);
  return op;
}

/* LRN over in -> out with size/alpha/beta; a NULL name in skip leaves that argument out. */
static c2_opdef *lrn(const char *in, const char *out, int64_t size, float alpha, float beta,
                     const char *skip) {
  c2_opdef *op = new_op("LRN", in, out, NULL);
  c2_error err;
  if (!skip || strcmp(skip, "size") != 0) EXPECT_OK(c2_opdef_add_arg_int(op, "size", size, &err), &err);
  if (!skip || strcmp(skip, "alpha") != 0)
    EXPECT_OK(c2_opdef_add_arg_float(op, "alpha", alpha, &err), &err);
  if (!skip || strcmp(skip, "beta") != 0) EXPECT_OK(c2_opdef_add_arg_float(op, "beta", beta, &err), &err);
  return op;
}

static c2_opdef *good_lrn(void) { return lrn("X", "Y", 3, 0.5f, 0.75f, NULL); }

/* Creates and runs a one-op net (the op is taken) over a workspace holding X (1x3x4x4) and,
 * when dy_dims is given, Y and dY; frees everything. */
static c2_status create_and_run_dy(c2_opdef *op, const int64_t *dy_dims, c2_error *err) {
  c2_workspace *ws;
  c2_netdef *def;
  c2_net *net = NULL;
  const int64_t dims[] = {1, 3, 4, 4};
  float data[48] = {0};
  for (int i = 0; i < 48; i++) data[i] = (float)(i % 5) - 2.0f;
  c2_status st = c2_workspace_new(&ws, err);
  if (st) return st;
  st = c2_workspace_feed(ws, "X", C2_DTYPE_FLOAT, 4, dims, data, err);
  if (!st && dy_dims) st = c2_workspace_feed(ws, "Y", C2_DTYPE_FLOAT, 4, dims, data, err);
  if (!st && dy_dims) st = c2_workspace_feed(ws, "dY", C2_DTYPE_FLOAT, 4, dy_dims, data, err);
  if (!st) st = c2_netdef_new("hostile", &def, err);
  if (st) {
    c2_opdef_free(op);
    c2_workspace_free(ws);
    return st;
  }
  st = c2_netdef_add_op_take(def, op, err);
  if (!st) st = c2_net_new(ws, def, NULL, &net, err);
  if (!st) st = c2_net_run(net, err);
  c2_net_free(net);
  c2_netdef_free(def);
  c2_workspace_free(ws);
  return st;
}

static c2_status create_and_run(c2_opdef *op, c2_error *err) {
  return create_and_run_dy(op, NULL, err);
}

/* ---- the cases ---- */

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

static c2_status float_stored_as_int(c2_error *err) {
  c2_netdef *def;
  c2_status st = c2_netdef_load_file(test_build_path("tests/net_float_as_int.pb"), NULL, &def, err);
  if (st) return st;
  c2_workspace *ws;
  c2_net *net = NULL;
  const int64_t dims[] = {1, 1, 1, 1};
  const float x = 1;
  st = c2_workspace_new(&ws, err);
  for (size_t i = 0; !st && i < c2_netdef_num_external_inputs(def); i++)
    st = c2_workspace_feed(ws, c2_netdef_external_input(def, i), C2_DTYPE_FLOAT, 4, dims, &x, err);
  if (!st) st = c2_net_new(ws, def, NULL, &net, err);
  c2_net_free(net);
  c2_workspace_free(ws);
  c2_netdef_free(def);
  return st;
}

static c2_status missing_argument(c2_error *err) {
  return create_and_run(lrn("X", "Y", 3, 0.5f, 0.75f, "size"), err);
}
static c2_status even_size(c2_error *err) {
  return create_and_run(lrn("X", "Y", 4, 0.5f, 0.75f, NULL), err);
}
static c2_status nan_alpha(c2_error *err) {
  return create_and_run(lrn("X", "Y", 3, (float)NAN, 0.75f, NULL), err);
}
static c2_status negative_beta(c2_error *err) {
  return create_and_run(lrn("X", "Y", 3, 0.5f, -0.75f, NULL), err);
}

static c2_status bad_order(c2_error *err) {
  c2_opdef *op = good_lrn();
  c2_error e;
  EXPECT_OK(c2_opdef_add_arg_string(op, "order", "CHWN", &e), &e);
  return create_and_run(op, err);
}

static c2_status x_dy_mismatch(c2_error *err) {
  const char *in[] = {"X", "Y", "dY"}, *out[] = {"dX"};
  c2_opdef *op;
  c2_error e;
  EXPECT_OK(c2_opdef_new("LRNGradient", 3, in, 1, out, &op, &e), &e);
  EXPECT_OK(c2_opdef_add_arg_int(op, "size", 3, &e), &e);
  EXPECT_OK(c2_opdef_add_arg_float(op, "alpha", 0.5f, &e), &e);
  EXPECT_OK(c2_opdef_add_arg_float(op, "beta", 0.75f, &e), &e);
  const int64_t dy_dims[] = {1, 3, 2, 2};
  return create_and_run_dy(op, dy_dims, err);
}

static c2_status missing_input_blob(c2_error *err) {
  return create_and_run(lrn("nowhere", "Y", 3, 0.5f, 0.75f, NULL), err);
}

static c2_status empty_input_blob(c2_error *err) {
  /* Z exists but was never written: creation succeeds, the run says what is wrong. */
  c2_opdef *op = lrn("Z", "W", 3, 0.5f, 0.75f, NULL);
  c2_workspace *ws;
  c2_status st = c2_workspace_new(&ws, err);
  c2_tensor *z;
  if (!st) st = c2_workspace_create_blob(ws, "Z", &z, err);
  if (!st) st = c2_run_operator_once(ws, op, NULL, err);
  c2_opdef_free(op);
  c2_workspace_free(ws);
  return st;
}

static c2_status wrong_rank(c2_error *err) {
  c2_opdef *op = good_lrn();
  c2_workspace *ws;
  const int64_t dims[] = {3, 4};
  float data[12] = {0};
  c2_status st = c2_workspace_new(&ws, err);
  if (!st) st = c2_workspace_feed(ws, "X", C2_DTYPE_FLOAT, 2, dims, data, err);
  if (!st) st = c2_run_operator_once(ws, op, NULL, err);
  c2_opdef_free(op);
  c2_workspace_free(ws);
  return st;
}

static c2_status output_collision(c2_error *err) {
  c2_opdef *op = good_lrn();
  c2_error e;
  EXPECT_OK(c2_opdef_add_output(op, "Y", &e), &e);
  return create_and_run(op, err);
}

static c2_status not_in_place(c2_error *err) {
  return create_and_run(lrn("X", "X", 3, 0.5f, 0.75f, NULL), err);
}

static c2_status duplicate_argument(c2_error *err) {
  c2_opdef *op = good_lrn();
  c2_error e;
  EXPECT_OK(c2_opdef_add_arg_int(op, "size", 5, &e), &e);
  return create_and_run(op, err);
}

static c2_status unknown_op_type(c2_error *err) {
  return create_and_run(new_op("NoSuchOp", "X", "Y", NULL), err);
}

/* Caffe2 tries the engines a def names and falls back to the default one. */
static c2_status unknown_engine_falls_back(c2_error *err) {
  c2_opdef *op = good_lrn();
  c2_error e;
  EXPECT_OK(c2_opdef_set_engine(op, "NO_SUCH_ENGINE,CUDNN", &e), &e);
  c2_workspace *ws;
  c2_netdef *def;
  c2_net *net = NULL;
  const int64_t dims[] = {1, 3, 2, 2};
  float data[12] = {0};
  c2_status st = c2_workspace_new(&ws, err);
  if (!st) st = c2_workspace_feed(ws, "X", C2_DTYPE_FLOAT, 4, dims, data, err);
  if (!st) st = c2_netdef_new("engine", &def, err);
  if (!st) st = c2_netdef_add_op_take(def, op, err);
  if (!st) st = c2_net_new(ws, def, NULL, &net, err);
  if (!st) ck_assert_str_eq(c2_op_engine(c2_net_op(net, 0)), ""); /* the default engine ran */
  if (!st) st = c2_net_run(net, err);
  c2_net_free(net);
  c2_netdef_free(def);
  c2_workspace_free(ws);
  return st;
}

static c2_status device(int type, c2_error *err) {
  c2_opdef *op = good_lrn();
  c2_error e;
  EXPECT_OK(c2_opdef_set_device(op, type, 0, &e), &e);
  return create_and_run(op, err);
}

static c2_status cuda_device(c2_error *err) { return device(C2_DEVICE_CUDA, err); }
static c2_status unknown_device(c2_error *err) { return device(99, err); }
static c2_status negative_device(c2_error *err) { return device(-1, err); }

static c2_status duplicate_builtins(c2_error *err) {
  c2_registry *reg;
  c2_status st = c2_registry_new(&reg, err);
  if (!st) st = c2_register_builtin_ops(reg, err);
  if (!st) st = c2_register_builtin_ops(reg, err);
  c2_registry_free(reg);
  return st;
}

static c2_status noop_run(c2_operator *op, c2_error *err) {
  (void)op;
  (void)err;
  return C2_OK;
}

static c2_status duplicate_impl(c2_error *err) {
  static const c2_op_impl impl = {.device_type = C2_DEVICE_CPU, .engine = "FAST", .run = noop_run};
  static const c2_op_impl again = {.device_type = C2_DEVICE_CPU, .engine = "FAST", .run = noop_run};
  c2_registry *reg;
  c2_status st = c2_registry_new(&reg, err);
  if (!st) st = c2_registry_add_impl(reg, "Mine", &impl, err);
  if (!st) st = c2_registry_add_impl(reg, "Mine", &again, err);
  c2_registry_free(reg);
  return st;
}

static c2_status duplicate_gradient(c2_error *err) {
  c2_registry *reg;
  c2_status st = c2_registry_new(&reg, err);
  if (!st) st = c2_registry_set_gradient(reg, "Mine", C2_GRADIENT_NONE, NULL, err);
  if (!st) st = c2_registry_set_gradient(reg, "Mine", C2_GRADIENT_NONE, NULL, err);
  c2_registry_free(reg);
  return st;
}

/* A net whose creation failed is NULL; running it is an error, freeing it a no-op. */
static c2_status run_after_failed_create(c2_error *err) {
  c2_workspace *ws;
  c2_netdef *def;
  c2_error e;
  EXPECT_OK(c2_workspace_new(&ws, &e), &e);
  EXPECT_OK(c2_netdef_new("bad", &def, &e), &e);
  EXPECT_OK(c2_netdef_add_op_take(def, lrn("X", "Y", 4, 0.5f, 0.75f, NULL), &e), &e);
  const int64_t dims[] = {1, 3, 2, 2};
  float data[12] = {0};
  EXPECT_OK(c2_workspace_feed(ws, "X", C2_DTYPE_FLOAT, 4, dims, data, &e), &e);
  c2_net *net = (c2_net *)&e; /* garbage that creation must overwrite */
  EXPECT_STATUS(c2_net_new(ws, def, NULL, &net, &e), C2_ERR_INVALID_ARGUMENT, &e,
                "op #0 (LRN): argument 'size' must be a positive odd integer, got 4");
  ck_assert_ptr_null(net);
  ck_assert_uint_eq(c2_net_num_ops(net), 0);
  c2_status st = c2_net_run(net, err);
  c2_net_free(net);
  c2_netdef_free(def);
  c2_workspace_free(ws);
  return st;
}

/* The same through the workspace: a net that failed to create does not exist, even when it
 * replaced (overwrite) a good one of the same name. */
static c2_status run_named_after_failed_create(c2_error *err) {
  c2_workspace *ws;
  c2_netdef *good, *bad;
  c2_error e;
  EXPECT_OK(c2_workspace_new(&ws, &e), &e);
  const int64_t dims[] = {1, 3, 2, 2};
  float data[12] = {0};
  EXPECT_OK(c2_workspace_feed(ws, "X", C2_DTYPE_FLOAT, 4, dims, data, &e), &e);
  EXPECT_OK(c2_netdef_new("n", &good, &e), &e);
  EXPECT_OK(c2_netdef_add_op_take(good, good_lrn(), &e), &e);
  EXPECT_OK(c2_netdef_new("n", &bad, &e), &e);
  EXPECT_OK(c2_netdef_add_op_take(bad, new_op("NoSuchOp", "X", "Z", NULL), &e), &e);
  EXPECT_OK(c2_workspace_create_net(ws, good, false, NULL, &e), &e);
  EXPECT_OK(c2_workspace_run_net(ws, "n", 1, &e), &e);
  EXPECT_STATUS(c2_workspace_create_net(ws, bad, true, NULL, &e), C2_ERR_NOT_FOUND, &e,
                "no operator of type 'NoSuchOp'");
  ck_assert(!c2_workspace_has_net(ws, "n"));
  c2_status st = c2_workspace_run_net(ws, "n", 1, err);
  c2_netdef_free(good);
  c2_netdef_free(bad);
  c2_workspace_free(ws);
  return st;
}

static c2_status unknown_net_type(c2_error *err) {
  c2_netdef *def;
  c2_workspace *ws;
  c2_net *net = NULL;
  c2_error e;
  EXPECT_OK(c2_netdef_new("typed", &def, &e), &e);
  EXPECT_OK(c2_netdef_set_type(def, "no_such_executor", &e), &e);
  EXPECT_OK(c2_workspace_new(&ws, &e), &e);
  c2_status st = c2_net_new(ws, def, NULL, &net, err);
  c2_net_free(net);
  c2_workspace_free(ws);
  c2_netdef_free(def);
  return st;
}

/* ---- memory a net may take ---- */

/* A 100-byte net asking ConstantFill for 10 GB: refused by the workspace's memory limit before
 * anything is allocated. */
static c2_status fill_10gb(c2_error *err) {
  c2_opdef *op;
  const char *out[] = {"Y"};
  const int64_t shape[] = {50000, 50000};
  c2_error e;
  EXPECT_OK(c2_opdef_new("ConstantFill", 0, NULL, 1, out, &op, &e), &e);
  EXPECT_OK(c2_opdef_add_arg_ints(op, "shape", shape, 2, &e), &e);
  c2_workspace *ws;
  EXPECT_OK(c2_workspace_new(&ws, &e), &e);
  c2_workspace_set_memory_limit(ws, 64 << 20);
  c2_status st = c2_run_operator_once(ws, op, NULL, err);
  ck_assert_uint_eq(c2_workspace_memory_used(ws), 0);
  c2_opdef_free(op);
  c2_workspace_free(ws);
  return st;
}

/* Tensors loaded from a file count too; a refused one leaves no blob behind. */
static c2_status load_over_memory_limit(c2_error *err) {
  c2_workspace *ws;
  c2_error e;
  EXPECT_OK(c2_workspace_new(&ws, &e), &e);
  c2_workspace_set_memory_limit(ws, 80);
  const int64_t dims[] = {16};
  float x[16] = {0};
  EXPECT_OK(c2_workspace_feed(ws, "X", C2_DTYPE_FLOAT, 1, dims, x, &e), &e); /* 64 bytes */
  ck_assert_uint_eq(c2_workspace_memory_used(ws), 64);
  c2_status st = c2_load_tensors_file(ws, test_build_path("tests/tensors_ok.pb"), "f", NULL, err);
  ck_assert(!c2_workspace_has_blob(ws, "f"));
  ck_assert_uint_eq(c2_workspace_memory_used(ws), 64);
  EXPECT_OK(c2_workspace_remove_blob(ws, "X", &e), &e);
  ck_assert_uint_eq(c2_workspace_memory_used(ws), 0);
  c2_workspace_free(ws);
  return st;
}

/* The count follows storage, not shapes: growth charges, shrinking keeps the capacity, reset and
 * removal credit; a refused resize changes nothing. */
static c2_status memory_accounting(c2_error *err) {
  c2_workspace *ws;
  c2_tensor *t, *u;
  EXPECT_OK(c2_workspace_new(&ws, err), err);
  ck_assert_uint_eq(c2_workspace_memory_limit(ws), UINT64_MAX);
  EXPECT_OK(c2_workspace_create_blob(ws, "t", &t, err), err);
  EXPECT_OK(c2_workspace_create_blob(ws, "u", &u, err), err);
  const int64_t d100[] = {100}, d10[] = {10}, d1000[] = {1000};
  EXPECT_OK(c2_tensor_resize(t, C2_DTYPE_FLOAT, 1, d100, err), err);
  ck_assert_uint_eq(c2_workspace_memory_used(ws), 400);
  EXPECT_OK(c2_tensor_resize(t, C2_DTYPE_FLOAT, 1, d10, err), err);
  ck_assert_uint_eq(c2_workspace_memory_used(ws), 400);
  EXPECT_OK(c2_tensor_copy(u, t, err), err);
  ck_assert_uint_eq(c2_workspace_memory_used(ws), 440);
  c2_workspace_set_memory_limit(ws, 1000);
  EXPECT_STATUS(c2_tensor_resize(u, C2_DTYPE_DOUBLE, 1, d100, err), C2_ERR_LIMIT, err,
                "a tensor of 800 bytes would bring the workspace's tensors to 1200 bytes");
  ck_assert_int_eq(c2_tensor_dtype(u), C2_DTYPE_FLOAT);
  ck_assert_uint_eq(c2_workspace_memory_used(ws), 440);
  c2_tensor_reset(t);
  ck_assert_uint_eq(c2_workspace_memory_used(ws), 40);
  EXPECT_STATUS(c2_tensor_resize(t, C2_DTYPE_FLOAT, 1, d1000, err), C2_ERR_LIMIT, err, NULL);
  EXPECT_OK(c2_workspace_remove_blob(ws, "u", err), err);
  ck_assert_uint_eq(c2_workspace_memory_used(ws), 0);
  c2_workspace_free(ws);
  c2_error_clear(err);
  return C2_OK;
}

/* ---- size: checks that were quadratic ---- */

/* Under valgrind (its test setup sets C2RT_VALGRIND) the size rows run a tenth of their size:
 * the same code under memcheck, without minutes of emulation. */
static int size_scale(void) { return getenv("C2RT_VALGRIND") ? 10 : 1; }

typedef struct growing {
  uint8_t *b;
  size_t n, cap;
} growing;

static void g_append(growing *g, const wire *w) {
  if (g->n + w->n > g->cap) {
    g->cap = (g->n + w->n) * 2;
    g->b = realloc(g->b, g->cap);
  }
  memcpy(g->b + g->n, w->b, w->n);
  g->n += w->n;
}

static c2_status create_net_bytes(growing *g, c2_error *err) {
  c2_netdef *def = NULL;
  c2_workspace *ws = NULL;
  c2_net *net = NULL;
  c2_status st = c2_netdef_parse(g->b, g->n, NULL, &def, err);
  free(g->b);
  const int64_t dims[] = {1, 3, 2, 2};
  float data[12] = {0};
  if (!st) st = c2_workspace_new(&ws, err);
  if (!st) st = c2_workspace_feed(ws, "X", C2_DTYPE_FLOAT, 4, dims, data, err);
  if (!st) st = c2_net_new(ws, def, NULL, &net, err);
  if (!st) st = c2_net_run(net, err);
  c2_net_free(net);
  c2_workspace_free(ws);
  c2_netdef_free(def);
  return st;
}

/* 100,000 ops, each reading the previous op's output, and an external output nobody makes: the
 * whole chain is checked before the error. Pairwise name scans took 4 s for 40,000 ops, so 25 s
 * for these (and hours at the file-size limit); hashed, 0.1 s. */
static c2_status long_chain(c2_error *err) {
  growing g = {NULL, 0, 0};
  wire w = {.n = 0};
  w_str(&w, 7, "b0");
  g_append(&g, &w);
  for (int i = 0, n = 100000 / size_scale(); i < n; i++) {
    wire op = {.n = 0};
    char in[16], out[16];
    snprintf(in, sizeof in, "b%d", i);
    snprintf(out, sizeof out, "b%d", i + 1);
    w_str(&op, 1, in);
    w_str(&op, 2, out);
    w_str(&op, 4, "Q");
    w.n = 0;
    w_msg(&w, 2, &op);
    g_append(&g, &w);
  }
  w.n = 0;
  w_str(&w, 8, "nowhere");
  g_append(&g, &w);
  return create_net_bytes(&g, err);
}

/* One LRN op with 100,000 extra distinct arguments: 13 s for 60,000 with pairwise compares, so
 * 36 s for these; hashed, 0.1 s. */
static c2_status many_arguments(c2_error *err) {
  growing g = {NULL, 0, 0};
  wire op = {.n = 0}, w = {.n = 0}, arg = {.n = 0};
  w_str(&op, 1, "X");
  w_str(&op, 2, "Y");
  w_str(&op, 4, "LRN");
  w_str(&arg, 1, "size");
  w_int(&arg, 3, 3);
  w_msg(&op, 5, &arg);
  const char *floats[] = {"alpha", "beta"};
  for (int k = 0; k < 2; k++) {
    arg.n = 0;
    w_str(&arg, 1, floats[k]);
    w_key(&arg, 2, 5);
    const uint8_t half[4] = {0, 0, 0, 0x3f};
    for (int b = 0; b < 4; b++) w_byte(&arg, half[b]);
    w_msg(&op, 5, &arg);
  }
  int n = 100000 / size_scale();
  growing args = {NULL, 0, 0};
  for (int i = 0; i < n; i++) {
    char name[16];
    snprintf(name, sizeof name, "a%d", i);
    arg.n = 0;
    w_str(&arg, 1, name);
    w_int(&arg, 3, 1);
    w.n = 0;
    w_msg(&w, 5, &arg);
    g_append(&args, &w);
  }
  /* NetDef.op = OperatorDef (op fields + the arguments) */
  wire head = {.n = 0};
  w_key(&head, 2, 2);
  w_varint(&head, op.n + args.n);
  g_append(&g, &head);
  g_append(&g, &op);
  wire chunk = {.n = 0};
  for (size_t at = 0; at < args.n; at += chunk.n) {
    chunk.n = args.n - at < sizeof chunk.b ? args.n - at : sizeof chunk.b;
    memcpy(chunk.b, args.b + at, chunk.n);
    g_append(&g, &chunk);
  }
  free(args.b);
  return create_net_bytes(&g, err);
}

typedef struct hostile_case {
  const char *what;
  c2_status (*act)(c2_error *err);
  c2_status want;
  const char *message; /* must appear in the error */
} hostile_case;

/* Seconds any row may take: rows that were quadratic took 25 s and more in a plain build.
 * Scaled like Check's timeouts (the valgrind setup sets CK_TIMEOUT_MULTIPLIER). */
static double row_seconds(void) {
  const char *m = getenv("CK_TIMEOUT_MULTIPLIER");
  double scale = m ? atof(m) : 1.0;
  return 15.0 * (scale >= 1.0 ? scale : 1.0);
}


static double seconds_now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static const hostile_case cases[] = {
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
    /* op arguments */
    {"float argument stored as int", float_stored_as_int, C2_ERR_TYPE,
     "op #0 (LRN): argument 'alpha' must be a float (field f), but it is stored as an int (field i)"},
    {"missing argument", missing_argument, C2_ERR_SCHEMA,
     "op #0 (LRN): missing required argument 'size' (an int)"},
    {"even LRN size", even_size, C2_ERR_INVALID_ARGUMENT,
     "op #0 (LRN): argument 'size' must be a positive odd integer, got 4"},
    {"NaN alpha", nan_alpha, C2_ERR_INVALID_ARGUMENT,
     "op #0 (LRN): argument 'alpha' must be a finite number > 0, got nan"},
    {"negative beta", negative_beta, C2_ERR_INVALID_ARGUMENT,
     "op #0 (LRN): argument 'beta' must be a finite number > 0, got -0.75"},
    {"unknown order", bad_order, C2_ERR_INVALID_ARGUMENT,
     "op #0 (LRN): argument 'order' must be \"NCHW\" or \"NHWC\", got \"CHWN\""},
    {"same argument twice, different values", duplicate_argument, C2_ERR_INVALID_ARGUMENT,
     "op #0 (LRN): found argument of the same name 'size' but with different contents"},
    /* blobs and shapes */
    {"X/dY shape mismatch", x_dy_mismatch, C2_ERR_SHAPE,
     "op #0 (LRNGradient): input 'dY' has shape [1, 3, 2, 2], but X ('X') has shape [1, 3, 4, 4]"},
    {"missing input blob", missing_input_blob, C2_ERR_NOT_FOUND,
     "op #0 (LRN): input blob 'nowhere' does not exist in the workspace"},
    {"input never written", empty_input_blob, C2_ERR_INVALID_ARGUMENT,
     "op #0 (LRN): input 'Z' is empty: it was never written"},
    {"input of the wrong rank", wrong_rank, C2_ERR_SHAPE,
     "op #0 (LRN): input 'X' must be a 4-D NCHW tensor, got shape [3, 4]"},
    {"output name collision", output_collision, C2_ERR_SCHEMA,
     "op #0 (LRN): outputs 0 and 1 are both named 'Y'"},
    {"in place where the op cannot", not_in_place, C2_ERR_SCHEMA,
     "op #0 (LRN): input 0 and output 0 are both 'X', but LRN cannot run in place on that pair"},
    /* registry, engines, devices */
    {"unknown op type", unknown_op_type, C2_ERR_NOT_FOUND,
     "op #0 (NoSuchOp): no operator of type 'NoSuchOp' is registered in this build"},
    {"unknown engine falls back to the default", unknown_engine_falls_back, C2_OK, NULL},
    {"device this build lacks", cuda_device, C2_ERR_UNSUPPORTED,
     "op #0 (LRN): device type 1 (CUDA) is not available in this build"},
    {"unknown device", unknown_device, C2_ERR_UNSUPPORTED,
     "op #0 (LRN): device type 99 (unknown) is not available in this build"},
    {"negative device", negative_device, C2_ERR_UNSUPPORTED, "device type -1 (unknown)"},
    {"duplicate registration (schema)", duplicate_builtins, C2_ERR_EXISTS,
     "a schema for op 'LRN' is already registered"},
    {"duplicate registration (implementation)", duplicate_impl, C2_ERR_EXISTS,
     "op 'Mine' already has an implementation for device CPU, engine 'FAST'"},
    {"duplicate registration (gradient)", duplicate_gradient, C2_ERR_EXISTS,
     "a gradient for op 'Mine' is already registered"},
    /* nets */
    {"run after a failed create", run_after_failed_create, C2_ERR_INVALID_ARGUMENT,
     "no net to run (NULL: was its creation successful?)"},
    {"run a named net after its create failed", run_named_after_failed_create, C2_ERR_NOT_FOUND,
     "net 'n' does not exist in the workspace"},
    {"100,000-op chain (linear-time checks)", long_chain, C2_ERR_SCHEMA,
     "net '' declares external output 'nowhere', but no op produces it"},
    {"100,000 arguments (linear-time checks)", many_arguments, C2_OK, NULL},
    {"a fill op asking for 10 GB (workspace memory limit)", fill_10gb, C2_ERR_LIMIT,
     "op #0 (ConstantFill): a tensor of 10000000000 bytes would bring the workspace's tensors to "
     "10000000000 bytes, over its limit of 67108864 (c2_workspace_set_memory_limit)"},
    {"workspace memory accounting", memory_accounting, C2_OK, NULL},
    {"tensors loaded over the workspace memory limit", load_over_memory_limit, C2_ERR_LIMIT,
     "tensor 'f': a tensor of 24 bytes would bring the workspace's tensors to 88 bytes, over its "
     "limit of 80"},
    {"unknown net type", unknown_net_type, C2_ERR_UNSUPPORTED,
     "net 'typed' has type 'no_such_executor', which is not a known net type"},
};
#define N_CASES ((int)(sizeof cases / sizeof *cases))

START_TEST(test_case) {
  const hostile_case *c = &cases[_i];
  c2_error err;
  c2_error_clear(&err);
  double start = seconds_now();
  c2_status got = c->act(&err);
  double took = seconds_now() - start;
  ck_assert_msg(took < row_seconds(), "[%s] took %.1f s", c->what, took);
  ck_assert_msg(got == c->want, "[%s] expected %s, got %s (%s)", c->what, c2_status_name(c->want),
                c2_status_name(got), err.message);
  if (c->message)
    ck_assert_msg(strstr(err.message, c->message) != NULL, "[%s] message '%s' lacks '%s'", c->what,
                  err.message, c->message);
  /* The error value agrees with the status: no stale error after a success. */
  ck_assert_msg(err.code == got, "[%s] returned %s but the error says %s", c->what,
                c2_status_name(got), c2_status_name(err.code));
  if (got != C2_OK) ck_assert_msg(!strchr(err.message, '\n'), "[%s] message has a newline", c->what);
}
END_TEST

static Suite *make_suite(void) {
  Suite *s = suite_create("hostile");
  TCase *tc = tcase_create("hostile");
  tcase_set_timeout(tc, 120);
  tcase_add_loop_test(tc, test_case, 0, N_CASES);
  suite_add_tcase(s, tc);
  return s;
}

int main(void) { return test_run_suite(make_suite()); }
