#ifndef C2_RUNTIME_LOADER_IMPL_H
#define C2_RUNTIME_LOADER_IMPL_H

#include <protobuf-c/protobuf-c.h>

#include "c2rt/caffe2.pb-c.h"
#include "c2rt/loader.h"

const c2_load_limits *c2__limits_or_default(const c2_load_limits *limits, c2_load_limits *store);

/* Parses a message of `desc` under limits: size cap, wire pre-check, allocation budget, then the
 * checks of the parsed tree (c2__validate_message). On failure nothing is left allocated. */
c2_status c2__unpack(const ProtobufCMessageDescriptor *desc, const uint8_t *bytes, size_t len,
                     const c2_load_limits *limits, ProtobufCMessage **out, c2_error *err);

/* Walks the wire bytes before protobuf-c sees them (wire_check.c): nesting depth, lengths, wire
 * types, string fields, packed arrays, required fields. Reports the byte offset and field of the
 * first problem. */
c2_status c2__wire_check(const ProtobufCMessageDescriptor *desc, const uint8_t *bytes, size_t len,
                         const c2_load_limits *limits, c2_error *err);
/* limits->max_depth clamped to 1..C2_LOAD_MAX_DEPTH_CEILING. */
int c2__effective_max_depth(const c2_load_limits *limits);

/* Checks what protobuf-c does not in a parsed tree (validate.c), without recursion: every enum
 * field holds a value its enum defines, and every TensorProto is consistent
 * (c2__tensor_proto_check). Messages name the path, e.g. "NetDef.op[2].arg[0].t.data_type". */
c2_status c2__validate_message(const ProtobufCMessage *msg, const c2_load_limits *limits,
                               c2_error *err);

/* Whether a TensorProto is self-consistent, whatever c2rt supports: dims non-negative with an
 * element count that fits 64 bits, segment inside the shape, and the data field its dtype uses
 * (or raw_data) holding exactly as many elements (bytes) as the shape (segment) says. */
c2_status c2__tensor_proto_check(const Caffe2__TensorProto *p, c2_error *err);
/* Element count of any number of dims: each non-negative, the product within int64. */
c2_status c2__proto_numel(size_t n, const int64_t *dims, int64_t *numel, c2_error *err);

#endif
