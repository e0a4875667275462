/* LRN kernels: pure functions over plain pointers (no allocation, no workspace), one table per
 * CPU tier (cpu_tier.h):
 *   ref     lrn_kernels_ref.c     float64, direct window sums, reads Y: the oracle, kept forever
 *   scalar  lrn_kernels_scalar.c  portable C, float64 inside, O(size) per element, cache-blocked
 *   avx2    lrn_kernels_avx2.c    AVX2 + FMA  } one template (lrn_kernels_simd.h), each file
 *   avx512  lrn_kernels_avx512.c  AVX-512 F   } compiled with its own flags in its own library
 *
 * Both layouts are a set of "pixels" (n, i) with i in [0, H*W), numbered n*H*W + i; a pixel owns
 * the C values of one spatial position. The window of channel c is [c - half, c + half] clipped
 * to [0, C-1] (size = 2*half + 1, Caffe2's odd sizes); the divisor stays `size`.
 *
 * Forward:  scale = bias + alpha/size * sum_window X^2,  Y = X * scale^-beta.
 * Backward: dX = dY * scale^-beta - 2*alpha*beta/size * X * sum_window(dY * Y / scale).
 * The fast tiers recompute Y = X * scale^-beta from X in the backward pass instead of reading
 * it (one tensor less to stream; it is the same arithmetic as their forward), like Caffe2 and
 * oneDNN recompute the scale.
 *
 * A kernel call handles the pixels [pix0, pix1) and writes exactly their outputs. Each output
 * element is computed by the same instructions wherever the range starts or ends (vector tails
 * are masked, never a different code path), so splitting the pixels among threads in any way
 * gives bit-identical results. */
#ifndef C2_OPS_LRN_KERNELS_H
#define C2_OPS_LRN_KERNELS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cpu_tier.h"

typedef struct lrn_params {
  int size;
  float alpha; /* as given: the kernels divide by size */
  float beta;
  float bias;
} lrn_params;

/* beta values with a path that avoids exp/log */
typedef enum lrn_beta_kind {
  LRN_BETA_HALF,          /* s^-0.5 = rsqrt(s) */
  LRN_BETA_THREE_QUARTER, /* s^-0.75 = rsqrt(s * sqrt(s)) */
  LRN_BETA_ONE,           /* s^-1 */
  LRN_BETA_GENERAL,       /* exp2(-beta * log2(s)) */
} lrn_beta_kind;

/* Everything a kernel needs besides the pointers; built once per run by lrn_plan_init. */
typedef struct lrn_plan {
  lrn_params p;
  /* (size - 1) / 2, capped at C - 1: a wider window clips to the same channels (the divisor
   * stays size), and the cap bounds the kernels' scratch. */
  int half;
  float a, a_lo;     /* alpha / size = a + a_lo (a rounded from double, a_lo the rest) */
  float cache_ratio; /* 2 * alpha * beta / size, rounded once from double */
  lrn_beta_kind kind;
  bool nhwc;
  int64_t N, C, HW;
  /* Work units for threads: NCHW units are blocks of `block` positions of one image (the
   * kernels' cache block), NHWC units are `block` consecutive pixels. */
  int64_t block;
  int64_t units_per_image; /* NCHW only */
  int64_t units;
  int64_t grain; /* fewest units worth a thread of their own */
  /* The outputs are too large to stay in the last-level cache: kernels may write them with
   * non-temporal stores (no read-for-ownership traffic, no eviction of the inputs). */
  bool stream_out;
} lrn_plan;

/* threads: how many threads the run will use (the NCHW blocks of a lone image are split evenly
 * among them); results never depend on it. */
void lrn_plan_init(lrn_plan *plan, const lrn_params *p, bool nhwc, int64_t N, int64_t C,
                   int64_t HW, int threads);
/* The pixels [*pix0, *pix1) of work units [u0, u1). */
void lrn_plan_pixels(const lrn_plan *plan, int64_t u0, int64_t u1, int64_t *pix0,
                     int64_t *pix1);

/* The first run of one image's positions within pixels [q, pix1): image *n, positions
 * [*i0, *i1). static inline: ISA files include this header and must keep their own copy. */
static inline void lrn_image_segment(const lrn_plan *plan, int64_t q, int64_t pix1, int64_t *n,
                                     int64_t *i0, int64_t *i1) {
  *n = q / plan->HW;
  *i0 = q - *n * plan->HW;
  int64_t end = pix1 - *n * plan->HW;
  *i1 = end < plan->HW ? end : plan->HW;
}

typedef struct lrn_kernel_table {
  c2__cpu_tier tier;
  /* Bytes of scratch one call needs (64-byte aligned memory; 0 when none). */
  size_t (*scratch_bytes)(const lrn_plan *plan, bool backward);
  /* scale may be NULL (Y_scale not wanted). */
  void (*forward)(const lrn_plan *plan, const float *X, float *Y, float *scale, int64_t pix0,
                  int64_t pix1, void *scratch);
  /* Y is read only by the reference tier (see above). */
  void (*backward)(const lrn_plan *plan, const float *X, const float *Y, const float *dY,
                   float *dX, int64_t pix0, int64_t pix1, void *scratch);
} lrn_kernel_table;

/* The table of a usable tier (cpu_tier.h); tiers this build lacks fall back to scalar. */
const lrn_kernel_table *c2__lrn_kernels(c2__cpu_tier tier);

extern const lrn_kernel_table c2__lrn_ref_kernels;
extern const lrn_kernel_table c2__lrn_scalar_kernels;
#ifdef C2_HAVE_AVX2
extern const lrn_kernel_table c2__lrn_avx2_kernels;
#endif
#ifdef C2_HAVE_AVX512
extern const lrn_kernel_table c2__lrn_avx512_kernels;
#endif

#endif
