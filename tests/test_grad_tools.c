/* c2grad, c2gradcheck and c2train end to end: outputs, files, exit codes, one-line errors, and
 * c2gradcheck over every registered op that has a gradient (tests/data/gradcheck_cases.txt). */
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

/* Runs tool with args (NULL-terminated) and captures stdout and stderr. */
static run_result run_tool(const char *tool, const char *const *args) {
  char out_path[] = "/tmp/c2rt-out-XXXXXX", err_path[] = "/tmp/c2rt-err-XXXXXX";
  int out_fd = mkstemp(out_path), err_fd = mkstemp(err_path);
  unlink(out_path);
  unlink(err_path);
  const char *argv[64] = {tool};
  int n = 1;
  for (; args[n - 1] && n < 63; n++) argv[n] = args[n - 1];
  argv[n] = NULL;
  pid_t pid = fork();
  if (pid == 0) {
    dup2(out_fd, 1);
    dup2(err_fd, 2);
    execv(tool, (char *const *)argv);
    _exit(127);
  }
  int status;
  waitpid(pid, &status, 0);
  run_result r = {WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status),
                  slurp(out_fd), slurp(err_fd)};
  return r;
}

static void free_result(run_result *r) {
  free(r->out);
  free(r->err);
}

static void expect_contains(const char *text, const char *fragment) {
  ck_assert_msg(strstr(text, fragment) != NULL, "output lacks '%s':\n%s", fragment, text);
}

/* Exit status 1 and one line on stderr containing fragment. */
static void expect_error(const char *tool, const char *const *args, const char *fragment) {
  run_result r = run_tool(tool, args);
  ck_assert_msg(r.status == 1, "exit status %d (stderr: %s)", r.status, r.err);
  size_t len = strlen(r.err);
  ck_assert_msg(len > 0 && strchr(r.err, '\n') == r.err + len - 1, "stderr is not one line: '%s'",
                r.err);
  expect_contains(r.err, fragment);
  free_result(&r);
}

/* Writes text to a fresh file named `name` in a new temporary folder; returns its path. */
static char *write_temp(const char *name, const char *text) {
  static char path[8][128];
  static int next;
  char *p = path[next++ % 8];
  char dir[] = "/tmp/c2rt-net-XXXXXX";
  ck_assert_ptr_nonnull(mkdtemp(dir));
  snprintf(p, 128, "%s/%s", dir, name);
  FILE *f = fopen(p, "w");
  ck_assert_ptr_nonnull(f);
  fputs(text, f);
  fclose(f);
  return p;
}

static void remove_temp(const char *path) {
  char dir[128];
  snprintf(dir, sizeof dir, "%s", path);
  unlink(path);
  *strrchr(dir, '/') = '\0';
  rmdir(dir);
}

START_TEST(test_c2grad) {
  const char *model = test_source_path("models/relu_lrn_train.pbtxt");
  const char *text[] = {model, "--loss", "loss", "--text", NULL};
  run_result r = run_tool(C2GRAD_PATH, text);
  ck_assert_msg(r.status == 0, "c2grad failed: %s", r.err);
  expect_contains(r.out, "name: \"relu_lrn_train\"");
  expect_contains(r.out, "type: \"ConstantFill\"");
  expect_contains(r.out, "output: \"loss_autogen_grad\"");
  expect_contains(r.out, "type: \"FCGradient\"");
  expect_contains(r.out, "is_gradient_op: true");
  expect_contains(r.out, "# gradients (8):\n#   loss -> loss_autogen_grad\n");
  expect_contains(r.out, "#   W -> W_grad\n#   b -> b_grad\n");
  free_result(&r);
  /* -o writes Caffe2's binary format: 5 forward + 6 gradient ops, loadable again. */
  char out[] = "/tmp/c2rt-grad-XXXXXX";
  close(mkstemp(out));
  const char *bin[] = {test_build_path("models/relu_lrn_train.pb"), "--loss", "loss", "-o", out,
                       NULL};
  r = run_tool(C2GRAD_PATH, bin);
  ck_assert_msg(r.status == 0, "c2grad -o failed: %s", r.err);
  expect_contains(r.out, "5 forward + 6 gradient ops ->");
  expect_contains(r.out, "  X -> X_grad\n");
  free_result(&r);
  c2_netdef *net;
  c2_error err;
  EXPECT_OK(c2_netdef_load_file(out, NULL, &net, &err), &err);
  ck_assert_uint_eq(c2_netdef_num_ops(net), 11);
  ck_assert_str_eq(c2_opdef_type(c2_netdef_op(net, 10)), "FCGradient");
  c2_netdef_free(net);
  /* --backward-only, and a given gradient (BLOB=GRAD). */
  const char *only[] = {model, "--loss", "dist=dist_g", "--backward-only", "-o", out, NULL};
  r = run_tool(C2GRAD_PATH, only);
  ck_assert_msg(r.status == 0, "c2grad --backward-only failed: %s", r.err);
  free_result(&r);
  EXPECT_OK(c2_netdef_load_file(out, NULL, &net, &err), &err);
  ck_assert_uint_eq(c2_netdef_num_ops(net), 4);
  ck_assert_str_eq(c2_opdef_type(c2_netdef_op(net, 0)), "SquaredL2DistanceGradient");
  ck_assert_str_eq(c2_opdef_input(c2_netdef_op(net, 0), 2), "dist_g");
  ck_assert_str_eq(c2_netdef_name(net), "relu_lrn_train_backward");
  c2_netdef_free(net);
  unlink(out);
}
END_TEST

START_TEST(test_c2grad_errors) {
  const char *model = test_source_path("models/relu_lrn_train.pbtxt");
  const char *no_loss[] = {model, NULL};
  expect_error(C2GRAD_PATH, no_loss, "no loss given");
  const char *unknown[] = {model, "--loss", "nope", NULL};
  expect_error(C2GRAD_PATH, unknown, "loss 'nope' is neither read nor written");
  const char *bad_spec[] = {model, "--loss", "=g", NULL};
  expect_error(C2GRAD_PATH, bad_spec, "--loss expects BLOB or BLOB=GRAD");
  const char *missing[] = {"/nonexistent.pb", "--loss", "x", NULL};
  expect_error(C2GRAD_PATH, missing, "cannot open '/nonexistent.pb'");
  /* An SGD update on the loss path: WeightedSum is SHOULD_NOT_DO. */
  const char *sgd = write_temp("sgd.pbtxt",
                               "name: \"sgd\" op { input: \"P\" input: \"ONE\" input: \"G\" "
                               "input: \"LR\" output: \"P2\" type: \"WeightedSum\" } "
                               "op { input: \"P2\" output: \"L\" type: \"AveragedLoss\" }");
  const char *should_not[] = {sgd, "--loss", "L", NULL};
  expect_error(C2GRAD_PATH, should_not, "op #0 (WeightedSum), reached by the gradient of 'P2': "
               "one should not call gradient for operator 'WeightedSum'");
  /* In place after a reader: the version error names blob and versions. */
  const char *inplace = write_temp("inplace.pbtxt",
                                   "op { input: \"X\" input: \"W\" input: \"b\" output: \"Y\" "
                                   "type: \"FC\" } op { input: \"X\" output: \"X\" type: \"Relu\" } "
                                   "op { input: \"Y\" output: \"L\" type: \"AveragedLoss\" }");
  const char *versions[] = {inplace, "--loss", "L", NULL};
  expect_error(C2GRAD_PATH, versions, "needs input 'X' at version 0, but op #1 (Relu) overwrites");
  remove_temp(sgd);
  remove_temp(inplace);
}
END_TEST

START_TEST(test_c2gradcheck) {
  const char *pass[] = {"--op", "FC", "--shape", "3,4", "--shape", "2,4", "--shape", "2", NULL};
  run_result r = run_tool(C2GRADCHECK_PATH, pass);
  ck_assert_msg(r.status == 0, "status %d: %s%s", r.status, r.out, r.err);
  expect_contains(r.out, "c2gradcheck: FC, 3 inputs, 1 output, step 0.005, threshold 0.005");
  expect_contains(r.out, "input 1 'W' [2, 4]: 8 elements, worst [");
  expect_contains(r.out, "PASS: every element within |a-n| <= t + t|n|");
  free_result(&r);
  /* A threshold of 0 cannot be met by float arithmetic: exit status 2. */
  const char *fail[] = {"--op", "LRN", "--arg", "size=3", "--arg", "alpha=1", "--arg", "beta=0.75",
                        "--shape", "1,3,2,2", "--threshold", "0", NULL};
  r = run_tool(C2GRADCHECK_PATH, fail);
  ck_assert_msg(r.status == 2, "status %d: %s%s", r.status, r.out, r.err);
  expect_contains(r.out, ": FAIL, ");
  expect_contains(r.out, "FAIL: some gradient elements are outside");
  free_result(&r);
  const char *no_op[] = {"--op", "Nope", "--shape", "2", NULL};
  expect_error(C2GRADCHECK_PATH, no_op, "no op of type 'Nope' is registered");
  const char *no_grad[] = {"--op", "ConstantFill", "--shape", "2", NULL};
  expect_error(C2GRADCHECK_PATH, no_grad, "op 'ConstantFill' has no gradient to check "
               "(registered as NO_GRADIENT)");
  const char *should_not[] = {"--op", "WeightedSum", "--shape", "2", "--shape", "1", NULL};
  expect_error(C2GRADCHECK_PATH, should_not, "(registered as SHOULD_NOT_DO_GRADIENT)");
  const char *no_shape[] = {"--op", "Relu", NULL};
  expect_error(C2GRADCHECK_PATH, no_shape, "give one --shape per input of 'Relu'");
  const char *bad_arg[] = {"--op", "LRN", "--arg", "size=five", "--shape", "1,3,2,2", NULL};
  expect_error(C2GRADCHECK_PATH, bad_arg, "argument 'size' needs an int, got 'five'");
  const char *missing_arg[] = {"--op", "LRN", "--arg", "alpha=1", "--arg", "beta=1", "--shape",
                               "1,3,2,2", NULL};
  expect_error(C2GRADCHECK_PATH, missing_arg, "LRN: missing required argument 'size'");
  const char *bad_shape[] = {"--op", "Relu", "--shape", "2,-1", NULL};
  expect_error(C2GRADCHECK_PATH, bad_shape, "--shape '2,-1': '-1' is not a dim");
  const char *too_few[] = {"--op", "FC", "--shape", "2,2", NULL};
  expect_error(C2GRADCHECK_PATH, too_few, "has 1 inputs, expected 3");
}
END_TEST

/* Splits a line into whitespace-separated tokens (in place). */
static int tokens(char *line, const char **argv, int max) {
  int n = 0;
  for (char *save = NULL, *t = strtok_r(line, " \t\n", &save); t && n < max;
       t = strtok_r(NULL, " \t\n", &save))
    argv[n++] = t;
  return n;
}

/* Every registered op with a gradient, through c2gradcheck, in both orders where it has them. */
START_TEST(test_gradcheck_every_op) {
  const c2_registry *reg;
  c2_error err;
  EXPECT_OK(c2_registry_default(&reg, &err), &err);
  const char **types;
  size_t n_types;
  EXPECT_OK(c2_registry_types(reg, &types, &n_types, &err), &err);
  size_t len;
  char *cases = (char *)test_read_file(test_source_path("tests/data/gradcheck_cases.txt"), &len);
  cases = realloc(cases, len + 1);
  cases[len] = '\0';
  int covered[256] = {0}, runs = 0;
  ck_assert(n_types < 256);
  for (char *save = NULL, *line = strtok_r(cases, "\n", &save); line;
       line = strtok_r(NULL, "\n", &save)) {
    if (line[0] == '#' || !line[strspn(line, " \t")]) continue;
    const char *argv[64];
    int argc = tokens(line, argv, 60);
    const char *type = argc >= 2 && strcmp(argv[0], "--op") == 0 ? argv[1] : NULL;
    ck_assert_msg(type != NULL, "case line does not start with --op TYPE");
    for (size_t t = 0; t < n_types; t++) covered[t] += strcmp(types[t], type) == 0;
    bool has_order = false;
    for (int i = 0; i + 1 < argc; i++)
      has_order = has_order || strncmp(argv[i + 1], "order=", 6) == 0;
    const c2_schema *schema = c2_registry_schema(reg, type);
    bool both = !has_order && schema && c2_schema_find_arg(schema, "order");
    const char *orders[] = {"order=NCHW", "order=NHWC"};
    for (int o = 0; o < (both ? 2 : 1); o++) {
      int n = argc;
      if (both) argv[n++] = "--arg", argv[n++] = orders[o];
      argv[n] = NULL;
      run_result r = run_tool(C2GRADCHECK_PATH, argv);
      ck_assert_msg(r.status == 0, "c2gradcheck %s%s%s exit %d:\n%s%s", type, both ? " " : "",
                    both ? orders[o] : "", r.status, r.out, r.err);
      expect_contains(r.out, "PASS");
      free_result(&r);
      runs++;
    }
  }
  for (size_t t = 0; t < n_types; t++)
    if (c2_registry_gradient_kind(reg, types[t]) == C2_GRADIENT_FN)
      ck_assert_msg(covered[t] > 0, "op '%s' has a gradient but no line in "
                    "tests/data/gradcheck_cases.txt", types[t]);
  ck_assert_int_ge(runs, 10);
  free(cases);
  c2_free(types);
}
END_TEST

START_TEST(test_c2train) {
  const char *args[] = {"--steps", "60", "--every", "20", NULL};
  run_result r = run_tool(C2TRAIN_PATH, args);
  ck_assert_msg(r.status == 0, "c2train failed: %s", r.err);
  expect_contains(r.out, "5 forward ops + 6 generated gradient ops + 2 WeightedSum updates");
  expect_contains(r.out, "step     0  loss ");
  expect_contains(r.out, "step    60  loss ");
  const char *fell = strstr(r.out, "loss fell from ");
  ck_assert_ptr_nonnull(fell);
  double first, last;
  ck_assert_int_eq(sscanf(fell, "loss fell from %lf to %lf", &first, &last), 2);
  ck_assert_msg(first > 1 && last < first / 100, "loss %g -> %g", first, last);
  free_result(&r);
  /* Also from the text model, through protoc. */
  const char *text[] = {"--net", test_source_path("models/relu_lrn_train.pbtxt"), "--steps", "5",
                        NULL};
  r = run_tool(C2TRAIN_PATH, text);
  ck_assert_msg(r.status == 0, "c2train --net failed: %s", r.err);
  free_result(&r);
  const char *bad_lr[] = {"--lr", "-1", NULL};
  expect_error(C2TRAIN_PATH, bad_lr, "--lr needs a finite number > 0");
  const char *bad_steps[] = {"--steps", "0", NULL};
  expect_error(C2TRAIN_PATH, bad_steps, "--steps needs a count in 1..100000000, got '0'");
  const char *missing[] = {"--net", "/nonexistent.pb", NULL};
  expect_error(C2TRAIN_PATH, missing, "cannot open '/nonexistent.pb'");
}
END_TEST

static Suite *make_suite(void) {
  Suite *s = suite_create("grad_tools");
  TCase *tc = tcase_create("tools");
  tcase_set_timeout(tc, 240);
  tcase_add_test(tc, test_c2grad);
  tcase_add_test(tc, test_c2grad_errors);
  tcase_add_test(tc, test_c2gradcheck);
  tcase_add_test(tc, test_gradcheck_every_op);
  tcase_add_test(tc, test_c2train);
  suite_add_tcase(s, tc);
  return s;
}

int main(void) { return test_run_suite(make_suite()); }
