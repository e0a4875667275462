/* Which instruction-set tier the kernels run: detected once from the CPU, capped by the
 * environment variable C2RT_CPU_TIER=ref|scalar|avx2|avx512 (read once), or forced by tests.
 *
 * Tiers are ordered: "ref" selects the float64 reference kernels (the oracle), "scalar" the
 * portable fast C kernels, then the SIMD ones. A tier is usable when the build compiled it, the
 * CPU (and OS) supports it and C2RT_CPU_TIER does not cap it; a cap above the hardware changes
 * nothing. The cap also bounds forcing, so that a test suite that walks every usable tier can
 * run under valgrind, which lacks AVX-512: C2RT_CPU_TIER=avx2 valgrind ... */
#ifndef C2_OPS_CPU_TIER_H
#define C2_OPS_CPU_TIER_H

#include <stdbool.h>

#include "c2rt/status.h"

typedef enum c2__cpu_tier {
  C2__TIER_REF = 0,
  C2__TIER_SCALAR,
  C2__TIER_AVX2,   /* AVX2 + FMA */
  C2__TIER_AVX512, /* AVX-512 F */
  C2__TIER_COUNT
} c2__cpu_tier;

/* The best usable tier: what this build and this CPU support, capped by C2RT_CPU_TIER. */
c2__cpu_tier c2__cpu_tier_best(void);
/* The tier the kernels use now: the forced one if any, else the best usable one. */
c2__cpu_tier c2__cpu_tier_active(void);
bool c2__cpu_tier_usable(c2__cpu_tier tier);
/* Forces a tier for every later kernel call in the process (tests, benchmarks). Fails with
 * C2_ERR_UNSUPPORTED, changing nothing, when the tier is not usable here. */
c2_status c2__cpu_tier_force(c2__cpu_tier tier, c2_error *err);
/* Drops the forcing: back to the environment or the detected tier. */
void c2__cpu_tier_unforce(void);
const char *c2__cpu_tier_name(c2__cpu_tier tier);
/* "ref", "scalar", "avx2", "avx512" -> tier; false for anything else. */
bool c2__cpu_tier_parse(const char *name, c2__cpu_tier *out);

#endif
