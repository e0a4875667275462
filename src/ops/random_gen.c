/* Mersenne Twister MT19937 (Matsumoto & Nishimura 1998, as specified for std::mt19937) and the
 * float distributions of GCC's libstdc++, step for step, including its float/double mixes. */
#include "random_gen.h"

#include <math.h>
#include <stdatomic.h>
#include <time.h>
#include <unistd.h>

#include "c2rt/caffe2.pb-c.h"

void c2__mt_seed(c2__mt19937 *g, uint32_t seed) {
  g->mt[0] = seed;
  for (int i = 1; i < C2__MT_N; i++)
    g->mt[i] = 1812433253u * (g->mt[i - 1] ^ (g->mt[i - 1] >> 30)) + (uint32_t)i;
  g->index = C2__MT_N;
}

static void twist(c2__mt19937 *g) {
  enum { M = 397 };
  const uint32_t upper = 0x80000000u, lower = 0x7fffffffu, matrix = 0x9908b0dfu;
  for (int i = 0; i < C2__MT_N; i++) {
    uint32_t y = (g->mt[i] & upper) | (g->mt[(i + 1) % C2__MT_N] & lower);
    g->mt[i] = g->mt[(i + M) % C2__MT_N] ^ (y >> 1) ^ ((y & 1u) ? matrix : 0u);
  }
  g->index = 0;
}

uint32_t c2__mt_next(c2__mt19937 *g) {
  if (g->index >= C2__MT_N) twist(g);
  uint32_t y = g->mt[g->index++];
  y ^= y >> 11;
  y ^= (y << 7) & 0x9d2c5680u;
  y ^= (y << 15) & 0xefc60000u;
  y ^= y >> 18;
  return y;
}

/* libstdc++ rounds the 32-bit draw to float, divides by 2^32 in float, and maps a result that
 * rounded up to 1 onto the float just below 1. */
float c2__mt_canonical_float(c2__mt19937 *g) {
  float r = (float)c2__mt_next(g) / 4294967296.0f;
  return r >= 1.0f ? nextafterf(1.0f, 0.0f) : r;
}

void c2__rand_uniform(c2__mt19937 *g, size_t n, float a, float b, float *out) {
  float range = b - a;
  for (size_t i = 0; i < n; i++) out[i] = c2__mt_canonical_float(g) * range + a;
}

void c2__rand_gaussian(c2__mt19937 *g, size_t n, float mean, float std, float *out) {
  float saved = 0;
  int have_saved = 0;
  for (size_t i = 0; i < n; i++) {
    float v;
    if (have_saved) {
      have_saved = 0;
      v = saved;
    } else {
      float x, y, r2;
      do {
        /* `result_type(2.0) * u - 1.0`: a float product, then a double subtraction. */
        x = (float)((double)(2.0f * c2__mt_canonical_float(g)) - 1.0);
        y = (float)((double)(2.0f * c2__mt_canonical_float(g)) - 1.0);
        r2 = x * x + y * y;
      } while (r2 > 1.0f || r2 == 0.0f);
      float mult = sqrtf(-2.0f * logf(r2) / r2);
      saved = x * mult;
      have_saved = 1;
      v = y * mult;
    }
    out[i] = v * std + mean;
  }
}

uint32_t c2__op_random_seed(const c2_opdef *def) {
  if (def->device_option && def->device_option->has_random_seed)
    return def->device_option->random_seed;
  static atomic_uint counter; /* only makes seeds of ops created in the same microsecond differ */
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  uint32_t sec = (uint32_t)ts.tv_sec, usec = (uint32_t)(ts.tv_nsec / 1000);
  return 51551u * atomic_fetch_add(&counter, 1u) + 61631u * (uint32_t)getpid() + 64997u * sec +
         111857u * usec;
}
