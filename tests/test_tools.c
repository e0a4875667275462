/* c2run end to end: the built-in demo, --describe on the real AlexNet file, running a net on
 * .npy / TensorProto inputs, and one-line errors with exit status 1. */
#include <dirent.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include "test_util.h"

typedef struct run_result {
  int status;
  char *out; /* stdout */
  char *err; /* stderr */
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

/* Runs C2RUN_PATH with argv (NULL-terminated) and captures its output. */
static run_result run_c2run(const char *const *args) {
  char out_path[] = "/tmp/c2rt-out-XXXXXX", err_path[] = "/tmp/c2rt-err-XXXXXX";
  int out_fd = mkstemp(out_path), err_fd = mkstemp(err_path);
  unlink(out_path);
  unlink(err_path);
  const char *argv[32] = {C2RUN_PATH};
  int n = 1;
  for (; args[n - 1] && n < 31; n++) argv[n] = args[n - 1];
  argv[n] = NULL;
  pid_t pid = fork();
  if (pid == 0) {
    dup2(out_fd, 1);
    dup2(err_fd, 2);
    execv(C2RUN_PATH, (char *const *)argv);
    _exit(127);
  }
  int status;
  waitpid(pid, &status, 0);
  run_result r = {WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status), slurp(out_fd),
                  slurp(err_fd)};
  return r;
}

static void free_result(run_result *r) {
  free(r->out);
  free(r->err);
}

/* Exit status 1 and exactly one line on stderr that contains fragment. */
static void expect_one_line_error(const char *const *args, const char *fragment) {
  run_result r = run_c2run(args);
  ck_assert_msg(r.status == 1, "exit status %d (stderr: %s)", r.status, r.err);
  size_t len = strlen(r.err);
  ck_assert_msg(len > 0 && r.err[len - 1] == '\n' && strchr(r.err, '\n') == r.err + len - 1,
                "stderr is not one line: '%s'", r.err);
  ck_assert_msg(strstr(r.err, fragment) != NULL, "stderr '%s' lacks '%s'", r.err, fragment);
  free_result(&r);
}

START_TEST(test_demo) {
  const char *args[] = {NULL};
  run_result r = run_c2run(args);
  ck_assert_msg(r.status == 0, "demo failed: %s", r.err);
  const char *expected[] = {"lrn_op_example", "X: FLOAT [1, 6, 6, 1]", "Y: FLOAT [1, 6, 6, 1]",
                            "Y_scale: FLOAT [1, 6, 6, 1]", "[[[[0.72985137]", "0.5160766",
                            "1.933227", "-2.1595135", "2.0000484", "2.0006797", "2.0008483"};
  for (size_t i = 0; i < sizeof expected / sizeof *expected; i++)
    ck_assert_msg(strstr(r.out, expected[i]) != NULL, "demo output lacks '%s':\n%s", expected[i],
                  r.out);
  free_result(&r);
}
END_TEST

START_TEST(test_describe_alexnet) {
  const char *args[] = {"--describe", test_source_path("models/bvlc_alexnet/predict_net.pb"), NULL};
  run_result r = run_c2run(args);
  ck_assert_msg(r.status == 0, "describe failed: %s", r.err);
  const char *expected[] = {
      "net 'bvlc_alexnet' (type 'simple'): 23 ops, 17 external inputs, 1 external outputs",
      "#0 Conv(data, conv1_w, conv1_b) -> (conv1)",
      ("#2 LRN(conv1) -> (norm1, _norm1_scale) size {i: 5}, alpha {f: 9.99999975e-05}, beta {f: "
       "0.75}, bias {f: 1}, order {s: \"NCHW\"}"),
      "LRN                        2 ops  yes",
      "Conv                       5 ops  yes",
      "MaxPool                    3 ops  yes",
      "Dropout                    2 ops  yes",
      "Softmax                    1 op   yes"};
  for (size_t i = 0; i < sizeof expected / sizeof *expected; i++)
    ck_assert_msg(strstr(r.out, expected[i]) != NULL, "describe output lacks '%s':\n%s",
                  expected[i], r.out);
  free_result(&r);
  /* Text nets go through protoc. */
  const char *text[] = {"--describe", test_source_path("models/relu_lrn.pbtxt"), NULL};
  r = run_c2run(text);
  ck_assert_msg(r.status == 0, "describe .pbtxt failed: %s", r.err);
  ck_assert(strstr(r.out, "net 'relu_lrn'") != NULL);
  free_result(&r);
}
END_TEST

START_TEST(test_run_net_with_inputs) {
  /* X from a TensorProto file (renamed to X), Y saved as .npy and compared with a direct run. */
  char npy[] = "/tmp/c2rt-y-XXXXXX";
  close(mkstemp(npy));
  char out_spec[64];
  snprintf(out_spec, sizeof out_spec, "Y=%s", npy);
  char in_spec[4200];
  snprintf(in_spec, sizeof in_spec, "X=%s", test_build_path("tests/tensor_single.pb"));
  const char *args[] = {test_build_path("models/lrn_example.pb"), "--input", in_spec, "--output",
                        out_spec, "--output", "Y_scale", NULL};
  run_result r = run_c2run(args);
  ck_assert_msg(r.status == 0, "run failed: %s", r.err);
  ck_assert(strstr(r.out, "Y_scale: FLOAT [1, 2, 2, 1]") != NULL);
  c2_tensor *y;
  c2_error err;
  EXPECT_OK(c2_tensor_new(&y, &err), &err);
  EXPECT_OK(c2_npy_load_file(npy, y, &err), &err);
  const float x[4] = {0.5f, -0.5f, 1.5f, 2.5f};
  const float *got = c2_tensor_data_const(y);
  for (int i = 0; i < 4; i++) {
    double want = x[i] / sqrt(2.0 + 0.001 / 11 * (double)x[i] * x[i]);
    ck_assert_msg(fabs(got[i] - want) <= 1e-6 * fabs(want), "Y[%d] = %g, want %g", i, got[i], want);
  }
  c2_tensor_free(y);
  unlink(npy);
  free_result(&r);
  /* The same through an .npy input and the text form of the net. */
  char xnpy[] = "/tmp/c2rt-x-XXXXXX";
  close(mkstemp(xnpy));
  c2_workspace *ws;
  EXPECT_OK(c2_workspace_new(&ws, &err), &err);
  const int64_t dims[] = {1, 2, 2, 1};
  EXPECT_OK(c2_workspace_feed(ws, "X", C2_DTYPE_FLOAT, 4, dims, x, &err), &err);
  EXPECT_OK(c2_npy_save_file(xnpy, c2_workspace_get_blob(ws, "X"), &err), &err);
  c2_workspace_free(ws);
  snprintf(in_spec, sizeof in_spec, "X=%s", xnpy);
  const char *args2[] = {test_source_path("models/lrn_example.pbtxt"), "--input", in_spec, NULL};
  r = run_c2run(args2);
  ck_assert_msg(r.status == 0, "run .pbtxt failed: %s", r.err);
  ck_assert_msg(strstr(r.out, "Y: FLOAT [1, 2, 2, 1]") && strstr(r.out, "Y_scale: FLOAT"),
                "default outputs are the external outputs:\n%s", r.out);
  unlink(xnpy);
  free_result(&r);
}
END_TEST

START_TEST(test_errors) {
  const char *missing[] = {"/nonexistent.pb", NULL};
  expect_one_line_error(missing, "cannot open '/nonexistent.pb'");
  const char *alex[] = {test_source_path("models/bvlc_alexnet/predict_net.pb"), NULL};
  expect_one_line_error(alex, "op #0 (Conv): input 'data' is empty");
  const char *unfed[] = {test_build_path("models/lrn_example.pb"), NULL};
  expect_one_line_error(unfed, "op #0 (LRN): input 'X' is empty");
  const char *bad_opt[] = {"--frobnicate", NULL};
  expect_one_line_error(bad_opt, "unknown option");
  const char *bad_input[] = {test_build_path("models/lrn_example.pb"), "--input", "X", NULL};
  expect_one_line_error(bad_input, "--input expects NAME=FILE");
  char spec[4200];
  snprintf(spec, sizeof spec, "X=%s", test_build_path("tests/tensor_short.pb"));
  const char *short_input[] = {test_build_path("models/lrn_example.pb"), "--input", spec, NULL};
  expect_one_line_error(short_input, "float_data has 5 values");
  const char *not_a_net[] = {test_build_path("tests/tensor_single.pb"), NULL};
  run_result r = run_c2run(not_a_net);
  ck_assert_int_eq(r.status, 1); /* a TensorProto is no NetDef: wire-type error */
  free_result(&r);
}
END_TEST

/* c2run never crashes on hostile files: exit 0 with nothing on stderr, or 1 with exactly one
 * line "c2run: ...". */
static void expect_clean_exit(const char *const *args, const char *file) {
  run_result r = run_c2run(args);
  size_t len = strlen(r.err);
  ck_assert_msg(r.status == 0 || r.status == 1, "%s (as %s): exit status %d, stderr: %s", file,
                args[0], r.status, r.err);
  if (r.status == 0)
    ck_assert_msg(len == 0, "%s (as %s): exit 0 but stderr: %s", file, args[0], r.err);
  else
    ck_assert_msg(len > 7 && strncmp(r.err, "c2run: ", 7) == 0 &&
                      strchr(r.err, '\n') == r.err + len - 1,
                  "%s (as %s): stderr is not one 'c2run: ' line: '%s'", file, args[0], r.err);
  free_result(&r);
}

/* Every file a fuzz target starts from or once crashed on, and every test fixture and model:
 * as a net (binary, and as text through protoc), to --describe, and as an input file. */
static void each_file(const char *dir, const char *suffix, int *count) {
  DIR *d = opendir(dir);
  ck_assert_msg(d != NULL, "cannot open %s", dir);
  char text_dir[] = "/tmp/c2rt-corpus-XXXXXX";
  ck_assert_ptr_nonnull(mkdtemp(text_dir));
  for (struct dirent *e; (e = readdir(d));) {
    size_t n = strlen(e->d_name), m = strlen(suffix);
    if (e->d_name[0] == '.' || n < m || strcmp(e->d_name + n - m, suffix) != 0 ||
        strcmp(e->d_name, "README.md") == 0)
      continue;
    char file[4200], as_text[4300], input[4300];
    snprintf(file, sizeof file, "%s/%s", dir, e->d_name);
    snprintf(as_text, sizeof as_text, "%s/net.pbtxt", text_dir);
    ck_assert_int_eq(symlink(file, as_text), 0);
    snprintf(input, sizeof input, "X=%s", file);
    const char *as_net[] = {file, NULL};
    const char *described[] = {"--describe", file, NULL};
    const char *text_net[] = {as_text, NULL};
    const char *as_input[] = {test_build_path("models/lrn_example.pb"), "--input", input, NULL};
    expect_clean_exit(as_net, file);
    expect_clean_exit(described, file);
    expect_clean_exit(text_net, file);
    expect_clean_exit(as_input, file);
    unlink(as_text);
    (*count)++;
  }
  closedir(d);
  rmdir(text_dir);
}

START_TEST(test_corpus_never_crashes) {
  int count = 0;
  const char *targets[] = {"netdef", "tensor", "npy"};
  for (int t = 0; t < 3; t++) {
    char dir[256];
    snprintf(dir, sizeof dir, "fuzz/corpus/%s", targets[t]);
    each_file(test_source_path(dir), "", &count);
  }
  each_file(test_build_path("fuzz"), ".pb", &count); /* compiled seeds (when built) */
  each_file(test_build_path("tests"), ".pb", &count);
  each_file(test_build_path("models"), ".pb", &count);
  each_file(test_source_path("models/bvlc_alexnet"), ".pb", &count);
  ck_assert_int_ge(count, 25);
  printf("c2run: %d corpus files, each as a net, as text, described and as an input: exit 0 or "
         "1 with one line\n",
         count);
  fflush(stdout);
}
END_TEST

/* A tiny net asking for 10 GB fails on c2run's memory cap, with one line. */
START_TEST(test_max_memory) {
  c2_netdef *def;
  c2_opdef *op;
  c2_error err;
  const char *out[] = {"Y"};
  const int64_t shape[] = {50000, 50000};
  EXPECT_OK(c2_netdef_new("big", &def, &err), &err);
  EXPECT_OK(c2_opdef_new("ConstantFill", 0, NULL, 1, out, &op, &err), &err);
  EXPECT_OK(c2_opdef_add_arg_ints(op, "shape", shape, 2, &err), &err);
  EXPECT_OK(c2_netdef_add_op_take(def, op, &err), &err);
  char path[] = "/tmp/c2rt-big-XXXXXX";
  close(mkstemp(path));
  EXPECT_OK(c2_netdef_save_file(def, path, &err), &err);
  c2_netdef_free(def);
  const char *capped[] = {path, "--max-memory", "64M", NULL};
  expect_one_line_error(capped, "op #0 (ConstantFill): a tensor of 10000000000 bytes would bring "
                                "the workspace's tensors to 10000000000 bytes, over its limit of "
                                "67108864");
  const char *bad[] = {path, "--max-memory", "lots", NULL};
  expect_one_line_error(bad, "--max-memory expects a byte count such as 512M, got 'lots'");
  unlink(path);
}
END_TEST

static Suite *make_suite(void) {
  Suite *s = suite_create("tools");
  TCase *tc = tcase_create("c2run");
  tcase_set_timeout(tc, 60);
  tcase_add_test(tc, test_demo);
  tcase_add_test(tc, test_describe_alexnet);
  tcase_add_test(tc, test_run_net_with_inputs);
  tcase_add_test(tc, test_errors);
  tcase_add_test(tc, test_corpus_never_crashes);
  tcase_add_test(tc, test_max_memory);
  suite_add_tcase(s, tc);
  return s;
}

int main(void) { return test_run_suite(make_suite()); }
