/* Typed access to OperatorDef arguments, with Caffe2's rules: a float is read only from field
 * `f`, an int only from `i`, a string only from `s`; a value stored in the wrong field is an
 * error that says so, never a silent conversion. Absent arguments give the default. */
#ifndef C2RT_ARGUMENT_H
#define C2RT_ARGUMENT_H

#include "status.h"

#ifdef __cplusplus
extern "C" {
#endif

C2_API bool c2_arg_has(const c2_opdef *op, const char *name);

C2_API c2_status c2_arg_get_int(const c2_opdef *op, const char *name, int64_t dflt, int64_t *out,
                                c2_error *err);
/* As c2_arg_get_int, and the value must fit in an int (Caffe2's "cannot be represented
 * correctly in a target type"). */
C2_API c2_status c2_arg_get_int32(const c2_opdef *op, const char *name, int dflt, int *out,
                                  c2_error *err);
/* Booleans are ints in Caffe2 (field `i`); any non-zero value is true. */
C2_API c2_status c2_arg_get_bool(const c2_opdef *op, const char *name, bool dflt, bool *out,
                                 c2_error *err);
C2_API c2_status c2_arg_get_float(const c2_opdef *op, const char *name, float dflt, float *out,
                                  c2_error *err);
/* Copies the string (or dflt) into buf with a terminating NUL. A value holding a NUL byte, or
 * one that does not fit in size - 1 bytes, is an error naming the argument. */
C2_API c2_status c2_arg_get_string(const c2_opdef *op, const char *name, const char *dflt,
                                   char *buf, size_t size, c2_error *err);
/* Raw bytes of field s, borrowed from op; absent gives *data = NULL, *len = 0. */
C2_API c2_status c2_arg_get_bytes(const c2_opdef *op, const char *name, const uint8_t **data,
                                  size_t *len, c2_error *err);
/* Lists: *values borrowed from op; absent gives *n = 0 and *values = NULL. */
C2_API c2_status c2_arg_get_ints(const c2_opdef *op, const char *name, const int64_t **values,
                                 size_t *n, c2_error *err);
C2_API c2_status c2_arg_get_floats(const c2_opdef *op, const char *name, const float **values,
                                   size_t *n, c2_error *err);

/* Caffe2's ArgumentHelper check: two arguments with one name are an error unless they are
 * identical. */
C2_API c2_status c2_args_check_unique(const c2_opdef *op, c2_error *err);

#ifdef __cplusplus
}
#endif
#endif
