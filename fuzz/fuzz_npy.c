/* Fuzz target (c): .npy bytes -> a tensor, whose size must match the file's data exactly. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <c2rt/c2rt.h>

#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  c2_tensor *t;
  c2_error err;
  if (c2_tensor_new(&t, &err)) return 0;
  c2_error_clear(&err);
  c2_status st = c2_npy_parse(data, size, t, &err);
  FUZZ_CHECK(st == err.code && (st == C2_OK || err.message[0]));
  if (st == C2_OK) {
    size_t nbytes = c2_tensor_nbytes(t);
    FUZZ_CHECK(nbytes <= size);
    FUZZ_CHECK(nbytes == (size_t)c2_tensor_numel(t) * c2_dtype_size(c2_tensor_dtype(t)));
    /* The data is the file's tail. */
    if (nbytes) FUZZ_CHECK(memcmp(c2_tensor_data_const(t), data + size - nbytes, nbytes) == 0);
  } else {
    FUZZ_CHECK(c2_tensor_is_empty(t));
  }
  c2_tensor_free(t);
  return 0;
}
