/* NetDef -> Net: Caffe2's NetBase checks, then every op created once and run in order. */
#include <string.h>

#include "../core/alloc.h"
#include "../core/def_impl.h"
#include "../core/hash.h"
#include "../core/operator_impl.h"
#include "c2rt/net.h"

struct c2_net {
  c2_netdef *def; /* own copy; ops borrow their definitions from it */
  c2_workspace *ws;
  c2_operator **ops;
  size_t n_ops;
};

/* Net types Caffe2 knows. Every one of them gives the result of running the ops in order (the
 * DAG executors only interleave independent ops), so all run sequentially here. */
static const char *const known_net_types[] = {
    "", "simple", "dag", "async_dag", "async_simple", "async_scheduling", "async_polling",
    "singlethread_async", "prof_dag", "rnn", "parallel", "async_child"};

static bool known_type(const char *type) {
  for (size_t i = 0; i < sizeof known_net_types / sizeof *known_net_types; i++)
    if (strcmp(type, known_net_types[i]) == 0) return true;
  return false;
}

/* The blob names seen so far, borrowed from the def: hashed, because a hostile net of n ops
 * that each read the previous op's output made linear scans cost n^2 / 2 string compares
 * (40,000 ops: 4 s). */
typedef struct name_entry {
  UT_hash_handle hh;
} name_entry;

typedef struct name_set {
  name_entry *head;
  name_entry *pool;
  size_t used, cap;
} name_set;

static bool set_has(const name_set *s, const char *name) {
  name_entry *e = NULL;
  HASH_FIND_STR(s->head, name, e);
  return e != NULL;
}

static c2_status set_add(name_set *s, const char *name, c2_error *err) {
  if (set_has(s, name)) return C2_OK;
  name_entry *e = &s->pool[s->used++];
  int c2__hash_oom = 0;
  HASH_ADD_KEYPTR(hh, s->head, name, strlen(name), e);
  if (c2__hash_oom) return c2_error_set(err, C2_ERR_NOMEM, "out of memory checking a net");
  return C2_OK;
}

static c2_status set_add_all(name_set *s, char *const *names, size_t n, c2_error *err) {
  c2_status st = C2_OK;
  for (size_t i = 0; !st && i < n; i++) st = set_add(s, names[i], err);
  return st;
}

/* Caffe2 NetBase: every op input must come from external_input or an earlier op (checked only
 * when the net lists external inputs), and every external output must be produced. */
static c2_status check_names(const c2_netdef *def, name_set *known, c2_error *err) {
  const char *net_name = def->name ? def->name : "";
  c2_status st = set_add_all(known, def->external_input, def->n_external_input, err);
  for (size_t k = 0; !st && k < def->n_op; k++) {
    const Caffe2__OperatorDef *op = def->op[k];
    if (op->device_option && op->device_option->node_name && *op->device_option->node_name)
      return c2_error_set(err, C2_ERR_SCHEMA,
                          "op #%zu (%s): node_name must be empty for all operators at execution "
                          "time, got '%s'",
                          k, op->type ? op->type : "", op->device_option->node_name);
    for (size_t i = 0; def->n_external_input && i < op->n_input; i++)
      if (!set_has(known, op->input[i]))
        return c2_error_set(err, C2_ERR_SCHEMA,
                            "op #%zu (%s): source for input '%s' is unknown in net '%s': it is "
                            "neither an external input nor produced by an earlier op",
                            k, op->type ? op->type : "", op->input[i], net_name);
    st = set_add_all(known, op->output, op->n_output, err);
  }
  for (size_t i = 0; !st && i < def->n_external_output; i++)
    if (!set_has(known, def->external_output[i]))
      return c2_error_set(err, C2_ERR_SCHEMA,
                          "net '%s' declares external output '%s', but no op produces it and it "
                          "is not an external input",
                          net_name, def->external_output[i]);
  return st;
}

static c2_status check_blob_flow(const c2_netdef *def, c2_error *err) {
  name_set known = {NULL, NULL, 0, def->n_external_input};
  for (size_t k = 0; k < def->n_op; k++) known.cap += def->op[k]->n_output;
  known.pool = c2__calloc(known.cap ? known.cap : 1, sizeof *known.pool);
  if (!known.pool) return c2_error_set(err, C2_ERR_NOMEM, "out of memory checking a net");
  c2_status st = check_names(def, &known, err);
  HASH_CLEAR(hh, known.head);
  c2__free(known.pool);
  return st;
}

/* Ops without a device option take the net's (Caffe2 SimpleNet does the same). */
static c2_status inherit_device(c2_netdef *def, c2_error *err) {
  if (!def->device_option) return C2_OK;
  for (size_t k = 0; k < def->n_op; k++) {
    if (def->op[k]->device_option) continue;
    c2_status st = c2__message_copy(&def->device_option->base, &caffe2__device_option__descriptor,
                                    (ProtobufCMessage **)&def->op[k]->device_option, err);
    if (st) return st;
  }
  return C2_OK;
}

void c2_net_free(c2_net *net) {
  if (!net) return;
  for (size_t i = net->n_ops; i-- > 0;) c2__operator_free(net->ops[i]);
  c2__free(net->ops);
  c2_netdef_free(net->def);
  c2__free(net);
}

c2_status c2_net_new(c2_workspace *ws, const c2_netdef *def, const c2_registry *reg, c2_net **out,
                     c2_error *err) {
  *out = NULL; /* a failed creation leaves no net behind: running NULL is an error, not a crash */
  c2_status st = C2_OK;
  if (!reg) st = c2_registry_default(&reg, err);
  if (st) return st;
  const char *type = def->type ? def->type : "";
  if (!known_type(type))
    return c2_error_set(err, C2_ERR_UNSUPPORTED, "net '%s' has type '%s', which is not a known "
                        "net type (simple, dag, async_scheduling, ...)",
                        def->name ? def->name : "", type);
  st = check_blob_flow(def, err);
  if (st) return st;
  c2_net *net = c2__calloc(1, sizeof *net);
  if (!net) return c2_error_set(err, C2_ERR_NOMEM, "out of memory creating a net");
  net->ws = ws;
  st = c2_netdef_copy(def, &net->def, err);
  if (!st) st = inherit_device(net->def, err);
  if (!st && def->n_op) {
    net->ops = c2__calloc(def->n_op, sizeof *net->ops);
    if (!net->ops) st = c2_error_set(err, C2_ERR_NOMEM, "out of memory creating a net");
  }
  for (size_t k = 0; !st && k < net->def->n_op; k++) {
    const c2_opdef *opdef = net->def->op[k];
    st = c2__operator_new(ws, opdef, reg, (int)k, &net->ops[k], err);
    if (st) c2_error_prefix(err, "op #%zu (%s): ", k, c2_opdef_type(opdef));
    else net->n_ops++;
  }
  if (st) {
    c2_net_free(net);
    return st;
  }
  *out = net;
  return C2_OK;
}

c2_status c2_net_run(c2_net *net, c2_error *err) {
  if (!net)
    return c2_error_set(err, C2_ERR_INVALID_ARGUMENT,
                        "no net to run (NULL: was its creation successful?)");
  for (size_t k = 0; k < net->n_ops; k++) {
    c2_status st = c2__operator_run(net->ops[k], err);
    if (st) {
      c2_error_prefix(err, "op #%zu (%s): ", k, c2_op_type(net->ops[k]));
      return st;
    }
  }
  return C2_OK;
}

c2_status c2_net_run_op(c2_net *net, size_t i, c2_error *err) {
  if (!net) return c2_error_set(err, C2_ERR_INVALID_ARGUMENT, "net is NULL");
  if (i >= net->n_ops)
    return c2_error_set(err, C2_ERR_INVALID_ARGUMENT, "op #%zu does not exist (the net has %zu)",
                        i, net->n_ops);
  c2_status st = c2__operator_run(net->ops[i], err);
  if (st) c2_error_prefix(err, "op #%zu (%s): ", i, c2_op_type(net->ops[i]));
  return st;
}

const c2_netdef *c2_net_def(const c2_net *net) { return net ? net->def : NULL; }
size_t c2_net_num_ops(const c2_net *net) { return net ? net->n_ops : 0; }
c2_operator *c2_net_op(c2_net *net, size_t i) {
  return net && i < net->n_ops ? net->ops[i] : NULL;
}

c2_status c2_run_net_once(c2_workspace *ws, const c2_netdef *def, const c2_registry *reg,
                          c2_error *err) {
  c2_net *net;
  c2_status st = c2_net_new(ws, def, reg, &net, err);
  if (st) return st;
  st = c2_net_run(net, err);
  c2_net_free(net);
  return st;
}

c2_status c2_run_operator_once(c2_workspace *ws, const c2_opdef *op, const c2_registry *reg,
                               c2_error *err) {
  /* A one-op net without external inputs: Caffe2's RunOperatorOnce checks only that the input
   * blobs exist, which op creation does. The net borrows op through a shallow wrapper. */
  Caffe2__NetDef wrapper = CAFFE2__NET_DEF__INIT;
  c2_opdef *ops[1] = {(c2_opdef *)op};
  wrapper.n_op = 1;
  wrapper.op = ops;
  return c2_run_net_once(ws, &wrapper, reg, err);
}
