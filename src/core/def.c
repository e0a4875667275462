/* Building, reading and packing OperatorDef / NetDef trees. Every piece is allocated on its own
 * with c2__malloc so that protobuf_c_message_free_unpacked releases any tree, whether
 * it came from the parser or from these builders. */
#include <inttypes.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "alloc.h"
#include "c2rt/caffe2.pb-c.h"
#include "c2rt/def.h"
#include "def_impl.h"

#define OOM(err, what) c2_error_set(err, C2_ERR_NOMEM, "out of memory %s", what)

c2_status c2__strv_push(size_t *n, char ***items, const char *value, c2_error *err) {
  char *copy = c2__strdup(value ? value : "");
  char **grown = copy ? c2__realloc(*items, (*n + 1) * sizeof **items) : NULL;
  if (!grown) {
    c2__free(copy);
    return OOM(err, "adding a name to a definition");
  }
  grown[*n] = copy;
  *items = grown;
  (*n)++;
  return C2_OK;
}

c2_status c2__str_set(char **field, const char *value, c2_error *err) {
  char *copy = NULL;
  if (value) {
    copy = c2__strdup(value);
    if (!copy) return OOM(err, "setting a string field");
  }
  c2__free(*field);
  *field = copy;
  return C2_OK;
}

/* ---- operators ---- */

c2_status c2_opdef_new(const char *type, size_t n_inputs, const char *const *inputs,
                       size_t n_outputs, const char *const *outputs, c2_opdef **out,
                       c2_error *err) {
  Caffe2__OperatorDef *op = c2__malloc(sizeof *op);
  if (!op) return OOM(err, "creating an operator definition");
  caffe2__operator_def__init(op);
  c2_status st = c2__str_set(&op->type, type, err);
  if (!st) st = c2__str_set(&op->name, "", err);
  for (size_t i = 0; !st && i < n_inputs; i++) st = c2__strv_push(&op->n_input, &op->input, inputs[i], err);
  for (size_t i = 0; !st && i < n_outputs; i++)
    st = c2__strv_push(&op->n_output, &op->output, outputs[i], err);
  if (st) {
    c2_opdef_free(op);
    return st;
  }
  *out = op;
  return C2_OK;
}

void c2_opdef_free(c2_opdef *op) {
  if (op) c2__message_free(&op->base);
}

/* Deep copy of any message through the wire format: exact, and it keeps unknown fields. */
c2_status c2__message_copy(const ProtobufCMessage *src, const ProtobufCMessageDescriptor *desc,
                           ProtobufCMessage **out, c2_error *err) {
  size_t len = protobuf_c_message_get_packed_size(src);
  uint8_t *buf = c2__malloc(len ? len : 1);
  if (!buf) return OOM(err, "copying a definition");
  protobuf_c_message_pack(src, buf);
  ProtobufCAllocator alloc = c2__pb_allocator();
  ProtobufCMessage *copy = protobuf_c_message_unpack(desc, &alloc, len, buf);
  c2__free(buf);
  if (!copy) return OOM(err, "copying a definition");
  *out = copy;
  return C2_OK;
}

c2_status c2_opdef_copy(const c2_opdef *src, c2_opdef **out, c2_error *err) {
  return c2__message_copy(&src->base, &caffe2__operator_def__descriptor, (ProtobufCMessage **)out, err);
}

c2_status c2_opdef_add_input(c2_opdef *op, const char *name, c2_error *err) {
  return c2__strv_push(&op->n_input, &op->input, name, err);
}

c2_status c2_opdef_add_output(c2_opdef *op, const char *name, c2_error *err) {
  return c2__strv_push(&op->n_output, &op->output, name, err);
}

c2_status c2_opdef_set_input(c2_opdef *op, size_t i, const char *name, c2_error *err) {
  if (i >= op->n_input)
    return c2_error_set(err, C2_ERR_INVALID_ARGUMENT, "input index %zu out of range", i);
  return c2__str_set(&op->input[i], name, err);
}

c2_status c2_opdef_set_output(c2_opdef *op, size_t i, const char *name, c2_error *err) {
  if (i >= op->n_output)
    return c2_error_set(err, C2_ERR_INVALID_ARGUMENT, "output index %zu out of range", i);
  return c2__str_set(&op->output[i], name, err);
}

c2_status c2_opdef_set_name(c2_opdef *op, const char *name, c2_error *err) {
  return c2__str_set(&op->name, name, err);
}

c2_status c2_opdef_set_engine(c2_opdef *op, const char *engine, c2_error *err) {
  return c2__str_set(&op->engine, engine, err);
}

c2_status c2_opdef_set_device(c2_opdef *op, int device_type, int device_id, c2_error *err) {
  if (!op->device_option) {
    op->device_option = c2__malloc(sizeof *op->device_option);
    if (!op->device_option) return OOM(err, "setting a device option");
    caffe2__device_option__init(op->device_option);
  }
  op->device_option->has_device_type = 1;
  op->device_option->device_type = device_type;
  op->device_option->has_device_id = 1;
  op->device_option->device_id = device_id;
  return C2_OK;
}

void c2_opdef_set_is_gradient_op(c2_opdef *op, bool value) {
  op->has_is_gradient_op = 1;
  op->is_gradient_op = value;
}

/* Appends an empty named Argument and returns it (borrowed). */
static c2_status new_arg(c2_opdef *op, const char *name, Caffe2__Argument **out, c2_error *err) {
  Caffe2__Argument *arg = c2__malloc(sizeof *arg);
  if (!arg) return OOM(err, "adding an argument");
  caffe2__argument__init(arg);
  arg->name = c2__strdup(name);
  Caffe2__Argument **grown = arg->name ? c2__realloc(op->arg, (op->n_arg + 1) * sizeof *grown) : NULL;
  if (!grown) {
    c2__free(arg->name);
    c2__free(arg);
    return OOM(err, "adding an argument");
  }
  grown[op->n_arg++] = arg;
  op->arg = grown;
  *out = arg;
  return C2_OK;
}

static void drop_last_arg(c2_opdef *op) {
  op->n_arg--;
  c2__message_free(&op->arg[op->n_arg]->base);
}

c2_status c2_opdef_add_arg_int(c2_opdef *op, const char *name, int64_t value, c2_error *err) {
  Caffe2__Argument *arg;
  c2_status st = new_arg(op, name, &arg, err);
  if (st) return st;
  arg->has_i = 1;
  arg->i = value;
  return C2_OK;
}

c2_status c2_opdef_add_arg_float(c2_opdef *op, const char *name, float value, c2_error *err) {
  Caffe2__Argument *arg;
  c2_status st = new_arg(op, name, &arg, err);
  if (st) return st;
  arg->has_f = 1;
  arg->f = value;
  return C2_OK;
}

static c2_status set_bytes(ProtobufCBinaryData *field, const char *value, c2_error *err) {
  size_t len = strlen(value);
  field->data = c2__malloc(len ? len : 1);
  if (!field->data) return OOM(err, "adding a string argument");
  memcpy(field->data, value, len);
  field->len = len;
  return C2_OK;
}

c2_status c2_opdef_add_arg_string(c2_opdef *op, const char *name, const char *value,
                                  c2_error *err) {
  Caffe2__Argument *arg;
  c2_status st = new_arg(op, name, &arg, err);
  if (st) return st;
  st = set_bytes(&arg->s, value, err);
  if (st) {
    drop_last_arg(op);
    return st;
  }
  arg->has_s = 1;
  return C2_OK;
}

/* Adds an argument holding a copy of a numeric list (ints or floats): *field / *count are the
 * argument's array and length. */
static c2_status add_list_arg(c2_opdef *op, const char *name, const void *values, size_t n,
                              size_t elem, size_t field_offset, size_t count_offset,
                              c2_error *err) {
  Caffe2__Argument *arg;
  c2_status st = new_arg(op, name, &arg, err);
  if (st || n == 0) return st;
  void *copy = c2__malloc(n * elem);
  if (!copy) {
    drop_last_arg(op);
    return OOM(err, "adding a list argument");
  }
  memcpy(copy, values, n * elem);
  memcpy((char *)arg + field_offset, &copy, sizeof copy);
  memcpy((char *)arg + count_offset, &n, sizeof n);
  return C2_OK;
}

c2_status c2_opdef_add_arg_ints(c2_opdef *op, const char *name, const int64_t *values, size_t n,
                                c2_error *err) {
  return add_list_arg(op, name, values, n, sizeof *values, offsetof(Caffe2__Argument, ints),
                      offsetof(Caffe2__Argument, n_ints), err);
}

c2_status c2_opdef_add_arg_floats(c2_opdef *op, const char *name, const float *values, size_t n,
                                  c2_error *err) {
  return add_list_arg(op, name, values, n, sizeof *values, offsetof(Caffe2__Argument, floats),
                      offsetof(Caffe2__Argument, n_floats), err);
}

c2_status c2_opdef_add_arg_strings(c2_opdef *op, const char *name, const char *const *values,
                                   size_t n, c2_error *err) {
  Caffe2__Argument *arg;
  c2_status st = new_arg(op, name, &arg, err);
  if (st) return st;
  if (n) {
    arg->strings = c2__calloc(n, sizeof *arg->strings);
    if (!arg->strings) {
      drop_last_arg(op);
      return OOM(err, "adding a strings argument");
    }
    arg->n_strings = n;
    for (size_t i = 0; i < n; i++) {
      st = set_bytes(&arg->strings[i], values[i], err);
      if (st) {
        arg->n_strings = i; /* free only what was set */
        drop_last_arg(op);
        return st;
      }
    }
  }
  return C2_OK;
}

size_t c2_opdef_remove_arg(c2_opdef *op, const char *name) {
  size_t kept = 0, removed = 0;
  for (size_t i = 0; i < op->n_arg; i++) {
    Caffe2__Argument *arg = op->arg[i];
    if (arg->name && strcmp(arg->name, name) == 0) {
      c2__message_free(&arg->base);
      removed++;
    } else {
      op->arg[kept++] = arg;
    }
  }
  op->n_arg = kept;
  return removed;
}

static const char *or_empty(const char *s) { return s ? s : ""; }

const char *c2_opdef_type(const c2_opdef *op) { return or_empty(op->type); }
const char *c2_opdef_name(const c2_opdef *op) { return or_empty(op->name); }
const char *c2_opdef_engine(const c2_opdef *op) { return or_empty(op->engine); }
int c2_opdef_device_type(const c2_opdef *op) {
  return op->device_option && op->device_option->has_device_type ? op->device_option->device_type
                                                                  : C2_DEVICE_CPU;
}
size_t c2_opdef_num_inputs(const c2_opdef *op) { return op->n_input; }
size_t c2_opdef_num_outputs(const c2_opdef *op) { return op->n_output; }
const char *c2_opdef_input(const c2_opdef *op, size_t i) {
  return i < op->n_input ? or_empty(op->input[i]) : NULL;
}
const char *c2_opdef_output(const c2_opdef *op, size_t i) {
  return i < op->n_output ? or_empty(op->output[i]) : NULL;
}
size_t c2_opdef_num_args(const c2_opdef *op) { return op->n_arg; }
const char *c2_opdef_arg_name(const c2_opdef *op, size_t i) {
  return i < op->n_arg ? or_empty(op->arg[i]->name) : NULL;
}

/* Appends printf output at *pos, keeping buf NUL-terminated; marks truncation with "...". */
static void append(char *buf, size_t size, size_t *pos, const char *fmt, ...) C2_PRINTF(4, 5);
static void append(char *buf, size_t size, size_t *pos, const char *fmt, ...) {
  if (*pos >= size) return;
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(buf + *pos, size - *pos, fmt, ap);
  va_end(ap);
  if (n < 0) return;
  *pos += (size_t)n;
  if (*pos >= size && size >= 4) memcpy(buf + size - 4, "...", 4);
}

static void append_bytes(char *buf, size_t size, size_t *pos, const ProtobufCBinaryData *b) {
  append(buf, size, pos, "\"");
  for (size_t i = 0; i < b->len && *pos < size; i++) {
    unsigned char c = b->data[i];
    if (c == '"' || c == '\\') append(buf, size, pos, "\\%c", c);
    else if (c >= 32 && c < 127) append(buf, size, pos, "%c", c);
    else append(buf, size, pos, "\\%03o", c);
  }
  append(buf, size, pos, "\"");
}

char *c2_opdef_arg_string(const c2_opdef *op, size_t i, char *buf, size_t size) {
  if (!size) return buf;
  buf[0] = '\0';
  if (i >= op->n_arg) return buf;
  const Caffe2__Argument *a = op->arg[i];
  size_t pos = 0;
  if (a->has_f) append(buf, size, &pos, "f: %.9g", (double)a->f);
  else if (a->has_i) append(buf, size, &pos, "i: %" PRId64, a->i);
  else if (a->has_s) {
    append(buf, size, &pos, "s: ");
    append_bytes(buf, size, &pos, &a->s);
  } else if (a->n_floats) {
    append(buf, size, &pos, "floats: [");
    for (size_t k = 0; k < a->n_floats && pos < size; k++)
      append(buf, size, &pos, "%s%.9g", k ? ", " : "", (double)a->floats[k]);
    append(buf, size, &pos, "]");
  } else if (a->n_ints) {
    append(buf, size, &pos, "ints: [");
    for (size_t k = 0; k < a->n_ints && pos < size; k++)
      append(buf, size, &pos, "%s%" PRId64, k ? ", " : "", a->ints[k]);
    append(buf, size, &pos, "]");
  } else if (a->n_strings) {
    append(buf, size, &pos, "strings: [");
    for (size_t k = 0; k < a->n_strings && pos < size; k++) {
      if (k) append(buf, size, &pos, ", ");
      append_bytes(buf, size, &pos, &a->strings[k]);
    }
    append(buf, size, &pos, "]");
  } else if (a->n) append(buf, size, &pos, "n: <NetDef with %zu ops>", a->n->n_op);
  else if (a->n_nets) append(buf, size, &pos, "nets: <%zu NetDefs>", a->n_nets);
  else if (a->t) append(buf, size, &pos, "t: <TensorProto>");
  else if (a->n_tensors) append(buf, size, &pos, "tensors: <%zu TensorProtos>", a->n_tensors);
  else append(buf, size, &pos, "(no value)");
  return buf;
}

/* ---- nets ---- */

c2_status c2_netdef_new(const char *name, c2_netdef **out, c2_error *err) {
  Caffe2__NetDef *net = c2__malloc(sizeof *net);
  if (!net) return OOM(err, "creating a net definition");
  caffe2__net_def__init(net);
  c2_status st = name ? c2__str_set(&net->name, name, err) : C2_OK;
  if (st) {
    c2__free(net);
    return st;
  }
  *out = net;
  return C2_OK;
}

void c2_netdef_free(c2_netdef *net) {
  if (net) c2__message_free(&net->base);
}

c2_status c2_netdef_copy(const c2_netdef *src, c2_netdef **out, c2_error *err) {
  return c2__message_copy(&src->base, &caffe2__net_def__descriptor, (ProtobufCMessage **)out, err);
}

c2_status c2_netdef_add_op_take(c2_netdef *net, c2_opdef *op, c2_error *err) {
  Caffe2__OperatorDef **grown = c2__realloc(net->op, (net->n_op + 1) * sizeof *grown);
  if (!grown) {
    c2_opdef_free(op);
    return OOM(err, "adding an op to a net");
  }
  grown[net->n_op++] = op;
  net->op = grown;
  return C2_OK;
}

c2_status c2_netdef_add_external_input(c2_netdef *net, const char *name, c2_error *err) {
  return c2__strv_push(&net->n_external_input, &net->external_input, name, err);
}

c2_status c2_netdef_add_external_output(c2_netdef *net, const char *name, c2_error *err) {
  return c2__strv_push(&net->n_external_output, &net->external_output, name, err);
}

c2_status c2_netdef_set_name(c2_netdef *net, const char *name, c2_error *err) {
  return c2__str_set(&net->name, name, err);
}

c2_status c2_netdef_set_type(c2_netdef *net, const char *type, c2_error *err) {
  return c2__str_set(&net->type, type, err);
}

const char *c2_netdef_name(const c2_netdef *net) { return or_empty(net->name); }
const char *c2_netdef_type(const c2_netdef *net) { return or_empty(net->type); }
size_t c2_netdef_num_ops(const c2_netdef *net) { return net->n_op; }
const c2_opdef *c2_netdef_op(const c2_netdef *net, size_t i) {
  return i < net->n_op ? net->op[i] : NULL;
}
c2_opdef *c2_netdef_op_mutable(c2_netdef *net, size_t i) {
  return i < net->n_op ? net->op[i] : NULL;
}
size_t c2_netdef_num_external_inputs(const c2_netdef *net) { return net->n_external_input; }
const char *c2_netdef_external_input(const c2_netdef *net, size_t i) {
  return i < net->n_external_input ? or_empty(net->external_input[i]) : NULL;
}
size_t c2_netdef_num_external_outputs(const c2_netdef *net) { return net->n_external_output; }
const char *c2_netdef_external_output(const c2_netdef *net, size_t i) {
  return i < net->n_external_output ? or_empty(net->external_output[i]) : NULL;
}

/* ---- wire format ---- */

static c2_status pack_message(const ProtobufCMessage *msg, uint8_t **bytes, size_t *len,
                              c2_error *err) {
  size_t size = protobuf_c_message_get_packed_size(msg);
  uint8_t *buf = c2__malloc(size ? size : 1);
  if (!buf) return c2_error_set(err, C2_ERR_NOMEM, "out of memory serializing %zu bytes", size);
  size_t written = protobuf_c_message_pack(msg, buf);
  if (written != size) {
    c2__free(buf);
    return c2_error_set(err, C2_ERR_INTERNAL, "serializer wrote %zu of %zu bytes", written, size);
  }
  *bytes = buf;
  *len = size;
  return C2_OK;
}

c2_status c2_netdef_pack(const c2_netdef *net, uint8_t **bytes, size_t *len, c2_error *err) {
  return pack_message(&net->base, bytes, len, err);
}

c2_status c2_opdef_pack(const c2_opdef *op, uint8_t **bytes, size_t *len, c2_error *err) {
  return pack_message(&op->base, bytes, len, err);
}

static void *pb_alloc(void *data, size_t size) {
  (void)data;
  return c2__malloc(size);
}

static void pb_free(void *data, void *ptr) {
  (void)data;
  c2__free(ptr);
}

ProtobufCAllocator c2__pb_allocator(void) {
  ProtobufCAllocator a = {pb_alloc, pb_free, NULL};
  return a;
}

void c2__message_free(ProtobufCMessage *msg) {
  ProtobufCAllocator a = c2__pb_allocator();
  if (msg) protobuf_c_message_free_unpacked(msg, &a);
}
