#ifndef C2_RUNTIME_LOADER_IMPL_H
#define C2_RUNTIME_LOADER_IMPL_H

#include <protobuf-c/protobuf-c.h>

#include "c2rt/loader.h"

const c2_load_limits *c2__limits_or_default(const c2_load_limits *limits, c2_load_limits *store);

/* Parses a message of `desc` under limits: size cap, wire pre-check, allocation budget. */
c2_status c2__unpack(const ProtobufCMessageDescriptor *desc, const uint8_t *bytes, size_t len,
                     const c2_load_limits *limits, ProtobufCMessage **out, c2_error *err);

/* Walks the wire bytes before protobuf-c sees them (wire_check.c): nesting depth, lengths, wire
 * types. Reports the byte offset and field of the first problem. */
c2_status c2__wire_check(const ProtobufCMessageDescriptor *desc, const uint8_t *bytes, size_t len,
                         const c2_load_limits *limits, c2_error *err);

#endif
