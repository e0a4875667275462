#include <string.h>

#include "alloc.h"
#include "c2rt/argument.h"
#include "c2rt/caffe2.pb-c.h"
#include "operator_impl.h"
#include "tensor_impl.h"

static c2_status bind(c2_workspace *ws, const char *name, bool create, c2_ws_blob **blob,
                      c2_error *err) {
  c2_status st = c2__workspace_blob_entry(ws, name, create, blob, err);
  if (st) return st;
  if (!*blob)
    return c2_error_set(err, C2_ERR_NOT_FOUND, "input blob '%s' does not exist in the workspace",
                        name);
  (*blob)->users++;
  return C2_OK;
}

c2_status c2__operator_new(c2_workspace *ws, const c2_opdef *def, const c2_registry *reg,
                           int index, c2_operator **out, c2_error *err) {
  const c2_schema *schema = c2_registry_schema(reg, def->type);
  c2_status st = C2_OK;
  if (schema) st = c2_schema_verify(schema, def, err);
  if (!st) st = c2_args_check_unique(def, err);
  const c2_op_impl *impl = NULL;
  const char *engine = "";
  if (!st) st = c2_registry_resolve(reg, def, &impl, &engine, err);
  if (st) return st;

  c2_operator *op = c2__calloc(1, sizeof *op);
  if (!op) return c2_error_set(err, C2_ERR_NOMEM, "out of memory creating the operator");
  op->def = def;
  op->impl = impl;
  op->engine = engine;
  op->index = index;
  op->ws = ws;
  size_t n_in = def->n_input, n_out = def->n_output;
  op->in_blobs = c2__calloc(n_in, sizeof *op->in_blobs);
  op->out_blobs = c2__calloc(n_out, sizeof *op->out_blobs);
  op->inputs = c2__calloc(n_in, sizeof *op->inputs);
  op->outputs = c2__calloc(n_out, sizeof *op->outputs);
  op->state = impl->state_size ? c2__calloc(1, impl->state_size) : NULL;
  if (!op->in_blobs || !op->out_blobs || !op->inputs || !op->outputs ||
      (impl->state_size && !op->state)) {
    st = c2_error_set(err, C2_ERR_NOMEM, "out of memory creating the operator");
    goto fail;
  }
  for (size_t i = 0; i < n_in; i++) {
    st = bind(ws, def->input[i], false, &op->in_blobs[i], err);
    if (st) goto fail;
    op->n_in++;
    op->inputs[i] = op->in_blobs[i]->tensor;
  }
  for (size_t i = 0; i < n_out; i++) {
    st = bind(ws, def->output[i], true, &op->out_blobs[i], err);
    if (st) goto fail;
    op->n_out++;
    op->outputs[i] = op->out_blobs[i]->tensor;
  }
  /* destroy runs even when create fails half-way: state starts zeroed, so it can tell. */
  op->created = true;
  if (impl->create) {
    st = impl->create(op, err);
    if (st) goto fail;
  }
  *out = op;
  return C2_OK;
fail:
  c2__operator_free(op);
  return st;
}

void c2__operator_free(c2_operator *op) {
  if (!op) return;
  if (op->created && op->impl->destroy) op->impl->destroy(op);
  for (int i = 0; i < op->n_in; i++) op->in_blobs[i]->users--;
  for (int i = 0; i < op->n_out; i++) op->out_blobs[i]->users--;
  c2__free(op->in_blobs);
  c2__free(op->out_blobs);
  c2__free(op->inputs);
  c2__free(op->outputs);
  c2__free(op->state);
  c2__free(op);
}

c2_status c2__operator_run(c2_operator *op, c2_error *err) { return op->impl->run(op, err); }

const c2_opdef *c2_op_def(const c2_operator *op) { return op->def; }
const char *c2_op_type(const c2_operator *op) { return op->def->type; }
const char *c2_op_engine(const c2_operator *op) { return op->engine; }
int c2_op_index(const c2_operator *op) { return op->index; }
int c2_op_num_inputs(const c2_operator *op) { return op->n_in; }
int c2_op_num_outputs(const c2_operator *op) { return op->n_out; }
const c2_tensor *c2_op_input(const c2_operator *op, int i) {
  return i >= 0 && i < op->n_in ? op->inputs[i] : NULL;
}
c2_tensor *c2_op_output(c2_operator *op, int i) {
  return i >= 0 && i < op->n_out ? op->outputs[i] : NULL;
}
const char *c2_op_input_name(const c2_operator *op, int i) {
  return i >= 0 && i < op->n_in ? op->def->input[i] : NULL;
}
const char *c2_op_output_name(const c2_operator *op, int i) {
  return i >= 0 && i < op->n_out ? op->def->output[i] : NULL;
}
void *c2_op_state(c2_operator *op) { return op->state; }
c2_workspace *c2_op_workspace(c2_operator *op) { return op->ws; }
int c2_op_num_threads(const c2_operator *op) { return c2_workspace_num_threads(op->ws); }

c2_status c2_op_require_input(const c2_operator *op, int i, c2_dtype dtype, int ndim,
                              c2_error *err) {
  const c2_tensor *t = c2_op_input(op, i);
  const char *name = c2_op_input_name(op, i);
  if (!t) return c2_error_set(err, C2_ERR_INVALID_ARGUMENT, "input %d is missing", i);
  if (t->dtype == C2_DTYPE_UNDEFINED)
    return c2_error_set(err, C2_ERR_INVALID_ARGUMENT,
                        "input '%s' is empty: it was never written (expected a %s tensor)", name,
                        c2_dtype_name(dtype));
  if (t->dtype != dtype)
    return c2_error_set(err, C2_ERR_TYPE, "input '%s' has dtype %s, expected %s", name,
                        c2_dtype_name(t->dtype), c2_dtype_name(dtype));
  if (ndim >= 0 && t->ndim != ndim) {
    char shape[128];
    return c2_error_set(err, C2_ERR_SHAPE, "input '%s' has rank %d (shape %s), expected rank %d",
                        name, t->ndim, c2_tensor_shape_string(t, shape, sizeof shape), ndim);
  }
  return C2_OK;
}
