/* The workspace thread pool: static partition, every index exactly once, chunk t on thread t,
 * resizing, and reuse across many loops. */
#include <stdatomic.h>
#include <stdlib.h>

#include "test_util.h"

typedef struct visit {
  _Atomic int *hits;
  int *thread_of;
  _Atomic int calls;
} visit;

static void mark(void *ctx, int64_t begin, int64_t end, int thread) {
  visit *v = ctx;
  atomic_fetch_add(&v->calls, 1);
  for (int64_t i = begin; i < end; i++) {
    atomic_fetch_add(&v->hits[i], 1);
    v->thread_of[i] = thread;
  }
}

static void check_loop(c2_workspace *ws, int64_t n, int64_t grain, int threads) {
  visit v = {calloc((size_t)n + 1, sizeof(_Atomic int)), calloc((size_t)n + 1, sizeof(int)), 0};
  c2_error err;
  c2_workspace_set_num_threads(ws, threads);
  EXPECT_OK(c2_workspace_parallel_for(ws, n, grain, mark, &v, &err), &err);
  int chunks = c2_parallel_chunks(n, grain, threads);
  ck_assert_int_eq(atomic_load(&v.calls), chunks);
  int last = 0;
  for (int64_t i = 0; i < n; i++) {
    ck_assert_msg(atomic_load(&v.hits[i]) == 1, "index %lld visited %d times", (long long)i,
                  atomic_load(&v.hits[i]));
    ck_assert_msg(v.thread_of[i] >= last && v.thread_of[i] < chunks, "chunks not in order");
    last = v.thread_of[i];
  }
  if (n > 0) ck_assert_int_eq(last, chunks - 1);
  free((void *)v.hits);
  free(v.thread_of);
}

START_TEST(test_partition) {
  c2_error err;
  c2_workspace *ws;
  EXPECT_OK(c2_workspace_new(&ws, &err), &err);
  ck_assert_int_ge(c2_workspace_num_threads(ws), 1);
  const int64_t sizes[] = {0, 1, 2, 3, 7, 64, 1000, 100003};
  for (int threads = 1; threads <= 5; threads++)
    for (size_t i = 0; i < sizeof sizes / sizeof *sizes; i++) {
      check_loop(ws, sizes[i], 1, threads);
      check_loop(ws, sizes[i], 100, threads);
    }
  ck_assert_int_eq(c2_parallel_chunks(10, 3, 8), 4);
  ck_assert_int_eq(c2_parallel_chunks(10, 0, 8), 8);
  ck_assert_int_eq(c2_parallel_chunks(0, 1, 8), 0);
  ck_assert_int_eq(c2_parallel_chunks(5, 1, 0), 1);
  c2_workspace_free(ws);
}
END_TEST

static void sum_squares(void *ctx, int64_t begin, int64_t end, int thread) {
  (void)thread;
  double *out = ctx;
  for (int64_t i = begin; i < end; i++) out[i] = (double)i * (double)i + 0.5;
}

/* Thousands of tiny loops through one pool: no lost wake-ups, no deadlock. */
START_TEST(test_many_loops) {
  c2_error err;
  c2_workspace *ws;
  EXPECT_OK(c2_workspace_new(&ws, &err), &err);
  c2_workspace_set_num_threads(ws, 3);
  double out[9];
  /* Under valgrind (C2RT_VALGRIND, set by its test setup) each hand-off costs ~70 ms. */
  int loops = getenv("C2RT_VALGRIND") ? 200 : 5000;
  for (int k = 0; k < loops; k++) {
    memset(out, 0, sizeof out);
    EXPECT_OK(c2_workspace_parallel_for(ws, 9, 1, sum_squares, out, &err), &err);
    for (int i = 0; i < 9; i++) ck_assert(out[i] == (double)i * i + 0.5);
  }
  c2_workspace_free(ws);
}
END_TEST

static Suite *make_suite(void) {
  Suite *s = suite_create("parallel");
  TCase *tc = tcase_create("parallel");
  tcase_set_timeout(tc, 60);
  tcase_add_test(tc, test_partition);
  tcase_add_test(tc, test_many_loops);
  suite_add_tcase(s, tc);
  return s;
}

int main(void) { return test_run_suite(make_suite()); }
