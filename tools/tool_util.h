/* Helpers shared by the command-line tools: reading nets in binary or text form (text through
 * `protoc`), printing tensors, and one-line error exits. */
#ifndef C2_TOOLS_TOOL_UTIL_H
#define C2_TOOLS_TOOL_UTIL_H

#include <c2rt/c2rt.h>
#include <stdio.h>

/* Prints "<tool>: <message>" on stderr and exits with status 1. */
_Noreturn void tool_fail(const char *tool, const char *fmt, ...) C2_PRINTF(2, 3);
_Noreturn void tool_fail_err(const char *tool, const c2_error *err);

/* Where caffe2.proto is: $C2RT_PROTO_DIR, the source tree this tool was built from, or the
 * installed data directory. NULL when none holds it. */
const char *tool_proto_dir(void);

/* Runs `protoc --encode=TYPE` (encode = true) or `--decode=TYPE` over in/in_len. *out is freed
 * with free(). Fails with a message when protoc or caffe2.proto cannot be found. */
c2_status tool_protoc(bool encode, const char *type, const uint8_t *in, size_t in_len,
                      uint8_t **out, size_t *out_len, c2_error *err);

/* Loads a NetDef from a .pb file, or from protobuf text when the name ends in .pbtxt / .prototxt
 * / .txt. */
c2_status tool_load_net(const char *path, c2_netdef **out, c2_error *err);

/* Prints "name: DTYPE [dims]" and the values, nested like numpy (long tensors summarised). */
void tool_print_tensor(FILE *f, const char *name, const c2_tensor *t);

#endif
