/* Helpers of the hostile-input suite: wire bytes by hand, and runs that free everything. */
#include <stdio.h>
#include <stdlib.h>

#include "hostile.h"

/* ---- building wire bytes by hand ---- */

void w_byte(wire *w, uint8_t v) {
  ck_assert_uint_lt(w->n, sizeof w->b);
  w->b[w->n++] = v;
}

void w_varint(wire *w, uint64_t v) {
  do {
    w_byte(w, (uint8_t)((v & 0x7f) | (v >= 0x80 ? 0x80 : 0)));
    v >>= 7;
  } while (v);
}

void w_key(wire *w, unsigned field, unsigned wire_type) {
  w_varint(w, (uint64_t)field << 3 | wire_type);
}

void w_int(wire *w, unsigned field, uint64_t v) {
  w_key(w, field, 0);
  w_varint(w, v);
}

void w_bytes(wire *w, unsigned field, const void *data, size_t n) {
  w_key(w, field, 2);
  w_varint(w, n);
  ck_assert_uint_le(w->n + n, sizeof w->b);
  memcpy(w->b + w->n, data, n);
  w->n += n;
}

void w_str(wire *w, unsigned field, const char *s) { w_bytes(w, field, s, strlen(s)); }
void w_msg(wire *w, unsigned field, const wire *inner) { w_bytes(w, field, inner->b, inner->n); }

/* ---- running one input through the library, freeing everything ---- */

c2_status parse_net(const wire *w, const c2_load_limits *limits, c2_error *err) {
  c2_netdef *net = NULL;
  c2_status st = c2_netdef_parse(w->b, w->n, limits, &net, err);
  c2_netdef_free(net);
  return st;
}

c2_status load_tensors(const uint8_t *bytes, size_t len, const char *name,
                              const c2_load_limits *limits, c2_error *err) {
  c2_workspace *ws;
  c2_status st = c2_workspace_new(&ws, err);
  if (!st) st = c2_load_tensors(ws, bytes, len, name, limits, err);
  c2_workspace_free(ws);
  return st;
}

c2_status load_tensor_file(const char *fixture, c2_error *err) {
  c2_workspace *ws;
  c2_status st = c2_workspace_new(&ws, err);
  if (!st) st = c2_load_tensors_file(ws, test_build_path(fixture), NULL, NULL, err);
  c2_workspace_free(ws);
  return st;
}

c2_opdef *new_op(const char *type, const char *in, const char *out1, const char *out2) {
  const char *ins[] = {in}, *outs[] = {out1, out2};
  c2_opdef *op;
  c2_error err;
  EXPECT_OK(c2_opdef_new(type, 1, ins, out2 ? 2 : 1, outs, &op, &err), &err);
  return op;
}

/* LRN over in -> out with size/alpha/beta; a NULL name in skip leaves that argument out. */
c2_opdef *lrn(const char *in, const char *out, int64_t size, float alpha, float beta,
                     const char *skip) {
  c2_opdef *op = new_op("LRN", in, out, NULL);
  c2_error err;
  if (!skip || strcmp(skip, "size") != 0) EXPECT_OK(c2_opdef_add_arg_int(op, "size", size, &err), &err);
  if (!skip || strcmp(skip, "alpha") != 0)
    EXPECT_OK(c2_opdef_add_arg_float(op, "alpha", alpha, &err), &err);
  if (!skip || strcmp(skip, "beta") != 0) EXPECT_OK(c2_opdef_add_arg_float(op, "beta", beta, &err), &err);
  return op;
}

c2_opdef *good_lrn(void) { return lrn("X", "Y", 3, 0.5f, 0.75f, NULL); }

/* Creates and runs a one-op net (the op is taken) over a workspace holding X (1x3x4x4) and,
 * when dy_dims is given, Y and dY; frees everything. */
c2_status create_and_run_dy(c2_opdef *op, const int64_t *dy_dims, c2_error *err) {
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

c2_status create_and_run(c2_opdef *op, c2_error *err) {
  return create_and_run_dy(op, NULL, err);
}
