/* Helpers for the backward suites: nets written as "Type in1 in2 > out1; Type ..." and
 * comparisons of generated ops against such specs. */
#ifndef C2_TESTS_BACKWARD_HELPERS_H
#define C2_TESTS_BACKWARD_HELPERS_H

#include "op_helpers.h"

/* One op from "Type a b > c d" (no '>' means no outputs). */
static inline c2_opdef *op_from_spec(const char *spec) {
  char type[64], ins[512] = "", outs[512] = "";
  const char *gt = strchr(spec, '>');
  size_t head = gt ? (size_t)(gt - spec) : strlen(spec);
  char left[512];
  snprintf(left, sizeof left, "%.*s", (int)head, spec);
  char *p = left;
  while (*p == ' ') p++;
  size_t tlen = strcspn(p, " ");
  snprintf(type, sizeof type, "%.*s", (int)tlen, p);
  snprintf(ins, sizeof ins, "%s", p + tlen);
  if (gt) snprintf(outs, sizeof outs, "%s", gt + 1);
  return op_new(type, ins, outs);
}

/* A net of ops separated by ';'. */
static inline c2_netdef *net_spec(const char *name, const char *spec) {
  c2_netdef *net;
  c2_error err;
  EXPECT_OK(c2_netdef_new(name, &net, &err), &err);
  char copy[4096];
  snprintf(copy, sizeof copy, "%s", spec);
  for (char *save = NULL, *op = strtok_r(copy, ";", &save); op; op = strtok_r(NULL, ";", &save))
    EXPECT_OK(c2_netdef_add_op_take(net, op_from_spec(op), &err), &err);
  return net;
}

/* Ops [first, end) of net must be exactly the ops of spec: type, inputs and outputs. */
static inline void expect_ops(const c2_netdef *net, size_t first, const char *spec) {
  c2_netdef *want = net_spec("want", spec);
  size_t n = c2_netdef_num_ops(want);
  ck_assert_msg(c2_netdef_num_ops(net) - first == n, "%zu gradient ops, expected %zu",
                c2_netdef_num_ops(net) - first, n);
  for (size_t i = 0; i < n; i++) {
    const c2_opdef *got = c2_netdef_op(net, first + i), *exp = c2_netdef_op(want, i);
    char g[1024] = "", e[1024] = "";
    size_t gp = 0, ep = 0;
    gp += (size_t)snprintf(g + gp, sizeof g - gp, "%s", c2_opdef_type(got));
    for (size_t k = 0; k < c2_opdef_num_inputs(got); k++)
      gp += (size_t)snprintf(g + gp, sizeof g - gp, " %s", c2_opdef_input(got, k));
    gp += (size_t)snprintf(g + gp, sizeof g - gp, " >");
    for (size_t k = 0; k < c2_opdef_num_outputs(got); k++)
      gp += (size_t)snprintf(g + gp, sizeof g - gp, " %s", c2_opdef_output(got, k));
    ep += (size_t)snprintf(e + ep, sizeof e - ep, "%s", c2_opdef_type(exp));
    for (size_t k = 0; k < c2_opdef_num_inputs(exp); k++)
      ep += (size_t)snprintf(e + ep, sizeof e - ep, " %s", c2_opdef_input(exp, k));
    ep += (size_t)snprintf(e + ep, sizeof e - ep, " >");
    for (size_t k = 0; k < c2_opdef_num_outputs(exp); k++)
      ep += (size_t)snprintf(e + ep, sizeof e - ep, " %s", c2_opdef_output(exp, k));
    ck_assert_msg(strcmp(g, e) == 0, "gradient op %zu is '%s', expected '%s'", i, g, e);
  }
  c2_netdef_free(want);
}

/* The map must be exactly "blob:grad blob:grad ..." in this order. */
static inline void expect_map(const c2_backward *b, const char *pairs) {
  char copy[2048], got[2048] = "";
  snprintf(copy, sizeof copy, "%s", pairs);
  size_t pos = 0;
  for (size_t i = 0; i < c2_backward_num_grads(b); i++)
    pos += (size_t)snprintf(got + pos, sizeof got - pos, "%s%s:%s", i ? " " : "",
                            c2_backward_grad_blob(b, i), c2_backward_grad_name(b, i));
  ck_assert_msg(strcmp(got, pairs) == 0, "gradient map is '%s', expected '%s'", got, pairs);
}

static inline c2_backward *backward(const c2_netdef *net, const char *loss, const char *grad,
                                    const c2_registry *reg) {
  c2_loss l = {loss, grad};
  c2_backward_options opts = {.backward_only = true};
  c2_backward *b;
  c2_error err;
  EXPECT_OK(c2_backward_new(net, 1, &l, &opts, reg, &b, &err), &err);
  return b;
}

static inline void backward_fails(const c2_netdef *net, const char *loss, const char *grad,
                                  const c2_registry *reg, c2_status want,
                                  const char *fragment) {
  c2_loss l = {loss, grad};
  c2_backward *b = NULL;
  c2_error err;
  EXPECT_STATUS(c2_backward_new(net, 1, &l, NULL, reg, &b, &err), want, &err, fragment);
  ck_assert_ptr_null(b);
}

#endif
