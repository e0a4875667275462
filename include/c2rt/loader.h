/* Reading NetDef, TensorProto(s) and .npy files. Input is treated as hostile: sizes are capped,
 * enum values and data lengths are checked against dims, and every failure says where. */
#ifndef C2RT_LOADER_H
#define C2RT_LOADER_H

#include "workspace.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Limits for one load. Start from c2_load_limits_default() and raise what you need.
 *
 * The defaults accept every real Caffe2 file we know of and refuse the known blow-ups:
 *  - max_file_bytes 1 GiB: Caffe2's own protobuf total-bytes limit. Protobuf messages are also
 *    capped at 2 GiB - 1 whatever this says (the protobuf format's limit; protobuf-c counts
 *    repeated elements in 32 bits).
 *  - max_depth 100: protobuf C++'s default recursion limit, so whatever Caffe2 parsed, we parse.
 *    Clamped to C2_LOAD_MAX_DEPTH_CEILING, because protobuf-c recurses once per level.
 *  - alloc_per_byte 16 + alloc_slack 16 MiB: memory the parser may request in total (every
 *    allocation counts, frees are not refunded), proportional to the input. A model-zoo init net
 *    (GivenTensorFill ops with unpacked float lists, ~5 bytes per float) needs ~7-14 bytes per
 *    input byte, because protobuf-c keeps a 32-byte record per float while it parses; 2 MB of
 *    empty `op {}` records would need ~100 bytes per input byte and are refused.
 *  - max_string_bytes 1 MiB: names, types, engines, debug_info (string fields, not bytes fields
 *    such as raw_data or Argument.s).
 *  - max_tensor_bytes 4 GiB: the largest tensor a TensorProto may describe. */
typedef struct c2_load_limits {
  uint64_t max_file_bytes;   /* largest file or buffer accepted */
  int max_depth;             /* deepest message nesting (NetDef in Argument.n counts) */
  uint64_t alloc_per_byte;   /* parser memory allowed per input byte ... */
  uint64_t alloc_slack;      /* ... plus this many bytes */
  uint64_t max_tensor_bytes; /* largest single tensor a TensorProto may describe */
  uint64_t max_string_bytes; /* longest string field (names, types, ...) */
} c2_load_limits;

/* max_depth above this is treated as this. */
#define C2_LOAD_MAX_DEPTH_CEILING 1000

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
 * TensorProtos starts with field 1 as a length-delimited record (bytes that start so but are
 * only valid as a TensorProto, one with packed dims, load as that). Each tensor is checked (dtype
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
