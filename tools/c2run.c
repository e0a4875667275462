/* c2run: run a Caffe2 net file on inputs from .npy / TensorProto files, or describe what it
 * holds. With no arguments it runs Caffe2's LRN documentation example on built-in data. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lrn_doc_example.h"
#include "tool_util.h"

static const char *const TOOL = "c2run";

static void usage(FILE *f) {
  fputs("usage: c2run                                   run the LRN doc example (lrn_op_example)\n"
        "       c2run NET [--init INIT.pb] [--input NAME=FILE]... [--output NAME[=FILE.npy]]...\n"
        "                 [--max-memory BYTES[K|M|G]]\n"
        "       c2run --describe NET\n"
        "       c2run --version | --help\n"
        "NET is a NetDef in binary (.pb) or text (.pbtxt, through protoc). Input FILEs are .npy\n"
        "or TensorProto(s) (told apart by content). Outputs default to the net's external_output; each is printed, or\n"
        "saved as .npy when a file is given. The tensors of a run may hold at most --max-memory\n"
        "(default: half the physical memory), so that a hostile net fails instead of exhausting it.\n",
        f);
}

/* ---- the Caffe2 LRN documentation example ---- */

static void run_lrn_example(void) {
  c2_error err = {0};
  c2_workspace *ws;
  c2_opdef *op;
  const char *in[] = {"X"}, *out[] = {"Y", "Y_scale"};
  const int64_t dims[] = {1, 6, 6, 1};
  if (c2_workspace_new(&ws, &err) || c2_opdef_new("LRN", 1, in, 2, out, &op, &err) ||
      c2_opdef_add_arg_int(op, "size", 11, &err) ||
      c2_opdef_add_arg_float(op, "alpha", 0.001f, &err) ||
      c2_opdef_add_arg_float(op, "beta", 0.5f, &err) ||
      c2_opdef_add_arg_float(op, "bias", 2.0f, &err) ||
      c2_opdef_add_arg_string(op, "order", "NHWC", &err) ||
      c2_workspace_feed(ws, "X", C2_DTYPE_FLOAT, 4, dims, lrn_doc_example_x, &err) ||
      c2_run_operator_once(ws, op, NULL, &err))
    tool_fail_err(TOOL, &err);
  puts("lrn_op_example: LRN(X) -> [Y, Y_scale], size=11, alpha=0.001, beta=0.5, bias=2.0, "
       "order=\"NHWC\"");
  const char *names[] = {"X", "Y", "Y_scale"};
  for (int i = 0; i < 3; i++) {
    tool_print_tensor(stdout, names[i], c2_workspace_get_blob(ws, names[i]));
    putchar('\n');
  }
  c2_opdef_free(op);
  c2_workspace_free(ws);
}

/* ---- describe ---- */

static void describe(const char *path) {
  c2_error err = {0};
  c2_netdef *net;
  const c2_registry *reg;
  if (tool_load_net(path, &net, &err) || c2_registry_default(&reg, &err)) tool_fail_err(TOOL, &err);
  size_t n_ops = c2_netdef_num_ops(net);
  printf("net '%s' (type '%s'): %zu ops, %zu external inputs, %zu external outputs\n",
         c2_netdef_name(net), *c2_netdef_type(net) ? c2_netdef_type(net) : "simple", n_ops,
         c2_netdef_num_external_inputs(net), c2_netdef_num_external_outputs(net));
  /* Op types in order of first appearance, with a count and whether this build runs them. */
  const char *types[256];
  int counts[256];
  size_t n_types = 0;
  for (size_t k = 0; k < n_ops; k++) {
    const c2_opdef *op = c2_netdef_op(net, k);
    printf("  #%zu %s(", k, c2_opdef_type(op));
    for (size_t i = 0; i < c2_opdef_num_inputs(op); i++)
      printf("%s%s", i ? ", " : "", c2_opdef_input(op, i));
    printf(") -> (");
    for (size_t i = 0; i < c2_opdef_num_outputs(op); i++)
      printf("%s%s", i ? ", " : "", c2_opdef_output(op, i));
    printf(")");
    for (size_t i = 0; i < c2_opdef_num_args(op); i++) {
      char value[160];
      printf("%s %s {%s}", i ? "," : "", c2_opdef_arg_name(op, i),
             c2_opdef_arg_string(op, i, value, sizeof value));
    }
    if (*c2_opdef_engine(op)) printf(" engine '%s'", c2_opdef_engine(op));
    if (c2_opdef_device_type(op) != C2_DEVICE_CPU)
      printf(" device %s", c2_device_name(c2_opdef_device_type(op)));
    printf("\n");
    size_t t = 0;
    while (t < n_types && strcmp(types[t], c2_opdef_type(op)) != 0) t++;
    if (t == n_types && n_types < 256) {
      types[n_types] = c2_opdef_type(op);
      counts[n_types++] = 0;
    }
    if (t < n_types) counts[t]++;
  }
  printf("op types (can this build run them on CPU?):\n");
  size_t missing = 0;
  for (size_t t = 0; t < n_types; t++) {
    bool ok = c2_registry_can_run(reg, types[t], C2_DEVICE_CPU);
    missing += !ok;
    printf("  %-24s %3d op%s  %s\n", types[t], counts[t], counts[t] == 1 ? " " : "s",
           ok ? "yes" : "no: not implemented in this build");
  }
  for (size_t k = 0; k < n_ops; k++) {
    int dev = c2_opdef_device_type(c2_netdef_op(net, k));
    if (dev != C2_DEVICE_CPU)
      printf("  op #%zu asks for device %s (%d), which this build lacks\n", k,
             c2_device_name(dev), dev);
  }
  printf("%s\n", missing ? "this build cannot run the whole net yet" : "this build can run every op");
  c2_netdef_free(net);
}

/* ---- run a net ---- */

typedef struct binding {
  const char *name;
  const char *file; /* NULL: print */
} binding;

static binding parse_binding(const char *spec, bool file_required) {
  binding b = {spec, NULL};
  const char *eq = strchr(spec, '=');
  if (eq) {
    static char names[64][256];
    static int used;
    size_t len = (size_t)(eq - spec);
    if (used == 64 || len == 0 || len >= sizeof names[0]) tool_fail(TOOL, "bad blob name in '%s'", spec);
    memcpy(names[used], spec, len);
    names[used][len] = '\0';
    b.name = names[used++];
    b.file = eq + 1;
  }
  if (file_required && (!b.file || !*b.file))
    tool_fail(TOOL, "--input expects NAME=FILE, got '%s'", spec);
  return b;
}

/* .npy files are told by their magic bytes, anything else is read as TensorProto(s). */
static void feed_input(c2_workspace *ws, const binding *b) {
  c2_error err = {0};
  uint8_t *bytes;
  size_t len;
  if (c2_read_file(b->file, NULL, &bytes, &len, &err)) tool_fail_err(TOOL, &err);
  c2_status st;
  if (len >= 6 && memcmp(bytes, "\x93NUMPY", 6) == 0) {
    c2_tensor *t;
    st = c2_workspace_create_blob(ws, b->name, &t, &err);
    if (!st) st = c2_npy_parse(bytes, len, t, &err);
  } else {
    st = c2_load_tensors(ws, bytes, len, b->name, NULL, &err);
  }
  c2_free(bytes);
  if (st) {
    c2_error_prefix(&err, "%s: ", b->file);
    tool_fail_err(TOOL, &err);
  }
}

/* "512M", "2G", "1000": bytes; 0 on a malformed value. */
static uint64_t parse_bytes(const char *text) {
  char *end;
  errno = 0;
  unsigned long long v = strtoull(text, &end, 10);
  if (errno || end == text || text[0] == '-') return 0;
  int shift = 0;
  if (*end == 'K' || *end == 'k') shift = 10;
  else if (*end == 'M' || *end == 'm') shift = 20;
  else if (*end == 'G' || *end == 'g') shift = 30;
  if (shift) end++;
  if (*end || v > (UINT64_MAX >> shift)) return 0;
  return (uint64_t)v << shift;
}

static uint64_t half_physical_memory(void) {
  long pages = sysconf(_SC_PHYS_PAGES), size = sysconf(_SC_PAGESIZE);
  return pages > 0 && size > 0 ? (uint64_t)pages * (uint64_t)size / 2 : UINT64_MAX;
}

static void run_net(const char *path, const char *init, binding *inputs, int n_inputs,
                    binding *outputs, int n_outputs, uint64_t max_memory) {
  c2_error err = {0};
  c2_workspace *ws;
  c2_netdef *net;
  if (c2_workspace_new(&ws, &err)) tool_fail_err(TOOL, &err);
  c2_workspace_set_memory_limit(ws, max_memory);
  if (init) {
    c2_netdef *init_net;
    if (tool_load_net(init, &init_net, &err) || c2_run_net_once(ws, init_net, NULL, &err))
      tool_fail_err(TOOL, &err);
    c2_netdef_free(init_net);
  }
  for (int i = 0; i < n_inputs; i++) feed_input(ws, &inputs[i]);
  if (tool_load_net(path, &net, &err)) tool_fail_err(TOOL, &err);
  /* Like Caffe2's Predictor: external inputs nobody fed exist as empty blobs, so that the net
   * can be created and the op that reads one says it is empty. */
  for (size_t i = 0; i < c2_netdef_num_external_inputs(net); i++) {
    c2_tensor *t;
    if (c2_workspace_create_blob(ws, c2_netdef_external_input(net, i), &t, &err))
      tool_fail_err(TOOL, &err);
  }
  if (c2_run_net_once(ws, net, NULL, &err)) tool_fail_err(TOOL, &err);
  binding defaults[64];
  if (n_outputs == 0) {
    for (size_t i = 0; i < c2_netdef_num_external_outputs(net) && i < 64; i++)
      defaults[n_outputs++] = (binding){c2_netdef_external_output(net, i), NULL};
    outputs = defaults;
  }
  for (int i = 0; i < n_outputs; i++) {
    c2_tensor *t = c2_workspace_get_blob(ws, outputs[i].name);
    if (!t) tool_fail(TOOL, "output blob '%s' is not in the workspace", outputs[i].name);
    if (outputs[i].file) {
      if (c2_npy_save_file(outputs[i].file, t, &err)) tool_fail_err(TOOL, &err);
      printf("%s -> %s\n", outputs[i].name, outputs[i].file);
    } else {
      tool_print_tensor(stdout, outputs[i].name, t);
    }
  }
  c2_netdef_free(net);
  c2_workspace_free(ws);
}

int main(int argc, char **argv) {
  if (argc == 1) {
    run_lrn_example();
    return 0;
  }
  const char *net = NULL, *init = NULL;
  binding inputs[64], outputs[64];
  int n_inputs = 0, n_outputs = 0;
  bool describe_only = false;
  uint64_t max_memory = half_physical_memory();
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];
    bool has_value = i + 1 < argc;
    if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
      usage(stdout);
      return 0;
    } else if (strcmp(a, "--version") == 0) {
      printf("c2rt %s\n", c2_version());
      return 0;
    } else if (strcmp(a, "--describe") == 0) {
      describe_only = true;
    } else if (strcmp(a, "--max-memory") == 0 && has_value) {
      max_memory = parse_bytes(argv[++i]);
      if (!max_memory)
        tool_fail(TOOL, "--max-memory expects a byte count such as 512M, got '%s'", argv[i]);
    } else if (strcmp(a, "--init") == 0 && has_value) {
      init = argv[++i];
    } else if (strcmp(a, "--input") == 0 && has_value) {
      if (n_inputs == 64) tool_fail(TOOL, "too many --input options");
      inputs[n_inputs++] = parse_binding(argv[++i], true);
    } else if (strcmp(a, "--output") == 0 && has_value) {
      if (n_outputs == 64) tool_fail(TOOL, "too many --output options");
      outputs[n_outputs++] = parse_binding(argv[++i], false);
    } else if (a[0] == '-' && a[1]) {
      tool_fail(TOOL, "unknown option or missing value: '%s' (try --help)", a);
    } else if (!net) {
      net = a;
    } else {
      tool_fail(TOOL, "more than one net given: '%s' and '%s'", net, a);
    }
  }
  if (!net) tool_fail(TOOL, "no net given (try --help)");
  if (describe_only) describe(net);
  else run_net(net, init, inputs, n_inputs, outputs, n_outputs, max_memory);
  return 0;
}
