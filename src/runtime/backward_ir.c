/* SSA bookkeeping and gradient accumulation of a backward construction, after Caffe2's
 * core.IR (Play, gradient generators, DoGradientAccumulation / _MakeDenseSumOps). */
#include <stdio.h>
#include <string.h>

#include "../core/alloc.h"
#include "../core/def_impl.h"
#include "backward_ir.h"
#include "c2rt/def.h"

#define OOM(err) c2_error_set(err, C2_ERR_NOMEM, "out of memory building the backward pass")

/* Makes room for `need` elements of `size` bytes in *arr (capacity *cap). */
static c2_status grow(void *arr, size_t *cap, size_t need, size_t size, c2_error *err) {
  if (need <= *cap) return C2_OK;
  size_t cap2 = *cap ? *cap * 2 : 4;
  while (cap2 < need) cap2 *= 2;
  void *p = c2__realloc(*(void **)arr, cap2 * size);
  if (!p) return OOM(err);
  *(void **)arr = p;
  *cap = cap2;
  return C2_OK;
}

void c2__ir_free(c2_ir *ir) {
  c2_ir_blob *b, *tmp;
  HASH_ITER(hh, ir->blobs, b, tmp) {
    HASH_DEL(ir->blobs, b);
    for (int v = 0; v < b->n_versions; v++) {
      c2__free(b->versions[v].readers);
      c2__free(b->versions[v].gens);
    }
    c2__free(b->versions);
    c2__free(b);
  }
  for (size_t k = 0; k < ir->n_ops; k++) {
    c2__free(ir->ops[k].in_ver);
    c2__free(ir->ops[k].out_ver);
  }
  c2__free(ir->ops);
  c2__free(ir->map);
  for (size_t i = 0; i < ir->n_gops; i++) c2_opdef_free(ir->gops[i]);
  c2__free(ir->gops);
  for (size_t i = 0; i < ir->n_pool; i++) c2__free(ir->pool[i]);
  c2__free(ir->pool);
  memset(ir, 0, sizeof *ir);
}

const char *c2__ir_str(c2_ir *ir, const char *a, const char *b, const char *c, c2_error *err) {
  size_t la = a ? strlen(a) : 0, lb = b ? strlen(b) : 0, lc = c ? strlen(c) : 0;
  if (grow(&ir->pool, &ir->cap_pool, ir->n_pool + 1, sizeof *ir->pool, err)) return NULL;
  char *s = c2__malloc(la + lb + lc + 1);
  if (!s) {
    OOM(err);
    return NULL;
  }
  if (la) memcpy(s, a, la);
  if (lb) memcpy(s + la, b, lb);
  if (lc) memcpy(s + la + lb, c, lc);
  s[la + lb + lc] = '\0';
  ir->pool[ir->n_pool++] = s;
  return s;
}

c2_ir_blob *c2__ir_blob(c2_ir *ir, const char *name, bool create, c2_error *err) {
  c2_ir_blob *b = NULL;
  HASH_FIND_STR(ir->blobs, name, b);
  if (b || !create) return b;
  const char *copy = c2__ir_str(ir, name, NULL, NULL, err);
  if (!copy) return NULL;
  b = c2__calloc(1, sizeof *b);
  if (!b) {
    OOM(err);
    return NULL;
  }
  b->name = copy;
  int c2__hash_oom = 0;
  HASH_ADD_KEYPTR(hh, ir->blobs, b->name, strlen(b->name), b);
  if (c2__hash_oom) {
    c2__free(b);
    OOM(err);
    return NULL;
  }
  return b;
}

/* Version v of b, created (empty) when new. */
static c2_ir_version *version(c2_ir_blob *b, int v, c2_error *err) {
  if (v >= b->n_versions) {
    c2_ir_version *grown = c2__realloc(b->versions, (size_t)(v + 1) * sizeof *grown);
    if (!grown) {
      OOM(err);
      return NULL;
    }
    memset(grown + b->n_versions, 0, (size_t)(v + 1 - b->n_versions) * sizeof *grown);
    b->versions = grown;
    b->n_versions = v + 1;
  }
  return &b->versions[v];
}

c2_status c2__ir_add_reader(c2_ir_blob *b, int v, int op, c2_error *err) {
  c2_ir_version *ver = version(b, v, err);
  if (!ver || grow(&ver->readers, &ver->cap_readers, ver->n_readers + 1, sizeof(int), err))
    return C2_ERR_NOMEM;
  ver->readers[ver->n_readers++] = op;
  return C2_OK;
}

c2_status c2__ir_add_gen(c2_ir_blob *b, int v, c2_ir_gen gen, c2_error *err) {
  c2_ir_version *ver = version(b, v, err);
  if (!ver || grow(&ver->gens, &ver->cap_gens, ver->n_gens + 1, sizeof gen, err))
    return C2_ERR_NOMEM;
  ver->gens[ver->n_gens++] = gen;
  return C2_OK;
}

/* Caffe2 IR.Play: inputs are read at their current version (a blob seen for the first time is
 * version 0); each output that already exists moves to the next version. */
c2_status c2__ir_play(c2_ir *ir, c2_error *err) {
  for (size_t k = 0; k < ir->n_ops; k++) {
    c2_ir_op *op = &ir->ops[k];
    const c2_opdef *def = op->def;
    op->in_ver = c2__calloc(def->n_input ? def->n_input : 1, sizeof *op->in_ver);
    op->out_ver = c2__calloc(def->n_output ? def->n_output : 1, sizeof *op->out_ver);
    if (!op->in_ver || !op->out_ver) return OOM(err);
    for (size_t i = 0; i < def->n_input; i++) {
      c2_ir_blob *b = c2__ir_blob(ir, def->input[i], true, err);
      if (!b) return C2_ERR_NOMEM;
      b->seen = true;
      op->in_ver[i] = b->frontier;
      c2_status st = c2__ir_add_reader(b, b->frontier, (int)k, err);
      if (st) return st;
    }
    for (size_t i = 0; i < def->n_output; i++) {
      c2_ir_blob *b = c2__ir_blob(ir, def->output[i], true, err);
      if (!b) return C2_ERR_NOMEM;
      if (b->seen) b->frontier++;
      b->seen = true;
      op->out_ver[i] = b->frontier;
      if (!version(b, b->frontier, err)) return C2_ERR_NOMEM;
    }
  }
  return C2_OK;
}

c2_status c2__ir_map_set(c2_ir *ir, const char *name, const char *grad, c2_error *err) {
  c2_ir_blob *b = c2__ir_blob(ir, name, true, err);
  if (!b) return C2_ERR_NOMEM;
  if (grad) {
    grad = c2__ir_str(ir, grad, NULL, NULL, err);
    if (!grad) return C2_ERR_NOMEM;
  }
  if (!b->in_map) {
    c2_status st = grow(&ir->map, &ir->cap_map, ir->n_map + 1, sizeof *ir->map, err);
    if (st) return st;
    ir->map[ir->n_map++] = b;
    b->in_map = true;
  }
  b->grad = grad;
  return C2_OK;
}

c2_status c2__ir_push_gop(c2_ir *ir, c2_opdef *op, c2_error *err) {
  c2_status st = grow(&ir->gops, &ir->cap_gops, ir->n_gops + 1, sizeof *ir->gops, err);
  if (st) {
    c2_opdef_free(op);
    return st;
  }
  ir->gops[ir->n_gops++] = op;
  return C2_OK;
}

/* ---- accumulation ---- */

/* Caffe2's device_option_equal: unset or CPU on either side means both must be CPU; otherwise
 * the device ids must match. */
static bool same_device(const c2_opdef *a, const c2_opdef *b) {
  int ta = c2_opdef_device_type(a), tb = c2_opdef_device_type(b);
  if (!ta || !tb) return !ta && !tb;
  int ia = a->device_option->has_device_id ? a->device_option->device_id : 0;
  int ib = b->device_option->has_device_id ? b->device_option->device_id : 0;
  return ia == ib;
}

static const char *op_type(const c2_opdef *op) { return op->type ? op->type : ""; }

/* Caffe2 _MakeDenseSumOps for one blob version with >= 2 generators. */
static c2_status make_sum(c2_ir *ir, size_t k, c2_ir_blob *b, c2_ir_version *ver, c2_error *err) {
  const c2_ir_gen *first = NULL;
  for (size_t g = 0; g < ver->n_gens && !first; g++)
    if (ver->gens[g].op >= 0) first = &ver->gens[g];
  for (size_t g = 0; first && g < ver->n_gens; g++) {
    const c2_ir_gen *gen = &ver->gens[g];
    if (gen->op >= 0 && !same_device(ir->gops[gen->op], ir->gops[first->op]))
      return c2_error_set(err, C2_ERR_GRADIENT,
                          "op #%zu (%s): gradients for '%s' failed to verify: its partial "
                          "gradients come from gradient ops on different devices ('%s' and '%s')",
                          k + ir->base, op_type(ir->ops[k].def), b->name,
                          op_type(ir->gops[first->op]),
                          op_type(ir->gops[gen->op]));
  }
  /* The Sum's output: the first generating op's output name, else "<blob>_grad". */
  const char *out = first ? c2__ir_str(ir, ir->gops[first->op]->output[first->idx], NULL, NULL, err)
                          : c2__ir_str(ir, b->name, "_grad", NULL, err);
  const char **in = c2__calloc(ver->n_gens, sizeof *in);
  if (!out || !in) {
    c2__free(in);
    return OOM(err);
  }
  c2_status st = C2_OK;
  int cnt = 0;
  size_t n_in = 0;
  for (size_t g = 0; !st && g < ver->n_gens; g++) {
    const c2_ir_gen *gen = &ver->gens[g];
    if (gen->op < 0) {
      if (strcmp(gen->grad, out) == 0)
        st = c2_error_set(err, C2_ERR_GRADIENT,
                          "op #%zu (%s): the gradient '%s' of '%s' is passed through unchanged by "
                          "one reader, so it cannot also name the sum of the partial gradients",
                          k + ir->base, op_type(ir->ops[k].def), gen->grad, b->name);
      in[n_in++] = gen->grad;
      continue;
    }
    c2_opdef *gop = ir->gops[gen->op];
    if (gen == first) {
      in[n_in++] = out;
      continue;
    }
    /* Every later generator writes its part under a name of its own. */
    char suffix[32];
    snprintf(suffix, sizeof suffix, "_autosplit_%d", cnt++);
    const char *renamed = c2__ir_str(ir, "_", gop->output[gen->idx], suffix, err);
    st = renamed ? c2_opdef_set_output(gop, (size_t)gen->idx, renamed, err) : C2_ERR_NOMEM;
    in[n_in++] = renamed;
  }
  /* Sum runs in place on input 0 only, so the output's own name goes first. */
  for (size_t i = 1; !st && i < n_in; i++)
    if (strcmp(in[i], out) == 0) {
      in[i] = in[0];
      in[0] = out;
      break;
    }
  c2_opdef *sum = NULL;
  if (!st) st = c2_opdef_new("Sum", n_in, in, 1, &out, &sum, err);
  c2__free(in);
  /* Late Caffe2 (_SetSumOpsDeviceOption) gives the Sum the first generator's device option. */
  if (!st && first && ir->gops[first->op]->device_option)
    st = c2__message_copy(&ir->gops[first->op]->device_option->base,
                          &caffe2__device_option__descriptor,
                          (ProtobufCMessage **)&sum->device_option, err);
  if (!st) st = c2__ir_push_gop(ir, sum, err);
  else c2_opdef_free(sum);
  if (!st) st = c2__ir_map_set(ir, b->name, out, err);
  return st;
}

c2_status c2__ir_accumulate(c2_ir *ir, size_t k, c2_error *err) {
  const c2_ir_op *op = &ir->ops[k];
  /* Caffe2 iterates set(op.input), whose order Python does not fix; first appearance here. */
  for (size_t i = 0; i < op->def->n_input; i++) {
    bool repeat = false;
    for (size_t j = 0; j < i && !repeat; j++)
      repeat = strcmp(op->def->input[j], op->def->input[i]) == 0;
    if (repeat) continue;
    c2_ir_blob *b = c2__ir_blob(ir, op->def->input[i], false, err);
    c2_ir_version *ver = &b->versions[op->in_ver[i]];
    /* Only the first reader (the last one the reverse walk reaches) sums, once every reader
     * has contributed. */
    if (ver->n_readers <= 1 || ver->readers[0] != (int)k || ver->n_gens < 2) continue;
    c2_status st = make_sum(ir, k, b, ver, err);
    if (st) return st;
  }
  return C2_OK;
}
