/* Init nets: the NetDef of fill ops that holds a model's parameters (a Caffe2 model zoo
 * init_net.pb). A zoo init net stores every parameter as a GivenTensorFill whose `values`
 * argument is one unpacked float per 5 bytes (AlexNet's: 305 MB, 61 M floats); protobuf-c's
 * general parser keeps a record per float (1.6 GB). This reader decodes each such `values`
 * argument straight into the op's output tensor instead, and runs every other op normally. */
#ifndef C2RT_INIT_NET_H
#define C2RT_INIT_NET_H

#include "loader.h"
#include "registry.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Runs the init net in `bytes` into ws, with the result of c2_netdef_parse + c2_run_net_once
 * (same blobs, same checks, same errors): the op-level checks are the ordinary ones, run on the
 * net with the large `values` arguments left out; anything unusual about a `values` argument
 * (packed and unpacked chunks are fine; other fields, duplicates, a `dtype`, malformed bytes)
 * sends that file through the general parser. The memory it needs is the input plus the
 * decoded parameters, and the decoded bytes are held to limits->alloc_per_byte x len +
 * alloc_slack. reg NULL: the default registry; limits NULL: the defaults. */
C2_API c2_status c2_init_net_run(c2_workspace *ws, const uint8_t *bytes, size_t len,
                                 const c2_registry *reg, const c2_load_limits *limits,
                                 c2_error *err);
/* The same for a file, which is mapped rather than copied when possible. Errors name the
 * file. */
C2_API c2_status c2_init_net_run_file(c2_workspace *ws, const char *path, const c2_registry *reg,
                                      const c2_load_limits *limits, c2_error *err);

#ifdef __cplusplus
}
#endif
#endif
