#include "test_util.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

int test_run_suite(Suite *suite) {
  SRunner *runner = srunner_create(suite);
  srunner_run_all(runner, CK_ENV);
  int failed = srunner_ntests_failed(runner);
  srunner_free(runner);
  return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

test_rng test_rng_make(uint64_t seed) {
  test_rng r = {seed * 0x9E3779B97F4A7C15ull + 0x1234567ull};
  if (!r.state) r.state = 1;
  return r;
}

uint64_t test_rng_u64(test_rng *r) {
  uint64_t x = r->state;
  x ^= x >> 12;
  x ^= x << 25;
  x ^= x >> 27;
  r->state = x;
  return x * 0x2545F4914F6CDD1Dull;
}

double test_rng_uniform(test_rng *r, double lo, double hi) {
  return lo + (hi - lo) * (double)(test_rng_u64(r) >> 11) * (1.0 / 9007199254740992.0);
}

double test_rng_normal(test_rng *r) {
  double u1 = test_rng_uniform(r, 1e-300, 1.0), u2 = test_rng_uniform(r, 0.0, 1.0);
  return sqrt(-2.0 * log(u1)) * cos(6.283185307179586 * u2);
}

int64_t test_rng_int(test_rng *r, int64_t lo, int64_t hi) {
  return lo + (int64_t)(test_rng_u64(r) % (uint64_t)(hi - lo + 1));
}

static const char *join(const char *dir, const char *relative) {
  static _Thread_local char buf[8][4096];
  static _Thread_local int next;
  char *out = buf[next++ % 8];
  snprintf(out, sizeof buf[0], "%s/%s", dir, relative);
  return out;
}

const char *test_source_path(const char *relative) { return join(C2RT_SOURCE_ROOT, relative); }
const char *test_build_path(const char *relative) { return join(C2RT_BUILD_ROOT, relative); }

uint8_t *test_read_file(const char *path, size_t *len) {
  uint8_t *bytes = NULL;
  c2_error err;
  c2_status st = c2_read_file(path, NULL, &bytes, len, &err);
  ck_assert_msg(st == C2_OK, "reading %s: %s", path, err.message);
  return bytes;
}
