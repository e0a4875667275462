/* A non-recursive walk over protobuf wire bytes, driven by protobuf-c's descriptors, run before
 * protobuf-c's recursive unpack. It bounds nesting depth (protobuf-c has no limit: 10,000 nested
 * NetDefs overflow its stack), checks every length and wire type, and names the byte offset and
 * field of the first problem, which protobuf-c cannot. */
#include <inttypes.h>
#include <string.h>

#include "loader_impl.h"

typedef struct frame {
  const ProtobufCMessageDescriptor *desc;
  size_t end;
} frame;

/* Reads a varint at *pos (< end); false when truncated or longer than 10 bytes. */
static bool read_varint(const uint8_t *b, size_t end, size_t *pos, uint64_t *value) {
  uint64_t v = 0;
  for (int shift = 0; shift < 70; shift += 7) {
    if (*pos >= end) return false;
    uint8_t byte = b[(*pos)++];
    if (shift == 63 && byte > 1) return false;
    v |= (uint64_t)(byte & 0x7f) << shift;
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

c2_status c2__wire_check(const ProtobufCMessageDescriptor *desc, const uint8_t *bytes, size_t len,
                         const c2_load_limits *limits, c2_error *err) {
  int max_depth = limits->max_depth > 0 ? limits->max_depth : 1;
  if (max_depth > 4096) max_depth = 4096;
  frame stack[4096 + 1];
  int depth = 0;
  stack[0] = (frame){desc, len};
  size_t pos = 0;
  for (;;) {
    while (depth > 0 && pos == stack[depth].end) depth--;
    if (depth == 0 && pos == len) return C2_OK;
    const ProtobufCMessageDescriptor *cur = stack[depth].desc;
    size_t end = stack[depth].end;
    size_t at = pos;
    uint64_t key;
    if (!read_varint(bytes, end, &pos, &key))
      return c2_error_set(err, C2_ERR_PARSE, "%s at byte %zu: truncated or invalid field tag",
                          cur->name, at);
    unsigned wt = (unsigned)(key & 7);
    uint64_t number = key >> 3;
    if (number == 0 || number > 536870911u)
      return c2_error_set(err, C2_ERR_PARSE, "%s at byte %zu: invalid field number %" PRIu64,
                          cur->name, at, number);
    const ProtobufCFieldDescriptor *field =
        protobuf_c_message_descriptor_get_field(cur, (unsigned)number);
    const char *fname = field ? field->name : "(unknown field)";
    if (field) {
      unsigned want = natural_wire_type(field->type);
      bool packed_ok = field->label == PROTOBUF_C_LABEL_REPEATED && want != 2 && wt == 2;
      if (wt != want && !packed_ok)
        return c2_error_set(err, C2_ERR_PARSE,
                            "%s.%s (field %" PRIu64 ") at byte %zu: wrong wire type %s, expected %s",
                            cur->name, fname, number, at, wire_type_name(wt),
                            wire_type_name(want));
    }
    uint64_t skip;
    switch (wt) {
      case 0:
        if (!read_varint(bytes, end, &pos, &skip))
          return c2_error_set(err, C2_ERR_PARSE, "%s.%s at byte %zu: truncated varint", cur->name,
                              fname, at);
        continue;
      case 1: skip = 8; break;
      case 5: skip = 4; break;
      case 2:
        if (!read_varint(bytes, end, &pos, &skip))
          return c2_error_set(err, C2_ERR_PARSE, "%s.%s at byte %zu: truncated length", cur->name,
                              fname, at);
        break;
      default:
        return c2_error_set(err, C2_ERR_PARSE,
                            "%s at byte %zu: field %" PRIu64 " uses wire type %s, which is not "
                            "supported",
                            cur->name, at, number, wire_type_name(wt));
    }
    if (skip > end - pos)
      return c2_error_set(err, C2_ERR_PARSE,
                          "%s.%s at byte %zu: needs %" PRIu64 " bytes but only %zu remain "
                          "(truncated input)",
                          cur->name, fname, at, skip, end - pos);
    if (field && wt == 2 && field->type == PROTOBUF_C_TYPE_MESSAGE) {
      if (depth + 1 >= max_depth)
        return c2_error_set(err, C2_ERR_LIMIT,
                            "%s.%s at byte %zu: messages nest deeper than the limit of %d",
                            cur->name, fname, at, max_depth);
      stack[++depth] = (frame){field->descriptor, pos + (size_t)skip};
      continue;
    }
    pos += (size_t)skip;
  }
}
