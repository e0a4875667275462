/* Checks of a parsed message tree that protobuf-c does not make: it stores any int32 in an enum
 * field, and it knows nothing of what a TensorProto's fields mean together. The walk keeps its
 * own stack (the wire check bounded the depth), so hostile nesting cannot overflow the C stack. */
#include <stdio.h>

#include "../core/alloc.h"
#include "loader_impl.h"

typedef struct vframe {
  const ProtobufCMessage *msg;
  unsigned field;         /* next field of msg to look at */
  size_t elem;            /* next element of a repeated message field */
  const char *via;        /* field of the parent that holds msg (NULL at the root) */
  size_t via_index;       /* its element index, or SIZE_MAX when not repeated */
} vframe;

/* "NetDef.op[2].arg[0].t" for the frames 0..depth. */
static void path_of(const vframe *stack, int depth, char *buf, size_t size) {
  size_t pos = 0;
  for (int i = 0; i <= depth && pos < size; i++) {
    int n;
    if (!stack[i].via) n = snprintf(buf + pos, size - pos, "%s", stack[i].msg->descriptor->short_name);
    else if (stack[i].via_index == SIZE_MAX) n = snprintf(buf + pos, size - pos, ".%s", stack[i].via);
    else n = snprintf(buf + pos, size - pos, ".%s[%zu]", stack[i].via, stack[i].via_index);
    if (n < 0) break;
    pos += (size_t)n;
  }
}

static const void *member(const ProtobufCMessage *msg, unsigned offset) {
  return (const char *)msg + offset;
}

static c2_status check_enum(const vframe *stack, int depth, const ProtobufCFieldDescriptor *fd,
                            c2_error *err) {
  const ProtobufCMessage *msg = stack[depth].msg;
  const ProtobufCEnumDescriptor *ed = fd->descriptor;
  size_t n = 1;
  const int *values = member(msg, fd->offset);
  if (fd->label == PROTOBUF_C_LABEL_REPEATED) {
    n = *(const size_t *)member(msg, fd->quantifier_offset);
    values = *(int *const *)member(msg, fd->offset);
  } else if (fd->label == PROTOBUF_C_LABEL_OPTIONAL &&
             !*(const protobuf_c_boolean *)member(msg, fd->quantifier_offset)) {
    return C2_OK; /* absent: its default is valid */
  }
  for (size_t i = 0; i < n; i++) {
    if (protobuf_c_enum_descriptor_get_value(ed, values[i])) continue;
    char path[512];
    path_of(stack, depth, path, sizeof path);
    return c2_error_set(err, C2_ERR_PARSE, "%s.%s: unknown %s %d", path, fd->name, ed->short_name,
                        values[i]);
  }
  return C2_OK;
}

/* Dims of QTensorProto: non-negative, element count within 64 bits. */
static c2_status check_qtensor(const Caffe2__QTensorProto *q, c2_error *err) {
  int64_t numel;
  return c2__proto_numel(q->n_dims, q->dims, &numel, err);
}

/* Checks made once per message, when the walk enters it. */
static c2_status enter(const vframe *stack, int depth, c2_error *err) {
  const ProtobufCMessage *msg = stack[depth].msg;
  c2_status st = C2_OK;
  if (msg->descriptor == &caffe2__tensor_proto__descriptor)
    st = c2__tensor_proto_check((const Caffe2__TensorProto *)msg, err);
  else if (msg->descriptor == &caffe2__qtensor_proto__descriptor)
    st = check_qtensor((const Caffe2__QTensorProto *)msg, err);
  if (st) {
    char path[512];
    path_of(stack, depth, path, sizeof path);
    c2_error_prefix(err, "%s: ", path);
  }
  return st;
}

static c2_status walk(vframe *stack, int max_depth, c2_error *err) {
  int depth = 0;
  c2_status st = enter(stack, 0, err);
  while (!st) {
    vframe *f = &stack[depth];
    const ProtobufCMessageDescriptor *desc = f->msg->descriptor;
    if (f->field == desc->n_fields) {
      if (depth == 0) return C2_OK;
      depth--;
      continue;
    }
    const ProtobufCFieldDescriptor *fd = &desc->fields[f->field];
    const ProtobufCMessage *child = NULL;
    size_t index = SIZE_MAX;
    if (fd->type == PROTOBUF_C_TYPE_ENUM) {
      st = check_enum(stack, depth, fd, err);
      f->field++;
    } else if (fd->type == PROTOBUF_C_TYPE_MESSAGE && fd->label == PROTOBUF_C_LABEL_REPEATED) {
      size_t n = *(const size_t *)member(f->msg, fd->quantifier_offset);
      if (f->elem < n) {
        index = f->elem++;
        child = (*(ProtobufCMessage *const *const *)member(f->msg, fd->offset))[index];
      } else {
        f->elem = 0;
        f->field++;
      }
    } else {
      if (fd->type == PROTOBUF_C_TYPE_MESSAGE)
        child = *(ProtobufCMessage *const *)member(f->msg, fd->offset);
      f->field++;
    }
    if (!child) continue;
    if (depth + 1 >= max_depth)
      return c2_error_set(err, C2_ERR_LIMIT, "messages nest deeper than the limit of %d",
                          max_depth);
    stack[++depth] = (vframe){child, 0, 0, fd->name, index};
    st = enter(stack, depth, err);
  }
  return st;
}

c2_status c2__validate_message(const ProtobufCMessage *msg, const c2_load_limits *limits,
                               c2_error *err) {
  int max_depth = c2__effective_max_depth(limits);
  vframe small[128];
  vframe *stack = small;
  if ((size_t)max_depth > sizeof small / sizeof *small) {
    stack = c2__malloc((size_t)max_depth * sizeof *stack);
    if (!stack)
      return c2_error_set(err, C2_ERR_NOMEM, "out of memory checking a %s message",
                          msg->descriptor->name);
  }
  stack[0] = (vframe){msg, 0, 0, NULL, SIZE_MAX};
  c2_status st = walk(stack, max_depth, err);
  if (stack != small) c2__free(stack);
  return st;
}
