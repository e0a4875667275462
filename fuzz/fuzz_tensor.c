/* Fuzz target (b): TensorProto / TensorProtos bytes -> tensors in a workspace, loaded as named in
 * the file and again under a given name, then each tensor's shape, size and data checked. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <c2rt/c2rt.h>

#include "fuzz.h"

static void check_blobs(c2_workspace *ws) {
  const char **names;
  size_t n;
  if (c2_workspace_blob_names(ws, &names, &n, NULL)) return;
  for (size_t i = 0; i < n; i++) {
    const c2_tensor *t = c2_workspace_get_blob(ws, names[i]);
    FUZZ_CHECK(t && !c2_tensor_is_empty(t));
    /* A zero dim makes the count 0 whatever the others are (they may be huge). */
    int64_t numel = 1;
    bool zero = false;
    for (int d = 0; d < c2_tensor_ndim(t); d++) {
      FUZZ_CHECK(c2_tensor_dim(t, d) >= 0);
      zero |= c2_tensor_dim(t, d) == 0;
    }
    for (int d = 0; d < c2_tensor_ndim(t) && !zero; d++) {
      FUZZ_CHECK(numel <= INT64_MAX / c2_tensor_dim(t, d));
      numel *= c2_tensor_dim(t, d);
    }
    if (zero) numel = 0;
    FUZZ_CHECK(numel == c2_tensor_numel(t));
    FUZZ_CHECK(c2_tensor_nbytes(t) == (size_t)numel * c2_dtype_size(c2_tensor_dtype(t)));
    /* Touch every byte, so that ASan sees a short buffer. */
    const uint8_t *bytes = c2_tensor_data_const(t);
    unsigned sum = 0;
    for (size_t b = 0; b < c2_tensor_nbytes(t); b++) sum += bytes[b];
    FUZZ_CHECK(sum < 0xffffffffu);
  }
  c2_free(names);
}

static void load(const uint8_t *data, size_t size, const char *name) {
  c2_load_limits limits = c2_load_limits_default();
  limits.max_file_bytes = 1 << 20;
  limits.max_tensor_bytes = 64 << 20;
  c2_workspace *ws;
  c2_error err;
  if (c2_workspace_new(&ws, &err)) return;
  c2_error_clear(&err);
  c2_status st = c2_load_tensors(ws, data, size, name, &limits, &err);
  FUZZ_CHECK(st == err.code && (st == C2_OK || err.message[0]));
  if (st == C2_OK) {
    FUZZ_CHECK(c2_workspace_blob_count(ws) >= 1);
    if (name) FUZZ_CHECK(c2_workspace_blob_count(ws) == 1 && c2_workspace_has_blob(ws, name));
  }
  check_blobs(ws);
  c2_workspace_free(ws);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  load(data, size, NULL);
  load(data, size, "x");
  return 0;
}
