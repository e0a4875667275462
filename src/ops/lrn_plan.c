/* LRN run plans (work units) and the tier -> kernel table map. */
#include "lrn_kernels.h"

/* NCHW positions per work unit, at most: the SIMD kernels walk one block of positions down the
 * channels (lrn_simd_nchw.h), which streams from DRAM at copy speed only when a block is a long
 * run (16 KiB rows here; 2 KiB rows ran at half speed). Blocks of an image are made equal and
 * a multiple of 16 positions, so that threads get balanced, vector-aligned shares. */
#define LRN_NCHW_BLOCK 4096
/* Output size from which the kernels stream it past the caches: half the 32 MiB L3 of the
 * measured machine (with the input, such an output cannot stay cached for the next layer
 * anyway). Smaller outputs keep regular stores, so that the next layer finds them in L3 (a
 * streamed 12 MiB output would make this op ~15% faster in a loop and the next layer slower). */
#define LRN_STREAM_BYTES ((int64_t)16 << 20)
/* Waking a pool thread costs tens of microseconds on the measured VM: a thread gets at least
 * 256K elements (~70 us of work), below which two threads were slower than one. */
#define LRN_MIN_THREAD_ELEMS (256 * 1024)

void lrn_plan_init(lrn_plan *plan, const lrn_params *p, bool nhwc, int64_t N, int64_t C,
                   int64_t HW, int threads) {
  int64_t half = (p->size - 1) / 2;
  if (half > C - 1) half = C > 0 ? C - 1 : 0;
  *plan = (lrn_plan){.p = *p, .half = (int)half, .nhwc = nhwc, .N = N, .C = C, .HW = HW};
  plan->a = (float)((double)p->alpha / p->size);
  plan->a_lo = (float)((double)p->alpha / p->size - plan->a);
  plan->cache_ratio = (float)(2.0 * p->alpha * p->beta / p->size);
  plan->kind = p->beta == 0.5f    ? LRN_BETA_HALF
               : p->beta == 0.75f ? LRN_BETA_THREE_QUARTER
               : p->beta == 1.0f  ? LRN_BETA_ONE
                                  : LRN_BETA_GENERAL;
  if (nhwc) {
    plan->block = 1; /* pixels are independent: any split is as good */
    plan->units_per_image = HW;
    plan->units = N * HW;
  } else {
    int64_t blocks = (HW + LRN_NCHW_BLOCK - 1) / LRN_NCHW_BLOCK;
    if (threads > 1 && N % threads != 0 && blocks < HW) /* so that the units split evenly */
      blocks = (blocks + threads - 1) / threads * threads;
    plan->block = ((HW + blocks - 1) / blocks + 15) / 16 * 16;
    if (plan->block > HW) plan->block = HW > 0 ? HW : 1;
    plan->units_per_image = (HW + plan->block - 1) / plan->block;
    plan->units = N * plan->units_per_image;
  }
  int64_t unit_elems = plan->block * (C > 0 ? C : 1);
  plan->grain = (LRN_MIN_THREAD_ELEMS + unit_elems - 1) / unit_elems;
  plan->stream_out = N * C * HW * (int64_t)sizeof(float) >= LRN_STREAM_BYTES;
}

static int64_t unit_start(const lrn_plan *plan, int64_t u) {
  if (plan->nhwc) return u;
  int64_t n = u / plan->units_per_image, b = u % plan->units_per_image;
  return n * plan->HW + b * plan->block;
}

void lrn_plan_pixels(const lrn_plan *plan, int64_t u0, int64_t u1, int64_t *pix0,
                     int64_t *pix1) {
  *pix0 = unit_start(plan, u0);
  if (u1 >= plan->units) {
    *pix1 = plan->N * plan->HW;
  } else {
    *pix1 = unit_start(plan, u1);
  }
}

const lrn_kernel_table *c2__lrn_kernels(c2__cpu_tier tier) {
  switch (tier) {
  case C2__TIER_REF: return &c2__lrn_ref_kernels;
#ifdef C2_HAVE_AVX2
  case C2__TIER_AVX2: return &c2__lrn_avx2_kernels;
#endif
#ifdef C2_HAVE_AVX512
  case C2__TIER_AVX512: return &c2__lrn_avx512_kernels;
#endif
  default: return &c2__lrn_scalar_kernels;
  }
}
