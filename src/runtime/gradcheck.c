/* Caffe2's GradientChecker.CheckSimple: analytic gradient from the registered gradient ops with
 * dL/dy = y fed for the selected outputs, numeric gradient from central differences of
 * L = 1/2 sum y^2, compared element by element. Everything runs in a private workspace. */
#include <math.h>
#include <string.h>

#include "../core/alloc.h"
#include "../core/tensor_impl.h"
#include "c2rt/caffe2.pb-c.h"
#include "c2rt/gradcheck.h"
#include "c2rt/net.h"

c2_gradcheck_options c2_gradcheck_defaults(void) {
  c2_gradcheck_options o = {.step = 0.005, .threshold = 0.005};
  return o;
}

typedef struct check {
  const c2_opdef *op;
  const c2_tensor *const *inputs;
  c2_workspace *ws;
  c2_net *fwd, *bwd;
  c2_netdef *fwd_def, *bwd_def;
  c2_grad_result *grad;
  const int *outs; /* outputs in the loss */
  size_t n_outs;
  int *all_outs;
  bool in_place; /* some output overwrites some input: inputs are re-fed before each run */
} check;

static void check_free(check *c) {
  c2_net_free(c->bwd);
  c2_net_free(c->fwd);
  c2_workspace_free(c->ws);
  c2_netdef_free(c->fwd_def);
  c2_netdef_free(c->bwd_def);
  c2_grad_result_free(c->grad);
  c2__free(c->all_outs);
}

static c2_status feed_inputs(check *c, c2_error *err) {
  for (size_t i = 0; i < c->op->n_input; i++) {
    c2_tensor *t;
    c2_status st = c2_workspace_create_blob(c->ws, c->op->input[i], &t, err);
    if (!st) st = c2_tensor_copy(t, c->inputs[i], err);
    if (st) return st;
  }
  return C2_OK;
}

/* 1/2 sum y^2 over the selected outputs, in double. */
static c2_status loss_of(check *c, double *loss, c2_error *err) {
  double l = 0;
  for (size_t k = 0; k < c->n_outs; k++) {
    const char *name = c->op->output[c->outs[k]];
    const c2_tensor *y = c2_workspace_get_blob(c->ws, name);
    if (!y || y->dtype != C2_DTYPE_FLOAT)
      return c2_error_set(err, C2_ERR_TYPE, "output '%s' is not a FLOAT tensor; only float "
                          "outputs can be in the loss", name);
    const float *v = y->data;
    for (int64_t i = 0; i < y->numel; i++) l += 0.5 * (double)v[i] * (double)v[i];
  }
  *loss = l;
  return C2_OK;
}

/* The loss with element e of x (the checked input's blob) set to value. An op that runs in
 * place overwrote its inputs, so they are fed again first; otherwise only e changes, and is
 * restored afterwards. */
static c2_status loss_at(check *c, c2_tensor *x, int64_t e, float value, double *loss,
                         c2_error *err) {
  c2_status st = c->in_place ? feed_inputs(c, err) : C2_OK;
  if (st) return st;
  float *xv = x->data, keep = xv[e];
  xv[e] = value;
  st = c2_net_run(c->fwd, err);
  if (!st) st = loss_of(c, loss, err);
  if (!c->in_place) xv[e] = keep;
  return st;
}

static c2_status one_op_net(const c2_opdef *op, c2_netdef **out, c2_error *err) {
  c2_opdef *copy;
  c2_status st = c2_netdef_new("gradient_check", out, err);
  if (!st) st = c2_opdef_copy(op, &copy, err);
  if (!st) st = c2_netdef_add_op_take(*out, copy, err);
  return st;
}

/* Builds both nets, runs forward and backward once; *grad_blob names input_to_check's
 * gradient. */
static c2_status setup(check *c, const c2_registry *reg, int input_to_check,
                       const char **grad_blob, c2_error *err) {
  const c2_opdef *op = c->op;
  for (size_t i = 0; i < op->n_input; i++)
    for (size_t o = 0; o < op->n_output; o++)
      if (strcmp(op->input[i], op->output[o]) == 0) c->in_place = true;
  /* Caffe2's checker names every output's gradient "<output>_grad". */
  char **g_out = c2__calloc(op->n_output ? op->n_output : 1, sizeof *g_out);
  c2_status st = g_out ? C2_OK : c2_error_set(err, C2_ERR_NOMEM, "out of memory");
  for (size_t o = 0; !st && o < op->n_output; o++) {
    size_t len = strlen(op->output[o]);
    g_out[o] = c2__malloc(len + sizeof "_grad");
    if (!g_out[o]) st = c2_error_set(err, C2_ERR_NOMEM, "out of memory");
    else memcpy(g_out[o], op->output[o], len), memcpy(g_out[o] + len, "_grad", sizeof "_grad");
  }
  if (!st)
    st = c2_gradient_for_op(reg, op, op->n_output, (const char *const *)g_out, &c->grad, err);
  if (!st && !c2_grad_result_input_grad(c->grad, (size_t)input_to_check))
    st = c2_error_set(err, C2_ERR_GRADIENT, "%s gives no gradient for input %d ('%s')",
                      op->type, input_to_check, op->input[input_to_check]);
  if (!st) *grad_blob = c2_grad_result_input_grad(c->grad, (size_t)input_to_check);
  if (!st) st = c2_workspace_new(&c->ws, err);
  if (!st) st = feed_inputs(c, err);
  if (!st) st = one_op_net(op, &c->fwd_def, err);
  if (!st) st = c2_net_new(c->ws, c->fwd_def, reg, &c->fwd, err);
  if (!st) st = c2_net_run(c->fwd, err);
  /* dL/dy = y for the outputs in the loss. */
  for (size_t k = 0; !st && k < c->n_outs; k++) {
    c2_tensor *y = c2_workspace_get_blob(c->ws, op->output[c->outs[k]]), *g;
    st = c2_workspace_create_blob(c->ws, g_out[c->outs[k]], &g, err);
    if (!st) st = c2_tensor_copy(g, y, err);
  }
  if (!st) st = c2_netdef_new("gradient_check_backward", &c->bwd_def, err);
  for (size_t i = 0; !st && i < c2_grad_result_num_ops(c->grad); i++) {
    c2_opdef *gop;
    st = c2_opdef_copy(c2_grad_result_op(c->grad, i), &gop, err);
    if (!st) st = c2_netdef_add_op_take(c->bwd_def, gop, err);
  }
  if (!st) st = c2_net_new(c->ws, c->bwd_def, reg, &c->bwd, err);
  if (!st) st = c2_net_run(c->bwd, err);
  for (size_t o = 0; g_out && o < op->n_output; o++) c2__free(g_out[o]);
  c2__free(g_out);
  return st;
}

static c2_status validate(const c2_opdef *op, const c2_tensor *const *inputs, int input_to_check,
                          const int *outs, size_t n_outs, const c2_gradcheck_options *o,
                          c2_error *err) {
  if (input_to_check < 0 || (size_t)input_to_check >= op->n_input)
    return c2_error_set(err, C2_ERR_INVALID_ARGUMENT, "input %d to check, but %s has %zu inputs",
                        input_to_check, op->type ? op->type : "", op->n_input);
  for (size_t i = 0; i < op->n_input; i++)
    if (!inputs || !inputs[i] || c2_tensor_is_empty(inputs[i]))
      return c2_error_set(err, C2_ERR_INVALID_ARGUMENT, "no data given for input %zu ('%s')", i,
                          op->input[i]);
  if (inputs[input_to_check]->dtype != C2_DTYPE_FLOAT)
    return c2_error_set(err, C2_ERR_TYPE, "input %d ('%s') is %s; only FLOAT inputs can be "
                        "checked", input_to_check, op->input[input_to_check],
                        c2_dtype_name(inputs[input_to_check]->dtype));
  for (size_t k = 0; k < n_outs; k++)
    if (outs[k] < 0 || (size_t)outs[k] >= op->n_output)
      return c2_error_set(err, C2_ERR_INVALID_ARGUMENT, "output %d is in the loss, but %s has "
                          "%zu outputs", outs[k], op->type ? op->type : "", op->n_output);
  if (!(o->step > 0) || !isfinite(o->step) || !(o->threshold >= 0) || !isfinite(o->threshold))
    return c2_error_set(err, C2_ERR_INVALID_ARGUMENT, "step must be finite and > 0 and "
                        "threshold finite and >= 0 (got %g, %g)", o->step, o->threshold);
  return C2_OK;
}

static c2_status prepare_out(c2_tensor *t, const c2_tensor *like, c2_error *err) {
  if (!t) return C2_OK;
  c2_status st = c2_tensor_resize(t, C2_DTYPE_DOUBLE, like->ndim, like->dims, err);
  if (!st && t->nbytes) memset(t->data, 0, t->nbytes);
  return st;
}

c2_status c2_gradient_check(const c2_registry *reg, const c2_opdef *op,
                            const c2_tensor *const *inputs, int input_to_check,
                            const int *outputs_with_grads, size_t n_outputs_with_grads,
                            const c2_gradcheck_options *opts, c2_tensor *analytic,
                            c2_tensor *numeric, c2_gradcheck_result *result, c2_error *err) {
  c2_gradcheck_options o = opts ? *opts : c2_gradcheck_defaults();
  c2_status st = reg ? C2_OK : c2_registry_default(&reg, err);
  if (!st) st = validate(op, inputs, input_to_check, outputs_with_grads, n_outputs_with_grads,
                         &o, err);
  if (st) return st;
  check c = {.op = op, .inputs = inputs, .outs = outputs_with_grads,
             .n_outs = n_outputs_with_grads};
  if (!outputs_with_grads || n_outputs_with_grads == 0) {
    c.all_outs = c2__calloc(op->n_output ? op->n_output : 1, sizeof *c.all_outs);
    if (!c.all_outs) return c2_error_set(err, C2_ERR_NOMEM, "out of memory");
    for (size_t k = 0; k < op->n_output; k++) c.all_outs[k] = (int)k;
    c.outs = c.all_outs;
    c.n_outs = op->n_output;
  }
  const char *grad_blob = NULL;
  st = setup(&c, reg, input_to_check, &grad_blob, err);
  const c2_tensor *x0 = inputs[input_to_check];
  const c2_tensor *g = st ? NULL : c2_workspace_get_blob(c.ws, grad_blob);
  if (!st && (!g || g->dtype != C2_DTYPE_FLOAT || !c2_tensor_same_shape(g, x0))) {
    char sg[128], sx[128];
    st = c2_error_set(err, g && g->dtype == C2_DTYPE_FLOAT ? C2_ERR_SHAPE : C2_ERR_TYPE,
                      "gradient '%s' is %s %s, but input '%s' is FLOAT %s", grad_blob,
                      g ? c2_dtype_name(g->dtype) : "missing",
                      g ? c2_tensor_shape_string(g, sg, sizeof sg) : "",
                      op->input[input_to_check], c2_tensor_shape_string(x0, sx, sizeof sx));
  }
  if (!st) st = prepare_out(analytic, x0, err);
  if (!st) st = prepare_out(numeric, x0, err);
  /* From here on only the forward net runs, so the gradient blob stays as it is. */
  c2_gradcheck_result r = {.passed = true, .n_elements = x0->numel, .worst_index = -1,
                           .worst_ratio = -1};
  c2_tensor *x = st ? NULL : c2_workspace_get_blob(c.ws, op->input[input_to_check]);
  const float *x0v = x0->data, *gv = g ? g->data : NULL;
  for (int64_t e = 0; !st && e < x0->numel; e++) {
    float plus = (float)(x0v[e] + o.step), minus = (float)(x0v[e] - o.step);
    double lp = 0, lm = 0;
    st = loss_at(&c, x, e, plus, &lp, err);
    if (!st) st = loss_at(&c, x, e, minus, &lm, err);
    if (st) break;
    /* The perturbation actually applied (x +- h rounded to float), not the nominal 2h. */
    double num = (lp - lm) / ((double)plus - (double)minus), ana = gv[e];
    double diff = fabs(ana - num), bound = o.threshold + o.threshold * fabs(num);
    bool ok = diff <= bound; /* false for NaN */
    double ratio = !ok ? (bound > 0 && isfinite(diff) ? diff / bound : INFINITY)
                       : (bound > 0 ? diff / bound : 0);
    if (!ok) r.n_failed++, r.passed = false;
    if (ratio > r.worst_ratio) {
      r.worst_ratio = ratio;
      r.worst_index = e;
      r.worst_analytic = ana;
      r.worst_numeric = num;
    }
    if (analytic) ((double *)analytic->data)[e] = ana;
    if (numeric) ((double *)numeric->data)[e] = num;
  }
  if (r.worst_index < 0) r.worst_ratio = 0;
  check_free(&c);
  if (st) return st;
  *result = r;
  return C2_OK;
}
