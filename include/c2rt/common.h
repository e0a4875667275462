/* Shared definitions of the c2rt public API: export macro, limits and opaque definition types. */
#ifndef C2RT_COMMON_H
#define C2RT_COMMON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#if defined(__GNUC__)
#define C2_API __attribute__((visibility("default")))
#else
#define C2_API
#endif

#if defined(__GNUC__)
#define C2_PRINTF(fmt_index, first_arg) __attribute__((format(printf, fmt_index, first_arg)))
#else
#define C2_PRINTF(fmt_index, first_arg)
#endif

#ifdef __cplusplus
extern "C" {
#endif

/* Highest tensor rank c2rt handles; higher ranks are rejected with an error, never truncated. */
#define C2_MAX_NDIM 8

/* Caffe2's device types (DeviceOption.device_type). Only CPU is built. */
enum { C2_DEVICE_CPU = 0, C2_DEVICE_CUDA = 1, C2_DEVICE_MKLDNN = 2, C2_DEVICE_IDEEP = 5, C2_DEVICE_HIP = 6 };

/* The protobuf-c structs generated from proto/caffe2.proto are the op and net definitions.
 * They stay incomplete here so that users need no protobuf-c headers; include <c2rt/proto.h>
 * to read their fields directly. Every definition object handed out by c2rt is a heap tree that
 * c2_opdef_free / c2_netdef_free release. */
typedef struct Caffe2__OperatorDef c2_opdef;
typedef struct Caffe2__NetDef c2_netdef;
typedef struct Caffe2__TensorProto c2_tensor_proto;

/* Releases memory that a c2rt function handed to the caller as a plain buffer (packed bytes,
 * name arrays). NULL is allowed. */
C2_API void c2_free(void *ptr);

/* The library version as "MAJOR.MINOR.PATCH". */
C2_API const char *c2_version(void);

#ifdef __cplusplus
}
#endif
#endif
