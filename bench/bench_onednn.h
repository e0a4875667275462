/* The oneDNN LRN peer of c2bench (compiled only when Debian's libdnnl-dev is found). */
#ifndef C2_BENCH_ONEDNN_H
#define C2_BENCH_ONEDNN_H

#include <stdbool.h>
#include <stdint.h>

typedef enum bench_pass { PASS_FWD, PASS_FWD_SCALE, PASS_BWD, PASS_COUNT } bench_pass;

typedef struct onednn_lrn onednn_lrn;

/* An LRN primitive on the caller's buffers (dims N, C, H, W; nhwc picks the memory format).
 * PASS_FWD: forward_inference X -> Y. PASS_FWD_SCALE: forward_training X -> Y + workspace.
 * PASS_BWD: backward X, dY (+ workspace of a forward_training run made here) -> dX.
 * Returns NULL, with a reason in why, when oneDNN refuses. */
onednn_lrn *onednn_lrn_new(bench_pass pass, const int64_t dims[4], bool nhwc, int size,
                           float alpha, float beta, float bias, const float *x, const float *dy,
                           float *out, char *why, int why_len);
/* Runs the primitive once and waits for it. */
void onednn_lrn_run(onednn_lrn *p);
/* The implementation oneDNN picked, e.g. "lrn_jit:avx512_core" or "lrn_ref:any". */
const char *onednn_lrn_impl(const onednn_lrn *p);
void onednn_lrn_free(onednn_lrn *p);
/* OpenMP threads for the following runs. */
void onednn_set_threads(int threads);
void onednn_version(char *buf, int len);

#endif
