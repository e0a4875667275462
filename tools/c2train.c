/* c2train: trains models/relu_lrn_train (FC -> Relu -> LRN -> SquaredL2Distance -> AveragedLoss)
 * with the generated backward net and WeightedSum SGD updates, on built-in deterministic data:
 * the target is what the same net computes with hidden "teacher" parameters, so the loss can go
 * to zero. Prints the loss as it falls. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "tool_util.h"
#include "tools_config.h"

static const char *const TOOL = "c2train";

static void usage(FILE *f) {
  fputs("usage: c2train [--steps N] [--lr LR] [--every K] [--net NET] [--seed S]\n"
        "Trains NET (default: the built relu_lrn_train model) for N steps (default 200) of SGD\n"
        "with learning rate LR (default 0.1), printing the loss every K steps (default 20).\n"
        "NET must read X [4, 8, 3, 5], W [6, 5], b [6] and target [4, 8, 3, 6] (NCHW) and\n"
        "produce the scalar 'loss' and the output 'norm' it compares with the target.\n",
        f);
}

static const int64_t X_DIMS[4] = {4, 8, 3, 5}, W_DIMS[2] = {6, 5}, B_DIMS[1] = {6},
                     T_DIMS[4] = {4, 8, 3, 6};

static double uniform(uint64_t *state) {
  uint64_t x = *state;
  x ^= x >> 12, x ^= x << 25, x ^= x >> 27;
  *state = x;
  return (double)((x * 0x2545F4914F6CDD1Dull) >> 11) * (1.0 / 9007199254740992.0);
}

static void feed_random(c2_workspace *ws, const char *name, int ndim, const int64_t *dims,
                        double scale, uint64_t *rng) {
  float v[4 * 8 * 3 * 6];
  int64_t n = 1;
  for (int i = 0; i < ndim; i++) n *= dims[i];
  for (int64_t i = 0; i < n; i++) v[i] = (float)(scale * (2 * uniform(rng) - 1));
  c2_error err = {0};
  if (c2_workspace_feed(ws, name, C2_DTYPE_FLOAT, ndim, dims, v, &err)) tool_fail_err(TOOL, &err);
}

static void feed_scalar(c2_workspace *ws, const char *name, float value) {
  const int64_t one = 1;
  c2_error err = {0};
  if (c2_workspace_feed(ws, name, C2_DTYPE_FLOAT, 1, &one, &value, &err)) tool_fail_err(TOOL, &err);
}

static float blob_value(c2_workspace *ws, const char *name) {
  const c2_tensor *t = c2_workspace_get_blob(ws, name);
  if (!t || c2_tensor_dtype(t) != C2_DTYPE_FLOAT || c2_tensor_numel(t) < 1)
    tool_fail(TOOL, "blob '%s' holds no float value", name);
  return *(const float *)c2_tensor_data_const(t);
}

/* param = 1 * param + (-lr) * grad, in place (Caffe2's SGD step through WeightedSum). */
static void add_sgd_update(c2_netdef *net, const c2_backward *b, const char *param) {
  const char *grad = c2_backward_gradient_of(b, param);
  if (!grad) tool_fail(TOOL, "the loss does not depend on parameter '%s'", param);
  const char *in[] = {param, "ONE", grad, "MINUS_LR"}, *out[] = {param};
  c2_error err = {0};
  c2_opdef *op;
  if (c2_opdef_new("WeightedSum", 4, in, 1, out, &op, &err) ||
      c2_netdef_add_op_take(net, op, &err))
    tool_fail_err(TOOL, &err);
}

static const char *default_net(void) {
  static char path[4200];
  struct stat st;
  snprintf(path, sizeof path, "%s/relu_lrn_train.pb", C2RT_MODELS_BUILD_DIR);
  if (stat(path, &st) == 0) return path;
  snprintf(path, sizeof path, "%s/relu_lrn_train.pbtxt", C2RT_MODELS_SOURCE_DIR);
  return path;
}

static long parse_count(const char *opt, const char *s) {
  char *end;
  errno = 0;
  long v = strtol(s, &end, 10);
  if (*end || !*s || errno || v < 1 || v > 100000000)
    tool_fail(TOOL, "%s needs a count in 1..100000000, got '%s'", opt, s);
  return v;
}

int main(int argc, char **argv) {
  long steps = 200, every = 20, seed = 1;
  double lr = 0.1;
  const char *path = NULL;
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];
    bool has_value = i + 1 < argc;
    if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
      usage(stdout);
      return 0;
    } else if (strcmp(a, "--steps") == 0 && has_value) {
      steps = parse_count(a, argv[++i]);
    } else if (strcmp(a, "--every") == 0 && has_value) {
      every = parse_count(a, argv[++i]);
    } else if (strcmp(a, "--seed") == 0 && has_value) {
      seed = parse_count(a, argv[++i]);
    } else if (strcmp(a, "--lr") == 0 && has_value) {
      char *end;
      lr = strtod(argv[++i], &end);
      if (*end || !(lr > 0) || !isfinite(lr))
        tool_fail(TOOL, "--lr needs a finite number > 0, got '%s'", argv[i]);
    } else if (strcmp(a, "--net") == 0 && has_value) {
      path = argv[++i];
    } else {
      tool_fail(TOOL, "unknown option or missing value: '%s' (try --help)", a);
    }
  }
  if (!path) path = default_net();

  c2_error err = {0};
  c2_netdef *fwd;
  c2_workspace *ws;
  if (tool_load_net(path, &fwd, &err) || c2_workspace_new(&ws, &err)) tool_fail_err(TOOL, &err);
  c2_workspace_set_num_threads(ws, 1);

  /* Data: X, and a target made by the net itself with the teacher's W and b. */
  uint64_t rng = (uint64_t)seed * 0x9E3779B97F4A7C15ull + 7;
  feed_random(ws, "X", 4, X_DIMS, 1.0, &rng);
  feed_random(ws, "W", 2, W_DIMS, 1.0, &rng);
  feed_random(ws, "b", 1, B_DIMS, 0.5, &rng);
  feed_random(ws, "target", 4, T_DIMS, 0.0, &rng); /* replaced below */
  if (c2_run_net_once(ws, fwd, NULL, &err)) tool_fail_err(TOOL, &err);
  c2_tensor *target = c2_workspace_get_blob(ws, "target");
  const c2_tensor *norm = c2_workspace_get_blob(ws, "norm");
  if (!norm) tool_fail(TOOL, "net '%s' has no blob 'norm' to make the target from", path);
  if (c2_tensor_copy(target, norm, &err)) tool_fail_err(TOOL, &err);
  /* The student starts elsewhere. */
  feed_random(ws, "W", 2, W_DIMS, 0.5, &rng);
  feed_random(ws, "b", 1, B_DIMS, 0.0, &rng);
  feed_scalar(ws, "ONE", 1.0f);
  feed_scalar(ws, "MINUS_LR", (float)-lr);

  c2_loss loss = {"loss", NULL};
  c2_backward *b;
  if (c2_backward_new(fwd, 1, &loss, NULL, NULL, &b, &err)) tool_fail_err(TOOL, &err);
  c2_netdef *train = c2_backward_take_net(b);
  size_t n_grad_ops = c2_netdef_num_ops(train) - c2_backward_num_forward_ops(b);
  add_sgd_update(train, b, "W");
  add_sgd_update(train, b, "b");
  /* The update ops read ONE and MINUS_LR, which the forward net does not declare. */
  if (c2_netdef_add_external_input(train, "ONE", &err) ||
      c2_netdef_add_external_input(train, "MINUS_LR", &err))
    tool_fail_err(TOOL, &err);
  c2_net *net;
  if (c2_net_new(ws, train, NULL, &net, &err)) tool_fail_err(TOOL, &err);
  printf("%s: %s, %zu forward ops + %zu generated gradient ops + 2 WeightedSum updates, "
         "lr %g\n", TOOL, path, c2_backward_num_forward_ops(b), n_grad_ops, lr);
  float first = 0, last = 0;
  for (long step = 0; step <= steps; step++) {
    /* Each run computes the loss of the current parameters, then updates them. */
    if (c2_net_run(net, &err)) tool_fail_err(TOOL, &err);
    last = blob_value(ws, "loss");
    if (step == 0) first = last;
    if (!isfinite(last)) tool_fail(TOOL, "the loss diverged at step %ld (try a smaller --lr)", step);
    if (step % every == 0 || step == steps) printf("step %5ld  loss %.6g\n", step, last);
  }
  printf("loss fell from %.6g to %.6g (%.3gx) in %ld steps\n", first, last,
         last > 0 ? first / last : INFINITY, steps);
  c2_net_free(net);
  c2_netdef_free(train);
  c2_backward_free(b);
  c2_netdef_free(fwd);
  c2_workspace_free(ws);
  return 0;
}
