/* The zoo-net tools end to end: c2mkinit writes an init net for a small net of the zoo ops, and
 * c2run loads it (streaming), prints top-K classes, profiles (--iters), runs on several threads
 * with the same bits, lets --input replace a blob the init net filled, and describes shapes,
 * FLOPs and bytes (the AlexNet pooling trap at 224 and 227). */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include "test_util.h"

typedef struct run_result {
  int status;
  char *out, *err;
} run_result;

static char *slurp(int fd) {
  size_t cap = 1 << 16, len = 0;
  char *buf = malloc(cap);
  lseek(fd, 0, SEEK_SET);
  for (;;) {
    if (len + 1 == cap) buf = realloc(buf, cap *= 2);
    ssize_t n = read(fd, buf + len, cap - len - 1);
    if (n <= 0) break;
    len += (size_t)n;
  }
  buf[len] = '\0';
  close(fd);
  return buf;
}

static run_result run(const char *prog, const char *const *args) {
  char out_path[] = "/tmp/c2rt-out-XXXXXX", err_path[] = "/tmp/c2rt-err-XXXXXX";
  int out_fd = mkstemp(out_path), err_fd = mkstemp(err_path);
  unlink(out_path);
  unlink(err_path);
  const char *argv[40] = {prog};
  int n = 1;
  for (; args[n - 1] && n < 39; n++) argv[n] = args[n - 1];
  argv[n] = NULL;
  pid_t pid = fork();
  if (pid == 0) {
    dup2(out_fd, 1);
    dup2(err_fd, 2);
    execv(prog, (char *const *)argv);
    _exit(127);
  }
  int status;
  waitpid(pid, &status, 0);
  return (run_result){WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status),
                      slurp(out_fd), slurp(err_fd)};
}

static void expect_ok(run_result *r, const char *what) {
  ck_assert_msg(r->status == 0, "%s failed (%d): %s", what, r->status, r->err);
}

static void done(run_result *r) {
  free(r->out);
  free(r->err);
}

static char dir[] = "/tmp/c2rt-zoo-XXXXXX";
static char init_path[4200], init_data_path[4200], x_path[4200];

static const char *tiny(void) { return test_build_path("models/tiny_zoo.pb"); }

static void setup(void) {
  ck_assert(mkdtemp(dir) != NULL);
  snprintf(init_path, sizeof init_path, "%s/init.pb", dir);
  snprintf(init_data_path, sizeof init_data_path, "%s/init_data.pb", dir);
  snprintf(x_path, sizeof x_path, "%s/x.npy", dir);
  const char *a[] = {tiny(), "-o", init_path, "--shape", "data=2,3,16,16", "--channels",
                     "c1=8,c2a=4,c2b=6", NULL};
  run_result r = run(C2MKINIT_PATH, a);
  expect_ok(&r, "c2mkinit");
  ck_assert_msg(strstr(r.out, "6 parameters") != NULL, "%s", r.out);
  done(&r);
  const char *b[] = {tiny(), "-o", init_data_path, "--shape", "data=2,3,16,16", "--channels",
                     "c1=8,c2a=4,c2b=6", "--data-fill", "given", NULL};
  r = run(C2MKINIT_PATH, b);
  expect_ok(&r, "c2mkinit --data-fill");
  done(&r);
  c2_workspace *ws;
  c2_error err;
  EXPECT_OK(c2_workspace_new(&ws, &err), &err);
  test_rng rng = test_rng_make(3);
  float x[2 * 3 * 16 * 16];
  for (size_t i = 0; i < sizeof x / sizeof *x; i++) x[i] = (float)test_rng_uniform(&rng, -100, 100);
  int64_t dims[] = {2, 3, 16, 16};
  EXPECT_OK(c2_workspace_feed(ws, "data", C2_DTYPE_FLOAT, 4, dims, x, &err), &err);
  EXPECT_OK(c2_npy_save_file(x_path, c2_workspace_get_blob(ws, "data"), &err), &err);
  c2_workspace_free(ws);
}

static void teardown(void) {
  unlink(init_path);
  unlink(init_data_path);
  unlink(x_path);
  rmdir(dir);
}

static float *run_prob(int threads, const char *init, size_t *n) {
  char out[4300], spec[4400], th[16];
  snprintf(out, sizeof out, "%s/prob_%d.npy", dir, threads);
  snprintf(spec, sizeof spec, "prob=%s", out);
  char in[4400];
  snprintf(in, sizeof in, "data=%s", x_path);
  snprintf(th, sizeof th, "%d", threads);
  const char *a[] = {tiny(), "--init", init, "--input", in, "--output", spec, "--threads", th,
                     NULL};
  run_result r = run(C2RUN_PATH, a);
  expect_ok(&r, "c2run");
  done(&r);
  c2_tensor *t;
  c2_error err;
  EXPECT_OK(c2_tensor_new(&t, &err), &err);
  EXPECT_OK(c2_npy_load_file(out, t, &err), &err);
  *n = (size_t)c2_tensor_numel(t);
  float *v = malloc(*n * sizeof *v);
  memcpy(v, c2_tensor_data_const(t), *n * sizeof *v);
  c2_tensor_free(t);
  unlink(out);
  return v;
}

START_TEST(run_threads_and_data_fill) {
  size_t n1, n3, nd;
  float *p1 = run_prob(1, init_path, &n1), *p3 = run_prob(3, init_path, &n3);
  ck_assert_uint_eq(n1, 2 * 10);
  ck_assert_msg(n1 == n3 && memcmp(p1, p3, n1 * sizeof *p1) == 0, "threads 1 and 3 differ");
  float *pd = run_prob(2, init_data_path, &nd); /* the init net filled data; --input replaced it */
  ck_assert_msg(nd == n1 && memcmp(p1, pd, n1 * sizeof *p1) == 0, "--input did not replace data");
  free(p1);
  free(p3);
  free(pd);
  /* without --input, the init net's one-element data reaches Conv */
  const char *a[] = {tiny(), "--init", init_data_path, NULL};
  run_result r = run(C2RUN_PATH, a);
  ck_assert_int_eq(r.status, 1);
  ck_assert_msg(strstr(r.err, "op #0 (Conv): input X must be a 4-D") != NULL, "%s", r.err);
  done(&r);
}
END_TEST

START_TEST(top_and_iters) {
  char in[4400];
  snprintf(in, sizeof in, "data=%s", x_path);
  const char *a[] = {tiny(), "--init", init_path, "--input", in, "--output", "prob", "--top", "3",
                     "--iters", "4", "--threads", "2", NULL};
  run_result r = run(C2RUN_PATH, a);
  expect_ok(&r, "c2run --top --iters");
  const char *expected[] = {"profile: 4 runs after 1 warm-up, 2 threads", "Conv", "     3 ",
                            "Concat", "Softmax", "total", "prob: FLOAT [2, 10, 1, 1], top 3",
                            "  row 1:", "  1. class ", "  3. class "};
  for (size_t i = 0; i < sizeof expected / sizeof *expected; i++)
    ck_assert_msg(strstr(r.out, expected[i]) != NULL, "output lacks '%s':\n%s", expected[i], r.out);
  /* the profile's last line */
  const char *median = strstr(r.out, "median ms/iter ");
  ck_assert_msg(median && median < strstr(r.out, "prob: FLOAT"), "no median line:\n%s", r.out);
  /* probabilities descend */
  double prev = 2;
  for (const char *p = strstr(r.out, "  1. class "); p && p < strstr(r.out, "  row 1:");
       p = strstr(p + 1, ". class ")) {
    double v;
    long cls;
    ck_assert(sscanf(strstr(p, "class ") + 6, "%ld %lf", &cls, &v) == 2);
    ck_assert_msg(v <= prev, "top-k not descending:\n%s", r.out);
    prev = v;
  }
  done(&r);
}
END_TEST

START_TEST(describe_shapes) {
  const char *a[] = {"--describe", tiny(), "--shape", "data=1,3,16,16", "--channels",
                     "c1=8,c2a=4,c2b=6", NULL};
  run_result r = run(C2RUN_PATH, a);
  expect_ok(&r, "describe tiny");
  const char *expected[] = {"c1 [1, 8, 16, 16]", "p1 [1, 8, 8, 8]", "cat [1, 10, 8, 8]",
                            "_cat_dims [2]", "gap [1, 10, 1, 1]", "total: ", "FLOP"};
  for (size_t i = 0; i < sizeof expected / sizeof *expected; i++)
    ck_assert_msg(strstr(r.out, expected[i]) != NULL, "output lacks '%s':\n%s", expected[i], r.out);
  done(&r);
  const char *alex = test_source_path("models/bvlc_alexnet/predict_net.pb");
  const char *b[] = {"--describe", alex, "--shape", "data=1,3,227,227", NULL};
  r = run(C2RUN_PATH, b);
  expect_ok(&r, "describe alexnet 227");
  const char *e227[] = {"conv1 [1, 96, 55, 55]", "pool1 [1, 96, 27, 27]", "pool2 [1, 256, 13, 13]",
                        "pool5 [1, 256, 6, 6]", "211.12 MFLOP"};
  for (size_t i = 0; i < sizeof e227 / sizeof *e227; i++)
    ck_assert_msg(strstr(r.out, e227[i]) != NULL, "output lacks '%s':\n%s", e227[i], r.out);
  done(&r);
  const char *c[] = {"--describe", alex, "--shape", "data=1,3,224,224", NULL};
  r = run(C2RUN_PATH, c);
  expect_ok(&r, "describe alexnet 224");
  const char *e224[] = {"conv1 [1, 96, 54, 54]", "pool1 [1, 96, 26, 26]", "pool2 [1, 256, 12, 12]",
                        "pool5 [1, 256, 6, 6]"};
  for (size_t i = 0; i < sizeof e224 / sizeof *e224; i++)
    ck_assert_msg(strstr(r.out, e224[i]) != NULL, "output lacks '%s':\n%s", e224[i], r.out);
  done(&r);
  const char *v[] = {"--version", NULL};
  r = run(C2RUN_PATH, v);
  expect_ok(&r, "--version");
  ck_assert_msg(strstr(r.out, "GEMM: ") != NULL, "%s", r.out);
  done(&r);
}
END_TEST

int main(void) {
  Suite *s = suite_create("zoo_tools");
  TCase *tc = tcase_create("zoo_tools");
  tcase_set_timeout(tc, 120);
  tcase_add_unchecked_fixture(tc, setup, teardown);
  tcase_add_test(tc, run_threads_and_data_fill);
  tcase_add_test(tc, top_and_iters);
  tcase_add_test(tc, describe_shapes);
  suite_add_tcase(s, tc);
  return test_run_suite(s);
}
