/* Reading NetDef, TensorProto(s) and .npy files. Input is treated as hostile: sizes are capped,
 * enum values and data lengths are checked against dims, and every failure says where. */
#ifndef C2RT_LOADER_H
#define C2RT_LOADER_H

#include "workspace.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Limits for one load. Start from c2_load_limits_default() and raise what you need. */
typedef struct c2_load_limits {
  uint64_t max_file_bytes;   /* largest file or buffer accepted */
  int max_depth;             /* deepest message nesting (NetDef in Argument.n counts) */
  uint64_t alloc_per_byte;   /* decoded memory allowed per input byte ... */
  uint64_t alloc_slack;      /* ... plus this many bytes */
  uint64_t max_tensor_bytes; /* largest single tensor a TensorProto may describe */
} c2_load_limits;

C2_API c2_load_limits c2_load_limits_default(void);

/* Reads a whole file into memory (at most limits->max_file_bytes; NULL limits = defaults).
 * *bytes is freed with c2_free. */
C2_API c2_status c2_read_file(const char *path, const c2_load_limits *limits, uint8_t **bytes,
                              size_t *len, c2_error *err);

/* NetDef from wire bytes / a binary .pb file. */
C2_API c2_status c2_netdef_parse(const uint8_t *bytes, size_t len, const c2_load_limits *limits,
                                 c2_netdef **out, c2_error *err);
C2_API c2_status c2_opdef_parse(const uint8_t *bytes, size_t len, const c2_load_limits *limits,
                                c2_opdef **out, c2_error *err);
C2_API c2_status c2_netdef_load_file(const char *path, const c2_load_limits *limits,
                                     c2_netdef **out, c2_error *err);
/* Serializes net into a file. */
C2_API c2_status c2_netdef_save_file(const c2_netdef *net, const char *path, c2_error *err);

/* Tensors from a TensorProto or a TensorProtos message. The first field tells them apart: a
 * TensorProtos starts with field 1 as a length-delimited record. Each tensor is checked (dtype
 * known and storable, dims non-negative and not overflowing, data length equal to the element
 * count) and stored in ws under its name; `name` (may be NULL) renames a single unnamed tensor,
 * or picks one tensor by name out of several. */
C2_API c2_status c2_load_tensors(c2_workspace *ws, const uint8_t *bytes, size_t len,
                                 const char *name, const c2_load_limits *limits, c2_error *err);
C2_API c2_status c2_load_tensors_file(c2_workspace *ws, const char *path, const char *name,
                                      const c2_load_limits *limits, c2_error *err);
/* One TensorProto into a tensor (the checks above). */
C2_API c2_status c2_tensor_from_proto(const c2_tensor_proto *proto, c2_tensor *out,
                                      const c2_load_limits *limits, c2_error *err);

/* NumPy .npy (format 1.0-3.0; little-endian float32/64, int8/16/32/64, uint8/16, bool; C order;
 * Fortran order and object arrays are rejected). */
C2_API c2_status c2_npy_parse(const uint8_t *bytes, size_t len, c2_tensor *out, c2_error *err);
C2_API c2_status c2_npy_load_file(const char *path, c2_tensor *out, c2_error *err);
/* Writes format 1.0, C order. */
C2_API c2_status c2_npy_save_file(const char *path, const c2_tensor *t, c2_error *err);

#ifdef __cplusplus
}
#endif
#endif
