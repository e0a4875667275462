/* Fuzz target (a): NetDef bytes -> parse -> re-encode -> a net over a small workspace -> run it
 * twice -> its backward net (Caffe2's AddGradientOperators) -> run -> free. Every blob an op reads
 * that no earlier op writes is fed a tiny tensor chosen by its name, so runs stay fast. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <c2rt/c2rt.h>

#include "fuzz.h"

/* Every failure must come with its code and a message. */
static c2_status checked(c2_status st, const c2_error *err) {
  FUZZ_CHECK(st == err->code);
  FUZZ_CHECK(st == C2_OK || err->message[0] != '\0');
  return st;
}
#define CALL(expr) (c2_error_clear(&err), checked((expr), &err))

static uint32_t name_hash(const char *s) {
  uint32_t h = 2166136261u;
  for (; *s; s++) h = (h ^ (uint8_t)*s) * 16777619u;
  return h;
}

/* A tensor of at most 60 elements picked by the blob name: float mostly, some int32, some
 * holding NaN, infinities and huge values. */
static void feed(c2_workspace *ws, const char *name) {
  static const struct {
    int ndim;
    int64_t dims[4];
  } shapes[] = {
      {4, {1, 3, 4, 4}}, {4, {2, 5, 3, 2}}, {4, {1, 1, 1, 1}}, {4, {0, 3, 2, 2}},
      {4, {1, 7, 1, 3}}, {4, {1, 2, 2, 0}}, {2, {3, 4}},       {1, {5}},
      {0, {0}},
  };
  uint32_t h = name_hash(name);
  size_t pick = h % (sizeof shapes / sizeof *shapes);
  float f[64];
  int32_t i32[64];
  for (int i = 0; i < 64; i++) {
    uint32_t r = h + (uint32_t)i * 2654435761u;
    f[i] = (float)((int)(r % 2001) - 1000) / 100.0f;
    i32[i] = (int32_t)(r % 201) - 100;
  }
  if ((h >> 16) % 8 == 0) {
    f[0] = NAN;
    f[1] = INFINITY;
    f[2] = -0.0f;
    f[3] = 3e38f;
  }
  bool as_int = (h >> 8) % 8 == 0;
  c2_workspace_feed(ws, name, as_int ? C2_DTYPE_INT32 : C2_DTYPE_FLOAT, shapes[pick].ndim,
                    shapes[pick].dims, as_int ? (const void *)i32 : (const void *)f, NULL);
}

/* Feeds every blob that is read before anything writes it (outputs are created empty, as net
 * creation would). */
static void feed_inputs(c2_workspace *ws, const c2_netdef *def) {
  for (size_t i = 0; i < c2_netdef_num_external_inputs(def); i++)
    if (!c2_workspace_has_blob(ws, c2_netdef_external_input(def, i)))
      feed(ws, c2_netdef_external_input(def, i));
  for (size_t k = 0; k < c2_netdef_num_ops(def); k++) {
    const c2_opdef *op = c2_netdef_op(def, k);
    for (size_t i = 0; i < c2_opdef_num_inputs(op); i++)
      if (!c2_workspace_has_blob(ws, c2_opdef_input(op, i))) feed(ws, c2_opdef_input(op, i));
    for (size_t i = 0; i < c2_opdef_num_outputs(op); i++) {
      c2_tensor *t;
      c2_workspace_create_blob(ws, c2_opdef_output(op, i), &t, NULL);
    }
  }
}

static void create_and_run(c2_workspace *ws, const c2_netdef *def) {
  c2_error err;
  c2_net *net = NULL;
  if (CALL(c2_net_new(ws, def, NULL, &net, &err)) == C2_OK) {
    FUZZ_CHECK(c2_net_num_ops(net) == c2_netdef_num_ops(def));
    for (int run = 0; run < 2; run++)
      if (CALL(c2_net_run(net, &err))) break;
  } else {
    FUZZ_CHECK(net == NULL);
  }
  c2_net_free(net);
}

/* Caffe2's AddGradientOperators over the net, its external outputs as losses (or the last op's
 * first output), then the backward net created and run on what the forward run left. */
static void backward(c2_workspace *ws, const c2_netdef *def) {
  c2_loss losses[8];
  size_t n = 0;
  for (size_t i = 0; i < c2_netdef_num_external_outputs(def) && n < 8; i++)
    losses[n++] = (c2_loss){c2_netdef_external_output(def, i), NULL};
  size_t n_ops = c2_netdef_num_ops(def);
  if (n == 0 && n_ops && c2_opdef_num_outputs(c2_netdef_op(def, n_ops - 1)))
    losses[n++] = (c2_loss){c2_opdef_output(c2_netdef_op(def, n_ops - 1), 0), NULL};
  if (n == 0) return;
  c2_error err;
  c2_backward *b = NULL;
  if (CALL(c2_backward_new(def, n, losses, NULL, NULL, &b, &err)) == C2_OK) {
    const c2_netdef *net = c2_backward_net(b);
    FUZZ_CHECK(net && c2_backward_num_forward_ops(b) == n_ops);
    feed_inputs(ws, net);
    create_and_run(ws, net);
  }
  c2_backward_free(b);
}

/* Re-encoding a parsed net gives bytes that parse again and re-encode identically. */
static void round_trip(const c2_netdef *def, const c2_load_limits *limits) {
  c2_error err;
  uint8_t *bytes, *again;
  size_t len, len_again;
  if (CALL(c2_netdef_pack(def, &bytes, &len, &err))) return;
  c2_netdef *copy = NULL;
  c2_status st = CALL(c2_netdef_parse(bytes, len, limits, &copy, &err));
  /* Our encoder writes Argument.floats unpacked (as Caffe2 does) even when the input had them
   * packed, which can need more parse memory than the input did. */
  if (st == C2_ERR_LIMIT) {
    c2_free(bytes);
    return;
  }
  if (st) fprintf(stderr, "re-encoded net does not parse: %s\n", err.message);
  FUZZ_CHECK(st == C2_OK);
  FUZZ_CHECK(CALL(c2_netdef_pack(copy, &again, &len_again, &err)) == C2_OK);
  FUZZ_CHECK(len == len_again && memcmp(bytes, again, len) == 0);
  c2_free(again);
  c2_free(bytes);
  c2_netdef_free(copy);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  c2_load_limits limits = c2_load_limits_default();
  limits.max_file_bytes = 1 << 20;
  c2_error err;
  c2_netdef *def = NULL;
  if (CALL(c2_netdef_parse(data, size, &limits, &def, &err))) return 0;
  round_trip(def, &limits);
  char text[48];
  for (size_t k = 0; k < c2_netdef_num_ops(def); k++) {
    const c2_opdef *op = c2_netdef_op(def, k);
    for (size_t i = 0; i < c2_opdef_num_args(op); i++) {
      c2_opdef_arg_string(op, i, text, sizeof text);
      FUZZ_CHECK(strlen(text) < sizeof text);
    }
  }
  c2_workspace *ws;
  if (CALL(c2_workspace_new(&ws, &err)) == C2_OK) {
    c2_workspace_set_num_threads(ws, 2);
    /* What a host running nets from elsewhere does: a fill op may not take gigabytes. */
    c2_workspace_set_memory_limit(ws, 64 << 20);
    feed_inputs(ws, def);
    create_and_run(ws, def);
    backward(ws, def);
    c2_workspace_free(ws);
  }
  c2_netdef_free(def);
  return 0;
}
