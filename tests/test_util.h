/* Shared helpers for the Check suites. */
#ifndef C2_TESTS_TEST_UTIL_H
#define C2_TESTS_TEST_UTIL_H

#include <c2rt/c2rt.h>
#include <check.h>
#include <stdint.h>
#include <string.h>

/* Runs one suite in Check's fork mode and returns the process exit status. */
int test_run_suite(Suite *suite);

/* Asserts that a call returned `want` and, when `fragment` is not NULL, that the error message
 * contains it. On failure it prints both statuses and the whole message. */
#define EXPECT_STATUS(call, want, err, fragment)                                             \
  do {                                                                                        \
    c2_error_clear(err);                                                                      \
    c2_status got_ = (call);                                                                  \
    ck_assert_msg(got_ == (want), "%s: expected %s, got %s (%s)", #call, c2_status_name(want), \
                  c2_status_name(got_), (err)->message);                                      \
    const char *frag_ = (fragment);                                                           \
    if (frag_)                                                                                \
      ck_assert_msg(strstr((err)->message, frag_) != NULL,                                    \
                    "%s: message '%s' does not contain '%s'", #call, (err)->message, frag_);  \
  } while (0)

#define EXPECT_OK(call, err) EXPECT_STATUS(call, C2_OK, err, NULL)

/* Deterministic random numbers (xorshift64*), so failures reproduce. */
typedef struct test_rng {
  uint64_t state;
} test_rng;
test_rng test_rng_make(uint64_t seed);
uint64_t test_rng_u64(test_rng *r);
/* Uniform in [lo, hi). */
double test_rng_uniform(test_rng *r, double lo, double hi);
double test_rng_normal(test_rng *r);
int64_t test_rng_int(test_rng *r, int64_t lo, int64_t hi); /* inclusive */

/* Paths of test inputs: files under tests/data in the source tree, generated .pb files in the
 * build tree, and the models folders. Returns a static buffer (one per call site is fine). */
const char *test_source_path(const char *relative);
const char *test_build_path(const char *relative);

/* Reads a whole file with the library's reader; fails the test on error. */
uint8_t *test_read_file(const char *path, size_t *len);

#endif
