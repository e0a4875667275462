/* The SIMD LRN kernels, written once over the vector primitives of an ISA file
 * (lrn_kernels_avx2.c, lrn_kernels_avx512.c). That file defines vf, VW (lanes), V_TIER, V_TABLE
 * and static inline v_* functions, then includes this one; everything here is static, so each
 * ISA's copy stays inside its own object.
 *
 * An LRN is a stream (X in, Y out; X, dY in, dX out), so what matters is moving each tensor
 * through memory once, in long sequential runs, with enough arithmetic left over:
 *  - the window's squares never go back to memory: registers (NHWC, and NCHW size 5) or an
 *    L1-sized ring (other NCHW sizes);
 *  - software prefetch where the walk is not a plain sequence;
 *  - scale^-beta without exp/log for beta = 0.5, 0.75, 1 (rsqrt/rcp estimates + Newton, and a
 *    real sqrt for 0.75, which runs beside the FMA pipes);
 *  - the backward recomputes Y from X instead of streaming the Y tensor.
 * Accuracy (float32 arithmetic) is measured by tests/test_lrn_kernels.c; see the README. */

#include "lrn_simd_math.h"
#include "lrn_simd_nhwc.h"
#include "lrn_simd_nchw.h"

/* ---- the table ---- */

static size_t simd_scratch(const lrn_plan *pl, bool backward) {
  if (!pl->nhwc) return nchw_scratch(pl, backward);
  if (pl->half == 2) return 0;
  int64_t row = round_up(pl->C) + 2 * pl->half;
  return (size_t)(backward ? 2 * row + round_up(pl->C) : row) * sizeof(float);
}

/* One instantiation per beta kind, so that pow_t's switch folds away. */
#define FOR_KIND(kind, call)                                                                  \
  switch (kind) {                                                                             \
  case LRN_BETA_HALF: call(LRN_BETA_HALF); break;                                             \
  case LRN_BETA_THREE_QUARTER: call(LRN_BETA_THREE_QUARTER); break;                           \
  case LRN_BETA_ONE: call(LRN_BETA_ONE); break;                                               \
  default: call(LRN_BETA_GENERAL); break;                                                     \
  }

static void simd_forward(const lrn_plan *pl, const float *X, float *Y, float *S, int64_t pix0,
                         int64_t pix1, void *scratch) {
#define FWD(k)                                                                                \
  (pl->nhwc ? (pl->half == 2 ? nhwc_forward5(pl, X, Y, S, pix0, pix1, k)                      \
                             : nhwc_forward(pl, X, Y, S, pix0, pix1, scratch, k))             \
            : (pl->half == 2 ? nchw5_forward(pl, X, Y, S, pix0, pix1, scratch, k)             \
                             : nchw_ring_forward(pl, X, Y, S, pix0, pix1, scratch, k)))
  FOR_KIND(pl->kind, FWD)
#undef FWD
}

static void simd_backward(const lrn_plan *pl, const float *X, const float *Y, const float *dY,
                          float *dX, int64_t pix0, int64_t pix1, void *scratch) {
  (void)Y;
#define BWD(k)                                                                                \
  (pl->nhwc ? (pl->half == 2 ? nhwc_backward5(pl, X, dY, dX, pix0, pix1, k)                   \
                             : nhwc_backward(pl, X, dY, dX, pix0, pix1, scratch, k))          \
            : (pl->half == 2 ? nchw5_backward(pl, X, dY, dX, pix0, pix1, scratch, k)          \
                             : nchw_ring_backward(pl, X, dY, dX, pix0, pix1, scratch, k)))
  FOR_KIND(pl->kind, BWD)
#undef BWD
}

const lrn_kernel_table V_TABLE = {
    .tier = V_TIER,
    .scratch_bytes = simd_scratch,
    .forward = simd_forward,
    .backward = simd_backward,
};
