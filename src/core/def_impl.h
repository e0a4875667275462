/* Helpers for code that edits the protobuf-c structs directly. */
#ifndef C2_CORE_DEF_IMPL_H
#define C2_CORE_DEF_IMPL_H

#include <stdarg.h>

#include "c2rt/caffe2.pb-c.h"
#include "c2rt/status.h"

/* Appends a copy of value (NULL = "") to a repeated string field. */
c2_status c2__strv_push(size_t *n, char ***items, const char *value, c2_error *err);
/* Replaces *field with a copy of value (NULL clears). */
c2_status c2__str_set(char **field, const char *value, c2_error *err);
/* Deep copy of a message (through the wire format, so unknown fields survive). */
c2_status c2__message_copy(const ProtobufCMessage *src, const ProtobufCMessageDescriptor *desc,
                           ProtobufCMessage **out, c2_error *err);
/* protobuf-c allocator over c2__malloc/c2__free (fault injection sees parser allocations). */
ProtobufCAllocator c2__pb_allocator(void);
/* Frees a message tree through c2__free (NULL is allowed), so that the live-block count of
 * alloc.c sees every release. */
void c2__message_free(ProtobufCMessage *msg);

#endif
