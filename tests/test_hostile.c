/* Hostile input, one table: every way a file, a net or a call can be wrong, each with the status
 * and the message it must give (rows in hostile_input.c and hostile_nets.c). Each row runs in
 * its own forked Check test, so a crash fails that row only, and under ASan/valgrind a leak
 * fails it too. */
#include <stdlib.h>
#include <time.h>

#include "hostile.h"

/* Seconds any row may take: rows that were quadratic took 25 s and more in a plain build.
 * Scaled like Check's timeouts (the valgrind setup sets CK_TIMEOUT_MULTIPLIER). */
static double row_seconds(void) {
  const char *m = getenv("CK_TIMEOUT_MULTIPLIER");
  double scale = m ? atof(m) : 1.0;
  return 15.0 * (scale >= 1.0 ? scale : 1.0);
}

static double seconds_now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

START_TEST(test_case) {
  const hostile_case *c = _i < hostile_input_count ? &hostile_input_cases[_i]
                                                  : &hostile_net_cases[_i - hostile_input_count];
  c2_error err;
  c2_error_clear(&err);
  double start = seconds_now();
  c2_status got = c->act(&err);
  double took = seconds_now() - start;
  ck_assert_msg(took < row_seconds(), "[%s] took %.1f s", c->what, took);
  ck_assert_msg(got == c->want, "[%s] expected %s, got %s (%s)", c->what, c2_status_name(c->want),
                c2_status_name(got), err.message);
  if (c->message)
    ck_assert_msg(strstr(err.message, c->message) != NULL, "[%s] message '%s' lacks '%s'", c->what,
                  err.message, c->message);
  /* The error value agrees with the status: no stale error after a success. */
  ck_assert_msg(err.code == got, "[%s] returned %s but the error says %s", c->what,
                c2_status_name(got), c2_status_name(err.code));
  if (got != C2_OK) ck_assert_msg(!strchr(err.message, '\n'), "[%s] message has a newline", c->what);
}
END_TEST

static Suite *make_suite(void) {
  Suite *s = suite_create("hostile");
  TCase *tc = tcase_create("hostile");
  tcase_set_timeout(tc, 120);
  tcase_add_loop_test(tc, test_case, 0, hostile_input_count + hostile_net_count);
  suite_add_tcase(s, tc);
  return s;
}

int main(void) { return test_run_suite(make_suite()); }
