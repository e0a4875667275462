/* The random numbers of Caffe2's CPUContext, reproduced exactly: each operator owns a
 * std::mt19937 seeded with device_option.random_seed (or a fresh seed when there is none), and
 * draws through libstdc++'s std::uniform_real_distribution<float> and
 * std::normal_distribution<float> (Marsaglia's polar method). With the same seed c2rt fills the
 * same float bits as a Caffe2 build that used GCC's libstdc++. */
#ifndef C2_OPS_RANDOM_GEN_H
#define C2_OPS_RANDOM_GEN_H

#include <stddef.h>
#include <stdint.h>

#include "c2rt/def.h"

#define C2__MT_N 624

typedef struct c2__mt19937 {
  uint32_t mt[C2__MT_N];
  int index;
} c2__mt19937;

/* std::mt19937(seed). */
void c2__mt_seed(c2__mt19937 *g, uint32_t seed);
/* The next 32-bit output, as std::mt19937::operator(). */
uint32_t c2__mt_next(c2__mt19937 *g);
/* std::generate_canonical<float, 24>(g): one draw, in [0, 1). */
float c2__mt_canonical_float(c2__mt19937 *g);

/* Caffe2 math::RandUniform<float>: n draws of std::uniform_real_distribution<float>(a, b). */
void c2__rand_uniform(c2__mt19937 *g, size_t n, float a, float b, float *out);
/* Caffe2 math::RandGaussian<float>: n draws of one std::normal_distribution<float>(mean, std). */
void c2__rand_gaussian(c2__mt19937 *g, size_t n, float mean, float std, float *out);

/* The seed Caffe2's CPUContext uses for an op: device_option.random_seed when set, otherwise a
 * seed that differs between calls and processes (time, pid and a counter, as Caffe2's
 * RandomNumberSeed). */
uint32_t c2__op_random_seed(const c2_opdef *def);

#endif
