/* c2grad: the backward net of a forward net, as Caffe2's AddGradientOperators builds it. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tool_util.h"

static const char *const TOOL = "c2grad";
enum { MAX_LOSSES = 64 };

static void usage(FILE *f) {
  fputs("usage: c2grad NET --loss BLOB[=GRAD]... [-o OUT.pb] [--text] [--backward-only]\n"
        "              [--skip N]\n"
        "Builds the gradient ops of NET (.pb, or .pbtxt through protoc) for the given losses,\n"
        "as Caffe2's AddGradientOperators does. A loss without =GRAD is seeded with ones\n"
        "(ConstantFill -> BLOB_autogen_grad); BLOB=GRAD uses the blob GRAD as its gradient.\n"
        "The result is the forward net followed by the gradient ops (--backward-only: the\n"
        "gradient ops alone). -o writes it in Caffe2's binary format; --text (the default\n"
        "without -o) prints it as protobuf text, with the blob -> gradient map as comments.\n",
        f);
}

static void print_map(FILE *f, const c2_backward *b, const char *prefix) {
  fprintf(f, "%sgradients (%zu):\n", prefix, c2_backward_num_grads(b));
  for (size_t i = 0; i < c2_backward_num_grads(b); i++)
    fprintf(f, "%s  %s -> %s\n", prefix, c2_backward_grad_blob(b, i), c2_backward_grad_name(b, i));
}

int main(int argc, char **argv) {
  const char *path = NULL, *out_path = NULL;
  c2_loss losses[MAX_LOSSES];
  char loss_names[MAX_LOSSES][512];
  size_t n_losses = 0;
  bool text = false;
  c2_backward_options opts = {0};
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];
    bool has_value = i + 1 < argc;
    if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
      usage(stdout);
      return 0;
    } else if (strcmp(a, "--loss") == 0 && has_value) {
      if (n_losses == MAX_LOSSES) tool_fail(TOOL, "too many --loss options");
      const char *spec = argv[++i], *eq = strchr(spec, '=');
      if (strlen(spec) >= sizeof loss_names[0]) tool_fail(TOOL, "--loss '%s' is too long", spec);
      snprintf(loss_names[n_losses], sizeof loss_names[0], "%s", spec);
      losses[n_losses].blob = loss_names[n_losses];
      losses[n_losses].grad = NULL;
      if (eq) {
        loss_names[n_losses][eq - spec] = '\0';
        losses[n_losses].grad = loss_names[n_losses] + (eq - spec) + 1;
        if (!*losses[n_losses].grad || eq == spec)
          tool_fail(TOOL, "--loss expects BLOB or BLOB=GRAD, got '%s'", spec);
      }
      n_losses++;
    } else if (strcmp(a, "-o") == 0 && has_value) {
      out_path = argv[++i];
    } else if (strcmp(a, "--text") == 0) {
      text = true;
    } else if (strcmp(a, "--backward-only") == 0) {
      opts.backward_only = true;
    } else if (strcmp(a, "--skip") == 0 && has_value) {
      char *end;
      long long v = strtoll(argv[++i], &end, 10);
      if (*end || v < 0) tool_fail(TOOL, "--skip needs a count >= 0, got '%s'", argv[i]);
      opts.skip = (size_t)v;
    } else if (a[0] == '-' && a[1]) {
      tool_fail(TOOL, "unknown option or missing value: '%s' (try --help)", a);
    } else if (!path) {
      path = a;
    } else {
      tool_fail(TOOL, "more than one net given: '%s' and '%s'", path, a);
    }
  }
  if (!path) tool_fail(TOOL, "no net given (try --help)");
  if (n_losses == 0) tool_fail(TOOL, "no loss given: use --loss BLOB");
  c2_error err = {0};
  c2_netdef *net;
  c2_backward *b;
  if (tool_load_net(path, &net, &err) ||
      c2_backward_new(net, n_losses, losses, &opts, NULL, &b, &err))
    tool_fail_err(TOOL, &err);
  const c2_netdef *result = c2_backward_net(b);
  if (out_path) {
    if (c2_netdef_save_file(result, out_path, &err)) tool_fail_err(TOOL, &err);
    printf("%s: %zu forward + %zu gradient ops -> %s\n", path,
           c2_backward_num_forward_ops(b),
           c2_netdef_num_ops(result) - c2_backward_num_forward_ops(b), out_path);
  }
  if (text || !out_path) {
    uint8_t *bytes, *decoded;
    size_t len, decoded_len;
    if (c2_netdef_pack(result, &bytes, &len, &err)) tool_fail_err(TOOL, &err);
    c2_status st = tool_protoc(false, "caffe2.NetDef", bytes, len, &decoded, &decoded_len, &err);
    c2_free(bytes);
    if (st) tool_fail_err(TOOL, &err);
    fwrite(decoded, 1, decoded_len, stdout);
    free(decoded);
  }
  /* Comments keep the text output valid protobuf text. */
  print_map(stdout, b, text || !out_path ? "# " : "");
  c2_backward_free(b);
  c2_netdef_free(net);
  return 0;
}
