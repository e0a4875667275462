/* Status codes and the caller-supplied error value that every fallible c2rt function fills. */
#ifndef C2RT_STATUS_H
#define C2RT_STATUS_H

#include "common.h"

#ifdef __cplusplus
extern "C" {
#endif

/* One list generates the enum, c2_status_name() and the tests' expectations. */
#define C2_STATUS_MAP(XX)                                                           \
  XX(C2_OK, 0, "ok")                                                                \
  XX(C2_ERR_INVALID_ARGUMENT, -1, "invalid argument")                               \
  XX(C2_ERR_NOMEM, -2, "out of memory")                                             \
  XX(C2_ERR_NOT_FOUND, -3, "not found")                                             \
  XX(C2_ERR_EXISTS, -4, "already exists")                                           \
  XX(C2_ERR_PARSE, -5, "malformed input")                                           \
  XX(C2_ERR_SCHEMA, -6, "schema check failed")                                      \
  XX(C2_ERR_SHAPE, -7, "shape mismatch")                                            \
  XX(C2_ERR_TYPE, -8, "type mismatch")                                              \
  XX(C2_ERR_UNSUPPORTED, -9, "not supported")                                       \
  XX(C2_ERR_IO, -10, "input/output error")                                          \
  XX(C2_ERR_LIMIT, -11, "limit exceeded")                                           \
  XX(C2_ERR_BUSY, -12, "in use")                                                    \
  XX(C2_ERR_GRADIENT, -13, "gradient error")                                        \
  XX(C2_ERR_RUNTIME, -14, "runtime failure")                                        \
  XX(C2_ERR_INTERNAL, -15, "internal error")

typedef enum c2_status {
#define C2_STATUS_ENUM(name, value, text) name = value,
  C2_STATUS_MAP(C2_STATUS_ENUM)
#undef C2_STATUS_ENUM
} c2_status;

#define C2_ERROR_MESSAGE_SIZE 1024

/* Filled by a failing call: the status and a message that says what, where and what was
 * expected, e.g. "op #3 (LRN): argument 'size' must be a positive odd integer, got 4".
 * Allocate one per call (on the stack is fine); pass NULL when the message is not wanted. */
typedef struct c2_error {
  c2_status code;
  char message[C2_ERROR_MESSAGE_SIZE];
} c2_error;

/* Short symbolic name ("C2_ERR_SHAPE") and description ("shape mismatch") of a status. */
C2_API const char *c2_status_name(c2_status status);
C2_API const char *c2_status_string(c2_status status);

/* Resets an error value to C2_OK with an empty message. NULL is allowed. */
C2_API void c2_error_clear(c2_error *err);

/* Sets code and message (printf-style) and returns the code, so that callers can write
 * `return c2_error_set(err, C2_ERR_SHAPE, "...", ...);`. NULL err is allowed. */
C2_API c2_status c2_error_set(c2_error *err, c2_status code, const char *fmt, ...) C2_PRINTF(3, 4);

/* Puts context in front of an existing message ("op #3 (LRN): " + message). NULL is allowed. */
C2_API void c2_error_prefix(c2_error *err, const char *fmt, ...) C2_PRINTF(2, 3);

#ifdef __cplusplus
}
#endif
#endif
