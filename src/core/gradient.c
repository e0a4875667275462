/* Caffe2's GradientMakerBase and GetGradientForOp as a callback driver. */
#include <string.h>

#include "alloc.h"
#include "c2rt/caffe2.pb-c.h"
#include "c2rt/def.h"
#include "def_impl.h"
#include "registry_impl.h"

struct c2_grad_ctx {
  const c2_opdef *def;
  size_t n_g_output;
  const char *const *g_output;
  char **g_input; /* one per forward input, owned, NULL = none */
  c2_opdef **ops;
  size_t n_ops;
  bool copy_device, copy_engine, copy_args;
};

struct c2_grad_result {
  c2_opdef **ops;
  size_t n_ops;
  char **g_input;
  size_t n_inputs;
};

const c2_opdef *c2_grad_def(const c2_grad_ctx *g) { return g->def; }

const char *c2_grad_I(const c2_grad_ctx *g, int i) {
  return i >= 0 && (size_t)i < g->def->n_input ? g->def->input[i] : NULL;
}

const char *c2_grad_O(const c2_grad_ctx *g, int i) {
  return i >= 0 && (size_t)i < g->def->n_output ? g->def->output[i] : NULL;
}

const char *c2_grad_GO_or_null(const c2_grad_ctx *g, int i) {
  return i >= 0 && (size_t)i < g->n_g_output ? g->g_output[i] : NULL;
}

c2_status c2_grad_GO(const c2_grad_ctx *g, int i, const char **name, c2_error *err) {
  const char *go = c2_grad_GO_or_null(g, i);
  if (!go)
    return c2_error_set(err, C2_ERR_GRADIENT, "gradient of output %d ('%s') is not provided", i,
                        c2_grad_O(g, i) ? c2_grad_O(g, i) : "?");
  *name = go;
  return C2_OK;
}

c2_status c2_grad_set_dense(c2_grad_ctx *g, int i, const char *name, c2_error *err) {
  if (i < 0 || (size_t)i >= g->def->n_input)
    return c2_error_set(err, C2_ERR_GRADIENT, "input index %d out of range", i);
  char *copy = c2__strdup(name);
  if (!copy) return c2_error_set(err, C2_ERR_NOMEM, "out of memory naming a gradient");
  c2__free(g->g_input[i]);
  g->g_input[i] = copy;
  return C2_OK;
}

c2_status c2_grad_GI(c2_grad_ctx *g, int i, const char **name, c2_error *err) {
  const char *in = c2_grad_I(g, i);
  if (!in) return c2_error_set(err, C2_ERR_GRADIENT, "input index %d out of range", i);
  size_t len = strlen(in);
  char *grad = c2__malloc(len + sizeof "_grad");
  if (!grad) return c2_error_set(err, C2_ERR_NOMEM, "out of memory naming a gradient");
  memcpy(grad, in, len);
  memcpy(grad + len, "_grad", sizeof "_grad");
  c2__free(g->g_input[i]);
  g->g_input[i] = grad;
  *name = grad;
  return C2_OK;
}

c2_status c2_grad_add_op(c2_grad_ctx *g, const char *type, size_t n_in, const char *const *in,
                         size_t n_out, const char *const *out, c2_opdef **op, c2_error *err) {
  c2_opdef **grown = c2__realloc(g->ops, (g->n_ops + 1) * sizeof *grown);
  if (!grown) return c2_error_set(err, C2_ERR_NOMEM, "out of memory adding a gradient op");
  g->ops = grown;
  c2_opdef *made;
  c2_status st = c2_opdef_new(type, n_in, in, n_out, out, &made, err);
  if (st) return st;
  g->ops[g->n_ops++] = made;
  if (op) *op = made;
  return C2_OK;
}

void c2_grad_set_copy(c2_grad_ctx *g, bool device_option, bool engine, bool arguments) {
  g->copy_device = device_option;
  g->copy_engine = engine;
  g->copy_args = arguments;
}

static void free_strings(char **v, size_t n) {
  if (!v) return;
  for (size_t i = 0; i < n; i++) c2__free(v[i]);
  c2__free(v);
}

void c2_grad_result_free(c2_grad_result *r) {
  if (!r) return;
  for (size_t i = 0; i < r->n_ops; i++) c2_opdef_free(r->ops[i]);
  c2__free(r->ops);
  free_strings(r->g_input, r->n_inputs);
  c2__free(r);
}

size_t c2_grad_result_num_ops(const c2_grad_result *r) { return r->n_ops; }
const c2_opdef *c2_grad_result_op(const c2_grad_result *r, size_t i) {
  return i < r->n_ops ? r->ops[i] : NULL;
}
c2_opdef *c2_grad_result_take_op(c2_grad_result *r, size_t i) {
  if (i >= r->n_ops) return NULL;
  c2_opdef *op = r->ops[i];
  r->ops[i] = NULL;
  return op;
}
const char *c2_grad_result_input_grad(const c2_grad_result *r, size_t i) {
  return i < r->n_inputs ? r->g_input[i] : NULL;
}
size_t c2_grad_result_num_inputs(const c2_grad_result *r) { return r->n_inputs; }

/* Caffe2 copies the forward op's device option, engine and every argument into each gradient
 * op, and marks it as a gradient op. */
static c2_status decorate(const c2_grad_ctx *g, c2_opdef *op, c2_error *err) {
  const c2_opdef *fwd = g->def;
  c2_status st = C2_OK;
  if (g->copy_device && fwd->device_option) {
    if (op->device_option) c2__message_free(&op->device_option->base);
    op->device_option = NULL;
    st = c2__message_copy(&fwd->device_option->base, &caffe2__device_option__descriptor,
                          (ProtobufCMessage **)&op->device_option, err);
  }
  if (!st && g->copy_engine && fwd->engine) st = c2_opdef_set_engine(op, fwd->engine, err);
  if (!st && g->copy_args && fwd->n_arg) {
    Caffe2__Argument **grown = c2__realloc(op->arg, (op->n_arg + fwd->n_arg) * sizeof *grown);
    if (!grown) return c2_error_set(err, C2_ERR_NOMEM, "out of memory copying arguments");
    op->arg = grown;
    for (size_t i = 0; !st && i < fwd->n_arg; i++) {
      st = c2__message_copy(&fwd->arg[i]->base, &caffe2__argument__descriptor,
                            (ProtobufCMessage **)&op->arg[op->n_arg], err);
      if (!st) op->n_arg++;
    }
  }
  if (!st) c2_opdef_set_is_gradient_op(op, true);
  return st;
}

c2_status c2_gradient_for_op(const c2_registry *reg, const c2_opdef *def, size_t n_g_output,
                             const char *const *g_output, c2_grad_result **out, c2_error *err) {
  const char *type = def->type ? def->type : "";
  if (n_g_output != def->n_output)
    return c2_error_set(err, C2_ERR_INVALID_ARGUMENT,
                        "gradient of '%s': %zu output gradients given for %zu outputs", type,
                        n_g_output, def->n_output);
  c2_gradient_fn fn = NULL;
  switch (c2__registry_gradient(reg, type, &fn)) {
    case C2_GRADIENT_UNSET:
      return c2_error_set(err, C2_ERR_GRADIENT, "gradient maker for operator '%s' is not "
                          "implemented", type);
    case C2_GRADIENT_SHOULD_NOT_DO:
      return c2_error_set(err, C2_ERR_GRADIENT, "one should not call gradient for operator '%s'",
                          type);
    case C2_GRADIENT_NOT_IMPLEMENTED:
      return c2_error_set(err, C2_ERR_GRADIENT, "operator '%s' should have a gradient but it is "
                          "not implemented yet", type);
    case C2_GRADIENT_NONE:
    case C2_GRADIENT_FN:
      break;
  }
  const c2_schema *schema = c2_registry_schema(reg, type);
  if (schema) {
    c2_status st = c2_schema_verify(schema, def, err);
    if (st) {
      c2_error_prefix(err, "(gradient maker) %s: ", type);
      return st;
    }
  }
  c2_grad_ctx g = {.def = def, .n_g_output = n_g_output, .g_output = g_output,
                   .copy_device = true, .copy_engine = true, .copy_args = true};
  c2_grad_result *r = c2__calloc(1, sizeof *r);
  g.g_input = c2__calloc(def->n_input, sizeof *g.g_input);
  c2_status st = (r && g.g_input) ? C2_OK
                                  : c2_error_set(err, C2_ERR_NOMEM, "out of memory making gradient");
  if (!st && fn) st = fn(&g, err);
  for (size_t i = 0; !st && i < g.n_ops; i++) st = decorate(&g, g.ops[i], err);
  if (st) {
    for (size_t i = 0; i < g.n_ops; i++) c2_opdef_free(g.ops[i]);
    c2__free(g.ops);
    free_strings(g.g_input, def->n_input);
    c2__free(r);
    return st;
  }
  r->ops = g.ops;
  r->n_ops = g.n_ops;
  r->g_input = g.g_input;
  r->n_inputs = def->n_input;
  *out = r;
  return C2_OK;
}
