/* Backward nets: the reverse walk of Caffe2's IR.GetBackwardPass (seeding, each op's gradient
 * definition, the version checks of CheckGradientOperatorInput, the gradient generators of
 * BuildGradientGenerators) and the assembly of the resulting NetDef. */
#include <stdio.h>
#include <string.h>

#include "../core/alloc.h"
#include "backward_ir.h"
#include "c2rt/def.h"

struct c2_backward {
  c2_netdef *net;
  size_t n_forward_ops;
  char **blobs, **grads; /* the map, owned */
  size_t n_grads;
};

#define OOM(err) c2_error_set(err, C2_ERR_NOMEM, "out of memory building the backward pass")

static const char *op_type(const c2_opdef *op) { return op->type ? op->type : ""; }

static int index_of(char *const *names, size_t n, const char *name) {
  for (size_t i = 0; i < n; i++)
    if (names[i] && strcmp(names[i], name) == 0) return (int)i;
  return -1;
}

/* ---- seeding (Caffe2 GetBackwardPass step 1 and _GetInitGradients) ---- */

static bool net_mentions(const c2_ir *ir, const c2_netdef *net, const char *name) {
  c2_ir_blob *b = NULL;
  HASH_FIND_STR(ir->blobs, name, b);
  return b || index_of(net->external_input, net->n_external_input, name) >= 0;
}

static c2_status seed(c2_ir *ir, const c2_netdef *net, size_t n_losses, const c2_loss *losses,
                      c2_error *err) {
  if (n_losses == 0)
    return c2_error_set(err, C2_ERR_INVALID_ARGUMENT, "no loss blob given: a backward pass "
                        "needs at least one");
  for (size_t i = 0; i < n_losses; i++) {
    const char *y = losses[i].blob;
    if (!y || !*y) return c2_error_set(err, C2_ERR_INVALID_ARGUMENT, "loss #%zu has no name", i);
    for (size_t j = 0; j < i; j++)
      if (strcmp(losses[j].blob, y) == 0)
        return c2_error_set(err, C2_ERR_INVALID_ARGUMENT, "loss '%s' is given twice", y);
    /* Caffe2 would emit ConstantFill([y]) and fail only when the net runs. */
    if (!net_mentions(ir, net, y))
      return c2_error_set(err, C2_ERR_NOT_FOUND, "loss '%s' is neither read nor written by any "
                          "op of net '%s', nor one of its external inputs", y,
                          net->name ? net->name : "");
  }
  /* The gradient of each loss is for its last version, which gets a virtual reader after every
   * forward op, so that a loss also read by other ops has its gradients summed. */
  for (size_t i = 0; i < n_losses; i++) {
    c2_ir_blob *b = c2__ir_blob(ir, losses[i].blob, true, err);
    if (!b) return C2_ERR_NOMEM;
    b->seen = true;
    b->has_grad_version = true;
    b->grad_version = b->frontier;
    c2_status st = c2__ir_add_reader(b, b->frontier, (int)ir->n_ops, err);
    if (st) return st;
  }
  for (size_t i = 0; i < n_losses; i++) {
    const char *y = losses[i].blob, *g = losses[i].grad;
    c2_ir_blob *b = c2__ir_blob(ir, y, false, err);
    c2_ir_gen gen = {.op = -1};
    if (!g) {
      const char *name = c2__ir_str(ir, y, "_autogen_grad", NULL, err);
      c2_opdef *fill = NULL;
      c2_status st = name ? c2_opdef_new("ConstantFill", 1, &y, 1, &name, &fill, err)
                          : C2_ERR_NOMEM;
      if (!st) st = c2_opdef_add_arg_float(fill, "value", 1.0f, err);
      if (st) {
        c2_opdef_free(fill);
        return st;
      }
      st = c2__ir_push_gop(ir, fill, err);
      if (st) return st;
      gen = (c2_ir_gen){.op = (int)ir->n_gops - 1, .idx = 0, .grad = name};
      g = name;
    } else {
      /* Caffe2 records no generator for a given gradient, so a loss that other ops also read
       * would lose it; recording it as passed through sums it in. */
      gen.grad = c2__ir_str(ir, g, NULL, NULL, err);
      if (!gen.grad) return C2_ERR_NOMEM;
    }
    c2_status st = c2__ir_map_set(ir, y, g, err);
    if (!st) st = c2__ir_add_gen(b, b->frontier, gen, err);
    if (st) return st;
  }
  return C2_OK;
}

/* ---- version checks (Caffe2 CheckGradientOperatorInput) ---- */

/* The forward op that produced version v of blob (searched after op k), or -1. */
static int producer_of(const c2_ir *ir, size_t k, const char *blob, int v) {
  for (size_t m = k + 1; m < ir->n_ops; m++) {
    const c2_opdef *def = ir->ops[m].def;
    for (size_t j = 0; j < def->n_output; j++)
      if (ir->ops[m].out_ver[j] == v && strcmp(def->output[j], blob) == 0) return (int)m;
  }
  return -1;
}

static c2_status overwritten(const c2_ir *ir, size_t k, const c2_opdef *gop, const char *kind,
                             const char *blob, int want, int now, c2_error *err) {
  /* A later version exists, so some later op wrote it. */
  int m = producer_of(ir, k, blob, want + 1);
  char by[96] = "a later op";
  if (m >= 0)
    snprintf(by, sizeof by, "op #%zu (%s)", (size_t)m + ir->base, op_type(ir->ops[m].def));
  return c2_error_set(err, C2_ERR_GRADIENT,
                      "op #%zu (%s): its gradient op %s needs %s '%s' at version %d, but %s "
                      "overwrites '%s' later (version %d at the end of the forward pass); give "
                      "that op's output a blob of its own",
                      k + ir->base, op_type(ir->ops[k].def), op_type(gop), kind, blob, want, by,
                      blob, now);
}

/* Gradient op j (first = index of this forward op's first gradient op) reads `s`. */
static c2_status check_input(const c2_ir *ir, size_t k, const char *const *g_output, size_t first,
                             size_t j, const char *s, c2_error *err) {
  const c2_ir_op *op = &ir->ops[k];
  const c2_opdef *def = op->def, *gop = ir->gops[j];
  c2_ir_blob *b = NULL;
  int i = index_of((char *const *)g_output, def->n_output, s);
  if (i >= 0) {
    const char *y = def->output[i];
    HASH_FIND_STR(ir->blobs, y, b);
    int have = b && b->has_grad_version ? b->grad_version : -1;
    if (have != op->out_ver[i])
      return c2_error_set(err, C2_ERR_GRADIENT,
                          "op #%zu (%s): gradient '%s' is expected to belong to version %d of "
                          "'%s', but it belongs to version %d; is '%s' written by two ops?",
                          k + ir->base, op_type(def), s, op->out_ver[i], y, have, y);
    return C2_OK;
  }
  /* Forward blobs were all played, so b is found for them. */
  HASH_FIND_STR(ir->blobs, s, b);
  int now = b ? b->frontier : -1;
  if ((i = index_of(def->output, def->n_output, s)) >= 0) {
    if (now != op->out_ver[i]) return overwritten(ir, k, gop, "output", s, op->out_ver[i], now, err);
    return C2_OK;
  }
  if ((i = index_of(def->input, def->n_input, s)) >= 0) {
    if (now != op->in_ver[i]) return overwritten(ir, k, gop, "input", s, op->in_ver[i], now, err);
    return C2_OK;
  }
  for (size_t p = first; p < j; p++)
    if (index_of(ir->gops[p]->output, ir->gops[p]->n_output, s) >= 0) return C2_OK;
  return c2_error_set(err, C2_ERR_GRADIENT,
                      "op #%zu (%s): its gradient op %s reads '%s', which is not an input, an "
                      "output or an output gradient of the op, nor made by an earlier gradient op",
                      k + ir->base, op_type(def), op_type(gop), s);
}

/* ---- one forward op (Caffe2 _GenerateGradientsForForwardOp + BuildGradientGenerators) ---- */

static bool made_here(const c2_ir *ir, size_t first, const char *name) {
  for (size_t p = first; p < ir->n_gops; p++)
    if (index_of(ir->gops[p]->output, ir->gops[p]->n_output, name) >= 0) return true;
  return false;
}

static c2_status record_generators(c2_ir *ir, size_t k, const char *const *g_output,
                                   const c2_grad_result *res, size_t first, c2_error *err) {
  const c2_ir_op *op = &ir->ops[k];
  const c2_opdef *def = op->def;
  size_t n_in = def->n_input;
  for (size_t j = first; j < ir->n_gops; j++) {
    const c2_opdef *gop = ir->gops[j];
    for (size_t i = 0; i < gop->n_input; i++) {
      c2_status st = check_input(ir, k, g_output, first, j, gop->input[i], err);
      if (st) return st;
    }
    for (size_t o = 0; o < gop->n_output; o++)
      for (size_t i = 0; i < n_in; i++) {
        const char *g = c2_grad_result_input_grad(res, i);
        if (!g || strcmp(g, gop->output[o]) != 0) continue;
        const char *name = c2__ir_str(ir, g, NULL, NULL, err);
        c2_ir_blob *b = c2__ir_blob(ir, def->input[i], false, err);
        c2_ir_gen gen = {.op = (int)j, .idx = (int)o, .grad = name};
        if (!name || c2__ir_add_gen(b, op->in_ver[i], gen, err)) return C2_ERR_NOMEM;
        break;
      }
  }
  /* Gradients passed through without an op (Sum's) are generators too. */
  for (size_t i = 0; i < n_in; i++) {
    const char *g = c2_grad_result_input_grad(res, i);
    if (!g) continue;
    c2_ir_blob *b = c2__ir_blob(ir, def->input[i], false, err);
    if (!made_here(ir, first, g)) {
      c2_ir_gen gen = {.op = -1, .grad = c2__ir_str(ir, g, NULL, NULL, err)};
      if (!gen.grad || c2__ir_add_gen(b, op->in_ver[i], gen, err)) return C2_ERR_NOMEM;
    }
    b->has_grad_version = true;
    b->grad_version = op->in_ver[i];
  }
  return C2_OK;
}

/* Caffe2's update of input_to_grad: a None never replaces a gradient, unless the input is also
 * an output of the op (its new version has no gradient). */
static c2_status update_map(c2_ir *ir, size_t k, const c2_grad_result *res, c2_error *err) {
  const c2_opdef *def = ir->ops[k].def;
  size_t n = def->n_input;
  /* Decided against the map as it was before this op, then applied in input order. */
  bool *apply = c2__calloc(n ? n : 1, sizeof *apply);
  if (!apply) return OOM(err);
  for (size_t i = 0; i < n; i++) {
    c2_ir_blob *b = c2__ir_blob(ir, def->input[i], false, err);
    apply[i] = c2_grad_result_input_grad(res, i) || !b->in_map ||
               index_of(def->output, def->n_output, def->input[i]) >= 0;
  }
  c2_status st = C2_OK;
  for (size_t i = 0; !st && i < n; i++)
    if (apply[i]) st = c2__ir_map_set(ir, def->input[i], c2_grad_result_input_grad(res, i), err);
  c2__free(apply);
  return st;
}

static c2_status backward_op(c2_ir *ir, size_t k, c2_error *err) {
  const c2_opdef *def = ir->ops[k].def;
  size_t n_out = def->n_output;
  const char **g_output = c2__calloc(n_out ? n_out : 1, sizeof *g_output);
  if (!g_output) return OOM(err);
  bool any = strcmp(op_type(def), "ZeroGradient") == 0;
  const char *reached_by = NULL;
  for (size_t j = 0; j < n_out; j++) {
    c2_ir_blob *b = c2__ir_blob(ir, def->output[j], false, err);
    g_output[j] = b && b->in_map ? b->grad : NULL;
    if (g_output[j] && !reached_by) reached_by = def->output[j];
    any = any || g_output[j];
  }
  c2_status st = C2_OK;
  c2_grad_result *res = NULL;
  if (any) {
    st = c2_gradient_for_op(ir->reg, def, n_out, g_output, &res, err);
    if (st && reached_by)
      c2_error_prefix(err, "op #%zu (%s), reached by the gradient of '%s': ", k + ir->base,
                      op_type(def), reached_by);
    else if (st)
      c2_error_prefix(err, "op #%zu (%s): ", k + ir->base, op_type(def));
  }
  size_t first = ir->n_gops;
  for (size_t i = 0; !st && res && i < c2_grad_result_num_ops(res); i++)
    st = c2__ir_push_gop(ir, c2_grad_result_take_op(res, i), err);
  if (!st && res) st = record_generators(ir, k, g_output, res, first, err);
  if (!st && res) st = update_map(ir, k, res, err);
  c2_grad_result_free(res);
  c2__free(g_output);
  if (!st) st = c2__ir_accumulate(ir, k, err);
  return st;
}

/* ---- the resulting net ---- */

static c2_status add_unique(char ***list, size_t *n, const char *name, c2_error *err) {
  if (index_of(*list, *n, name) >= 0) return C2_OK;
  char **grown = c2__realloc(*list, (*n + 1) * sizeof **list);
  if (!grown) return OOM(err);
  *list = grown;
  (*list)[(*n)++] = (char *)name; /* borrowed */
  return C2_OK;
}

static bool produced_by(c2_opdef *const *ops, size_t n, const char *name) {
  for (size_t p = 0; p < n; p++)
    if (index_of(ops[p]->output, ops[p]->n_output, name) >= 0) return true;
  return false;
}

/* Backward only: external inputs are what the gradient ops read before any of them writes it;
 * external outputs are the gradients they produce. */
static c2_status declare_backward_io(const c2_ir *ir, c2_netdef *net, c2_error *err) {
  char **names = NULL;
  size_t n = 0;
  c2_status st = C2_OK;
  for (size_t p = 0; !st && p < ir->n_gops; p++)
    for (size_t i = 0; !st && i < ir->gops[p]->n_input; i++) {
      const char *s = ir->gops[p]->input[i];
      if (!produced_by(ir->gops, p, s)) st = add_unique(&names, &n, s, err);
    }
  for (size_t i = 0; !st && i < n; i++) st = c2_netdef_add_external_input(net, names[i], err);
  size_t n_in = n;
  for (size_t m = 0; !st && m < ir->n_map; m++) {
    const char *g = ir->map[m]->grad;
    if (g && produced_by(ir->gops, ir->n_gops, g) && index_of(names, n, g) < 0)
      st = add_unique(&names, &n, g, err);
  }
  for (size_t i = n_in; !st && i < n; i++) st = c2_netdef_add_external_output(net, names[i], err);
  c2__free(names);
  return st;
}

static c2_status build_net(c2_ir *ir, const c2_netdef *forward, size_t n_losses,
                           const c2_loss *losses, bool backward_only, c2_netdef **out,
                           c2_error *err) {
  c2_netdef *net = NULL;
  c2_status st;
  if (backward_only) {
    const char *name = c2__ir_str(ir, forward->name, "_backward", NULL, err);
    st = name ? c2_netdef_new(name, &net, err) : C2_ERR_NOMEM;
    if (!st) st = declare_backward_io(ir, net, err);
  } else {
    st = c2_netdef_copy(forward, &net, err);
    /* A given gradient blob must be fed; with declared external inputs the net must say so. */
    for (size_t i = 0; !st && i < n_losses; i++) {
      const char *g = losses[i].grad;
      if (g && net->n_external_input && !produced_by(net->op, net->n_op, g) &&
          index_of(net->external_input, net->n_external_input, g) < 0)
        st = c2_netdef_add_external_input(net, g, err);
    }
  }
  for (size_t p = 0; !st && p < ir->n_gops; p++) {
    st = c2_netdef_add_op_take(net, ir->gops[p], err);
    ir->gops[p] = NULL;
  }
  if (st) {
    c2_netdef_free(net);
    return st;
  }
  *out = net;
  return C2_OK;
}

static c2_status take_map(const c2_ir *ir, c2_backward *b, c2_error *err) {
  b->blobs = c2__calloc(ir->n_map ? ir->n_map : 1, sizeof *b->blobs);
  b->grads = c2__calloc(ir->n_map ? ir->n_map : 1, sizeof *b->grads);
  if (!b->blobs || !b->grads) return OOM(err);
  for (size_t m = 0; m < ir->n_map; m++) {
    if (!ir->map[m]->grad) continue;
    b->blobs[b->n_grads] = c2__strdup(ir->map[m]->name);
    b->grads[b->n_grads] = c2__strdup(ir->map[m]->grad);
    if (!b->blobs[b->n_grads] || !b->grads[b->n_grads]) {
      c2__free(b->blobs[b->n_grads]);
      c2__free(b->grads[b->n_grads]);
      return OOM(err);
    }
    b->n_grads++;
  }
  return C2_OK;
}

/* Caffe2 SanityCheck: a StopGradient whose output nothing reads cuts nothing. */
static c2_status check_stop_gradients(const c2_ir *ir, c2_error *err) {
  for (size_t k = 0; k < ir->n_ops; k++) {
    const c2_opdef *def = ir->ops[k].def;
    if (strcmp(op_type(def), "StopGradient") != 0 || def->n_output == 0) continue;
    c2_ir_blob *b = NULL;
    HASH_FIND_STR(ir->blobs, def->output[0], b);
    bool read = false;
    for (int v = 0; b && v < b->n_versions && !read; v++) read = b->versions[v].n_readers > 0;
    if (!read)
      return c2_error_set(err, C2_ERR_GRADIENT, "op #%zu (StopGradient): its output '%s' is "
                          "orphan; StopGradient usually has the same blob as input and output",
                          k + ir->base, def->output[0]);
  }
  return C2_OK;
}

c2_status c2_backward_new(const c2_netdef *forward, size_t n_losses, const c2_loss *losses,
                          const c2_backward_options *opts, const c2_registry *reg,
                          c2_backward **out, c2_error *err) {
  c2_backward_options defaults = {0};
  if (!opts) opts = &defaults;
  c2_ir ir = {0};
  c2_status st = reg ? C2_OK : c2_registry_default(&reg, err);
  if (st) return st;
  ir.reg = reg;
  size_t skip = opts->skip < forward->n_op ? opts->skip : forward->n_op;
  ir.base = skip;
  ir.n_ops = forward->n_op - skip;
  ir.ops = c2__calloc(ir.n_ops ? ir.n_ops : 1, sizeof *ir.ops);
  if (!ir.ops) return OOM(err);
  for (size_t k = 0; k < ir.n_ops; k++) ir.ops[k].def = forward->op[skip + k];
  c2_backward *b = c2__calloc(1, sizeof *b);
  if (!b) st = OOM(err);
  if (!st) st = c2__ir_play(&ir, err);
  if (!st) st = check_stop_gradients(&ir, err);
  if (!st) st = seed(&ir, forward, n_losses, losses, err);
  for (size_t k = ir.n_ops; !st && k-- > 0;) st = backward_op(&ir, k, err);
  if (!st) st = take_map(&ir, b, err);
  if (!st) st = build_net(&ir, forward, n_losses, losses, opts->backward_only, &b->net, err);
  c2__ir_free(&ir);
  if (st) {
    c2_backward_free(b);
    return st;
  }
  b->n_forward_ops = opts->backward_only ? 0 : forward->n_op;
  *out = b;
  return C2_OK;
}

void c2_backward_free(c2_backward *b) {
  if (!b) return;
  c2_netdef_free(b->net);
  for (size_t i = 0; i < b->n_grads; i++) {
    c2__free(b->blobs[i]);
    c2__free(b->grads[i]);
  }
  c2__free(b->blobs);
  c2__free(b->grads);
  c2__free(b);
}

const c2_netdef *c2_backward_net(const c2_backward *b) { return b->net; }
size_t c2_backward_num_forward_ops(const c2_backward *b) { return b->n_forward_ops; }
c2_netdef *c2_backward_take_net(c2_backward *b) {
  c2_netdef *net = b->net;
  b->net = NULL;
  return net;
}
size_t c2_backward_num_grads(const c2_backward *b) { return b->n_grads; }
const char *c2_backward_grad_blob(const c2_backward *b, size_t i) {
  return i < b->n_grads ? b->blobs[i] : NULL;
}
const char *c2_backward_grad_name(const c2_backward *b, size_t i) {
  return i < b->n_grads ? b->grads[i] : NULL;
}
const char *c2_backward_gradient_of(const c2_backward *b, const char *blob) {
  int i = blob ? index_of(b->blobs, b->n_grads, blob) : -1;
  return i >= 0 ? b->grads[i] : NULL;
}
