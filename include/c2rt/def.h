/* Building and reading operator and net definitions (the protobuf-c structs of caffe2.proto).
 *
 * Every c2_opdef / c2_netdef made or returned here is a heap tree in which each piece was
 * allocated separately, so c2_opdef_free / c2_netdef_free release it whole. Functions whose
 * name contains "take" take ownership of their argument, also when they fail. */
#ifndef C2RT_DEF_H
#define C2RT_DEF_H

#include "status.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- operators ---- */

/* A new OperatorDef of `type` with copies of the input and output names. Like Caffe2's
 * core.CreateOperator it sets `name` (to "") so that the encoding matches Caffe2's. */
C2_API c2_status c2_opdef_new(const char *type, size_t n_inputs, const char *const *inputs,
                              size_t n_outputs, const char *const *outputs, c2_opdef **out,
                              c2_error *err);
C2_API void c2_opdef_free(c2_opdef *op);
C2_API c2_status c2_opdef_copy(const c2_opdef *src, c2_opdef **out, c2_error *err);

C2_API c2_status c2_opdef_add_input(c2_opdef *op, const char *name, c2_error *err);
C2_API c2_status c2_opdef_add_output(c2_opdef *op, const char *name, c2_error *err);
/* Replaces input/output i (0 <= i < count) with a copy of name. */
C2_API c2_status c2_opdef_set_input(c2_opdef *op, size_t i, const char *name, c2_error *err);
C2_API c2_status c2_opdef_set_output(c2_opdef *op, size_t i, const char *name, c2_error *err);
C2_API c2_status c2_opdef_set_name(c2_opdef *op, const char *name, c2_error *err);
/* engine NULL clears the field. */
C2_API c2_status c2_opdef_set_engine(c2_opdef *op, const char *engine, c2_error *err);
C2_API c2_status c2_opdef_set_device(c2_opdef *op, int device_type, int device_id, c2_error *err);
C2_API void c2_opdef_set_is_gradient_op(c2_opdef *op, bool value);

/* Arguments, appended in call order. A float argument goes to field `f`, an int to `i`, a string
 * to `s` (bytes), lists to floats / ints / strings: exactly Caffe2's utils.MakeArgument. */
C2_API c2_status c2_opdef_add_arg_int(c2_opdef *op, const char *name, int64_t value, c2_error *err);
C2_API c2_status c2_opdef_add_arg_float(c2_opdef *op, const char *name, float value, c2_error *err);
C2_API c2_status c2_opdef_add_arg_string(c2_opdef *op, const char *name, const char *value,
                                         c2_error *err);
C2_API c2_status c2_opdef_add_arg_ints(c2_opdef *op, const char *name, const int64_t *values,
                                       size_t n, c2_error *err);
C2_API c2_status c2_opdef_add_arg_floats(c2_opdef *op, const char *name, const float *values,
                                         size_t n, c2_error *err);
C2_API c2_status c2_opdef_add_arg_strings(c2_opdef *op, const char *name,
                                          const char *const *values, size_t n, c2_error *err);
/* Removes every argument named `name`; returns how many were removed. */
C2_API size_t c2_opdef_remove_arg(c2_opdef *op, const char *name);

/* Readers. Strings are borrowed from the definition; absent fields read as "" / 0. */
C2_API const char *c2_opdef_type(const c2_opdef *op);
C2_API const char *c2_opdef_name(const c2_opdef *op);
C2_API const char *c2_opdef_engine(const c2_opdef *op);
C2_API int c2_opdef_device_type(const c2_opdef *op);
C2_API size_t c2_opdef_num_inputs(const c2_opdef *op);
C2_API size_t c2_opdef_num_outputs(const c2_opdef *op);
C2_API const char *c2_opdef_input(const c2_opdef *op, size_t i);
C2_API const char *c2_opdef_output(const c2_opdef *op, size_t i);
C2_API size_t c2_opdef_num_args(const c2_opdef *op);
C2_API const char *c2_opdef_arg_name(const c2_opdef *op, size_t i);
/* Renders argument i as protobuf text ("size: 5" style, e.g. `i: 5`, `f: 0.0001`, `s: "NCHW"`,
 * `ints: [1, 2]`) into buf (always NUL-terminated, truncated with "..."); returns buf. */
C2_API char *c2_opdef_arg_string(const c2_opdef *op, size_t i, char *buf, size_t size);

/* ---- nets ---- */

/* A new NetDef with `name` set (NULL leaves the field absent). */
C2_API c2_status c2_netdef_new(const char *name, c2_netdef **out, c2_error *err);
C2_API void c2_netdef_free(c2_netdef *net);
C2_API c2_status c2_netdef_copy(const c2_netdef *src, c2_netdef **out, c2_error *err);
/* Appends op to net; net owns op afterwards (and frees it if this fails). */
C2_API c2_status c2_netdef_add_op_take(c2_netdef *net, c2_opdef *op, c2_error *err);
C2_API c2_status c2_netdef_add_external_input(c2_netdef *net, const char *name, c2_error *err);
C2_API c2_status c2_netdef_add_external_output(c2_netdef *net, const char *name, c2_error *err);
C2_API c2_status c2_netdef_set_name(c2_netdef *net, const char *name, c2_error *err);
C2_API c2_status c2_netdef_set_type(c2_netdef *net, const char *type, c2_error *err);

C2_API const char *c2_netdef_name(const c2_netdef *net);
C2_API const char *c2_netdef_type(const c2_netdef *net);
C2_API size_t c2_netdef_num_ops(const c2_netdef *net);
/* Borrowed op i; NULL when out of range. */
C2_API const c2_opdef *c2_netdef_op(const c2_netdef *net, size_t i);
C2_API c2_opdef *c2_netdef_op_mutable(c2_netdef *net, size_t i);
C2_API size_t c2_netdef_num_external_inputs(const c2_netdef *net);
C2_API const char *c2_netdef_external_input(const c2_netdef *net, size_t i);
C2_API size_t c2_netdef_num_external_outputs(const c2_netdef *net);
C2_API const char *c2_netdef_external_output(const c2_netdef *net, size_t i);

/* ---- wire format ---- */

/* Serializes to Caffe2's wire format; *bytes is freed with c2_free. */
C2_API c2_status c2_netdef_pack(const c2_netdef *net, uint8_t **bytes, size_t *len, c2_error *err);
C2_API c2_status c2_opdef_pack(const c2_opdef *op, uint8_t **bytes, size_t *len, c2_error *err);
/* Parsing is the loader's job: c2_netdef_parse / c2_opdef_parse in <c2rt/loader.h>. */

#ifdef __cplusplus
}
#endif
#endif
