/* CPU tier detection and forcing. Detection and the environment are read once (pthread_once);
 * the forced tier is an atomic so that a test can switch tiers between runs. */
#include "cpu_tier.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

static const char *const tier_names[C2__TIER_COUNT] = {"ref", "scalar", "avx2", "avx512"};

static pthread_once_t detect_once = PTHREAD_ONCE_INIT;
static c2__cpu_tier best_tier = C2__TIER_SCALAR; /* detected, capped by C2RT_CPU_TIER */
static atomic_int forced_tier = -1;

/* __builtin_cpu_supports also checks that the OS saves the wider registers (XCR0). The compiled
 * tiers are announced by the build (C2_HAVE_AVX2 / C2_HAVE_AVX512). */
static c2__cpu_tier detect(void) {
  c2__cpu_tier t = C2__TIER_SCALAR;
#if defined(__x86_64__) && (defined(C2_HAVE_AVX2) || defined(C2_HAVE_AVX512))
  __builtin_cpu_init();
#ifdef C2_HAVE_AVX2
  if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) t = C2__TIER_AVX2;
#endif
#ifdef C2_HAVE_AVX512
  if (t == C2__TIER_AVX2 && __builtin_cpu_supports("avx512f")) t = C2__TIER_AVX512;
#endif
#endif
  return t;
}

static void init_tiers(void) {
  best_tier = detect();
  const char *cap = getenv("C2RT_CPU_TIER");
  c2__cpu_tier t;
  /* An unknown value is ignored: the library never prints, and the detected tier is safe. */
  if (cap && c2__cpu_tier_parse(cap, &t) && t < best_tier) best_tier = t;
}

c2__cpu_tier c2__cpu_tier_best(void) {
  pthread_once(&detect_once, init_tiers);
  return best_tier;
}

c2__cpu_tier c2__cpu_tier_active(void) {
  pthread_once(&detect_once, init_tiers);
  int forced = atomic_load_explicit(&forced_tier, memory_order_relaxed);
  return forced >= 0 ? (c2__cpu_tier)forced : best_tier;
}

bool c2__cpu_tier_usable(c2__cpu_tier tier) {
  return tier >= C2__TIER_REF && tier <= c2__cpu_tier_best();
}

c2_status c2__cpu_tier_force(c2__cpu_tier tier, c2_error *err) {
  if (!c2__cpu_tier_usable(tier))
    return c2_error_set(err, C2_ERR_UNSUPPORTED,
                        "CPU tier '%s' is not usable here (best: '%s')", c2__cpu_tier_name(tier),
                        c2__cpu_tier_name(c2__cpu_tier_best()));
  atomic_store(&forced_tier, (int)tier);
  return C2_OK;
}

void c2__cpu_tier_unforce(void) { atomic_store(&forced_tier, -1); }

const char *c2__cpu_tier_name(c2__cpu_tier tier) {
  return tier >= C2__TIER_REF && tier < C2__TIER_COUNT ? tier_names[tier] : "unknown";
}

bool c2__cpu_tier_parse(const char *name, c2__cpu_tier *out) {
  for (int t = 0; t < C2__TIER_COUNT; t++)
    if (strcmp(name, tier_names[t]) == 0) {
      *out = (c2__cpu_tier)t;
      return true;
    }
  return false;
}
