/* A non-recursive walk over protobuf wire bytes, driven by protobuf-c's descriptors, run before
 * protobuf-c's recursive unpack. It rejects everything protobuf-c 1.4.1 would reject, so that
 * every syntax error gets a byte offset and a field name (protobuf-c only returns NULL), and it
 * bounds what protobuf-c cannot bound itself:
 *  - nesting depth (protobuf-c recurses once per level: 10,000 nested NetDefs overflow its stack);
 *  - length prefixes: at most 5 bytes and INT_MAX, as protobuf-c reads them;
 *  - fields per message: protobuf-c scans at most MAX_MEMBERS of them;
 *  - string fields: at most limits->max_string_bytes, and no NUL inside (protobuf-c makes C
 *    strings, so "X\0Y" would silently become "X");
 *  - packed arrays: whole elements, terminated varints;
 *  - required fields present (TensorProto.Segment, QTensorProto). */
#include <inttypes.h>
#include <limits.h>
#include <string.h>

#include "../core/alloc.h"
#include "loader_impl.h"

/* protobuf-c keeps the fields it scans in 23 slabs of 16 << i records (protobuf-c.c,
 * MAX_SCANNED_MEMBER_SLAB) and fails past that. */
#define MAX_MEMBERS (16ull * ((1ull << 23) - 1))

typedef struct frame {
  const ProtobufCMessageDescriptor *desc;
  size_t start, end;      /* the message's bytes */
  uint64_t members;       /* fields seen so far */
  uint64_t required_seen; /* bit i: required field fields[i] seen */
} frame;

/* Reads a varint of at most max_bytes bytes at *pos (< end); false when truncated, longer, or
 * overflowing 64 bits. */
static bool read_varint(const uint8_t *b, size_t end, size_t *pos, int max_bytes,
                        uint64_t *value) {
  uint64_t v = 0;
  for (int i = 0; i < max_bytes; i++) {
    if (*pos >= end) return false;
    uint8_t byte = b[(*pos)++];
    if (i == 9 && byte > 1) return false;
    v |= (uint64_t)(byte & 0x7f) << (7 * i);
    if (!(byte & 0x80)) {
      *value = v;
      return true;
    }
  }
  return false;
}

static const char *wire_type_name(unsigned wt) {
  static const char *const names[] = {"varint", "64-bit", "length-delimited", "start-group",
                                      "end-group", "32-bit"};
  return wt < 6 ? names[wt] : "invalid";
}

/* Wire type a field of this type is written with when not packed. */
static unsigned natural_wire_type(ProtobufCType type) {
  switch (type) {
    case PROTOBUF_C_TYPE_SFIXED32:
    case PROTOBUF_C_TYPE_FIXED32:
    case PROTOBUF_C_TYPE_FLOAT: return 5;
    case PROTOBUF_C_TYPE_SFIXED64:
    case PROTOBUF_C_TYPE_FIXED64:
    case PROTOBUF_C_TYPE_DOUBLE: return 1;
    case PROTOBUF_C_TYPE_STRING:
    case PROTOBUF_C_TYPE_BYTES:
    case PROTOBUF_C_TYPE_MESSAGE: return 2;
    default: return 0; /* varint types, bool, enum */
  }
}

int c2__effective_max_depth(const c2_load_limits *limits) {
  if (limits->max_depth < 1) return 1;
  return limits->max_depth > C2_LOAD_MAX_DEPTH_CEILING ? C2_LOAD_MAX_DEPTH_CEILING
                                                       : limits->max_depth;
}

/* Checks a packed array's payload b[pos, pos + len) the way protobuf-c will read it. */
static c2_status check_packed(const frame *f, const ProtobufCFieldDescriptor *field,
                              const uint8_t *b, size_t pos, size_t len, size_t at,
                              c2_error *err) {
  unsigned wt = natural_wire_type(field->type);
  if (wt == 5 || wt == 1) {
    size_t esize = wt == 5 ? 4 : 8;
    if (len % esize)
      return c2_error_set(err, C2_ERR_PARSE,
                          "%s.%s at byte %zu: packed length %zu is not a multiple of %zu",
                          f->desc->name, field->name, at, len, esize);
    return C2_OK;
  }
  uint64_t ignored;
  for (size_t p = pos, end = pos + len; p < end;) {
    size_t element = p;
    if (!read_varint(b, end, &p, 10, &ignored))
      return c2_error_set(err, C2_ERR_PARSE,
                          "%s.%s at byte %zu: packed element at byte %zu is not a valid varint",
                          f->desc->name, field->name, at, element);
  }
  return C2_OK;
}

/* The first required field of f's message that did not appear. */
static c2_status check_required(const frame *f, c2_error *err) {
  for (unsigned i = 0; i < f->desc->n_fields && i < 64; i++) {
    const ProtobufCFieldDescriptor *field = &f->desc->fields[i];
    if (field->label == PROTOBUF_C_LABEL_REQUIRED && !field->default_value &&
        !(f->required_seen >> i & 1))
      return c2_error_set(err, C2_ERR_PARSE,
                          "%s at byte %zu: required field '%s' (field %u) is missing",
                          f->desc->name, f->start, field->name, field->id);
  }
  return C2_OK;
}

static c2_status walk(frame *stack, int max_depth, const uint8_t *bytes,
                      const c2_load_limits *limits, c2_error *err) {
  int depth = 0;
  size_t pos = 0;
  for (;;) {
    frame *f = &stack[depth];
    if (pos == f->end) {
      c2_status st = check_required(f, err);
      if (st || depth == 0) return st;
      depth--;
      continue;
    }
    const char *msg = f->desc->name;
    size_t at = pos;
    uint64_t key;
    /* protobuf-c reads a tag of at most 5 bytes */
    if (!read_varint(bytes, f->end, &pos, 5, &key))
      return c2_error_set(err, C2_ERR_PARSE, "%s at byte %zu: truncated or invalid field tag", msg,
                          at);
    unsigned wt = (unsigned)(key & 7);
    uint64_t number = key >> 3;
    if (number == 0 || number > 536870911u)
      return c2_error_set(err, C2_ERR_PARSE, "%s at byte %zu: invalid field number %" PRIu64, msg,
                          at, number);
    if (++f->members > MAX_MEMBERS)
      return c2_error_set(err, C2_ERR_LIMIT,
                          "%s at byte %zu: more than %llu fields in one message, which protobuf-c "
                          "cannot parse (store large tensors packed or in raw_data)",
                          msg, at, (unsigned long long)MAX_MEMBERS);
    const ProtobufCFieldDescriptor *field =
        protobuf_c_message_descriptor_get_field(f->desc, (unsigned)number);
    const char *fname = field ? field->name : "(unknown field)";
    bool packed = false;
    if (field) {
      unsigned want = natural_wire_type(field->type);
      packed = field->label == PROTOBUF_C_LABEL_REPEATED && want != 2 && wt == 2;
      if (wt != want && !packed)
        return c2_error_set(err, C2_ERR_PARSE,
                            "%s.%s (field %" PRIu64 ") at byte %zu: wrong wire type %s, expected %s",
                            msg, fname, number, at, wire_type_name(wt), wire_type_name(want));
      size_t index = (size_t)(field - f->desc->fields);
      if (field->label == PROTOBUF_C_LABEL_REQUIRED && index < 64)
        f->required_seen |= 1ull << index;
    }
    uint64_t skip;
    switch (wt) {
      case 0:
        if (!read_varint(bytes, f->end, &pos, 10, &skip))
          return c2_error_set(err, C2_ERR_PARSE, "%s.%s at byte %zu: truncated or invalid varint",
                              msg, fname, at);
        continue;
      case 1: skip = 8; break;
      case 5: skip = 4; break;
      case 2:
        /* protobuf-c reads at most 5 length bytes; protobuf caps messages at 2 GiB */
        if (!read_varint(bytes, f->end, &pos, 5, &skip))
          return c2_error_set(err, C2_ERR_PARSE, "%s.%s at byte %zu: truncated or invalid length",
                              msg, fname, at);
        if (skip > INT_MAX)
          return c2_error_set(err, C2_ERR_LIMIT,
                              "%s.%s at byte %zu: length %" PRIu64 " is over the 2 GiB protobuf "
                              "limit",
                              msg, fname, at, skip);
        break;
      default:
        return c2_error_set(err, C2_ERR_PARSE,
                            "%s at byte %zu: field %" PRIu64 " uses wire type %s, which is not "
                            "supported",
                            msg, at, number, wire_type_name(wt));
    }
    if (skip > f->end - pos)
      return c2_error_set(err, C2_ERR_PARSE,
                          "%s.%s at byte %zu: needs %" PRIu64 " bytes but only %zu remain "
                          "(truncated input)",
                          msg, fname, at, skip, f->end - pos);
    if (field && wt == 2) {
      c2_status st = C2_OK;
      if (packed) st = check_packed(f, field, bytes, pos, (size_t)skip, at, err);
      else if (field->type == PROTOBUF_C_TYPE_STRING) {
        if (skip > limits->max_string_bytes)
          st = c2_error_set(err, C2_ERR_LIMIT,
                            "%s.%s at byte %zu: string of %" PRIu64 " bytes is longer than the "
                            "limit of %llu (c2_load_limits.max_string_bytes)",
                            msg, fname, at, skip,
                            (unsigned long long)limits->max_string_bytes);
        else if (memchr(bytes + pos, '\0', (size_t)skip))
          st = c2_error_set(err, C2_ERR_PARSE, "%s.%s at byte %zu: string holds a NUL byte", msg,
                            fname, at);
      } else if (field->type == PROTOBUF_C_TYPE_MESSAGE) {
        if (depth + 1 >= max_depth)
          return c2_error_set(err, C2_ERR_LIMIT,
                              "%s.%s at byte %zu: messages nest deeper than the limit of %d", msg,
                              fname, at, max_depth);
        stack[++depth] = (frame){field->descriptor, pos, pos + (size_t)skip, 0, 0};
        continue;
      }
      if (st) return st;
    }
    pos += (size_t)skip;
  }
}

c2_status c2__wire_check(const ProtobufCMessageDescriptor *desc, const uint8_t *bytes, size_t len,
                         const c2_load_limits *limits, c2_error *err) {
  if (len > INT_MAX)
    return c2_error_set(err, C2_ERR_LIMIT,
                        "%s of %zu bytes is over the 2 GiB limit of protobuf messages", desc->name,
                        len);
  int max_depth = c2__effective_max_depth(limits);
  frame small[128];
  frame *stack = small;
  if ((size_t)max_depth > sizeof small / sizeof *small) {
    stack = c2__malloc((size_t)max_depth * sizeof *stack);
    if (!stack)
      return c2_error_set(err, C2_ERR_NOMEM, "out of memory checking a %s message", desc->name);
  }
  stack[0] = (frame){desc, 0, len, 0, 0};
  c2_status st = walk(stack, max_depth, bytes, limits, err);
  if (stack != small) c2__free(stack);
  return st;
}
