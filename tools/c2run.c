/* c2run: run a Caffe2 net file on inputs from .npy / TensorProto files, or describe what it
 * holds. With no arguments it runs Caffe2's LRN documentation example on built-in data. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "lrn_doc_example.h"
#include "tool_util.h"
#include "zoo_shapes.h"

static const char *const TOOL = "c2run";

static void usage(FILE *f) {
  fputs("usage: c2run                                   run the LRN doc example (lrn_op_example)\n"
        "       c2run NET [--init INIT.pb] [--input NAME=FILE]... [--output NAME[=FILE.npy]]...\n"
        "             [--top K] [--iters N] [--threads T] [--max-memory BYTES[K|M|G]]\n"
        "       c2run --describe NET [--shape NAME=D0,D1,...]... [--init INIT.pb]\n"
        "             [--channels NAME=M,...]\n"
        "       c2run --version | --help\n"
        "NET is a NetDef in binary (.pb) or text (.pbtxt, through protoc). Input FILEs are .npy\n"
        "or TensorProto(s) (told apart by content). An init net runs first (a binary one through\n"
        "the streaming reader); inputs given with --input replace what it made. Outputs default\n"
        "to the net's external_output; each is printed (--top K: the K largest values of each\n"
        "row, as classes and probabilities), or saved as .npy when a file is given. --iters N\n"
        "runs the net N more times after one warm-up run and prints a per-op-type profile.\n"
        "--describe prints each op's output shapes, FLOPs and bytes from shape and cost\n"
        "inference: input shapes from --shape, parameter shapes from --init, --shape, or the\n"
        "known model-zoo architectures (--channels for other layers). The tensors of a run may\n"
        "hold at most --max-memory (default: half the physical memory), so that a hostile net\n"
        "fails instead of exhausting it.\n",
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

/* ---- options ---- */

typedef struct binding {
  const char *name;
  const char *file; /* NULL: print */
} binding;

typedef struct options {
  const char *init;
  binding inputs[64], outputs[64];
  int n_inputs, n_outputs;
  int top;     /* 0: print whole tensors */
  int iters;   /* 0: run once */
  int threads; /* 0: the workspace default */
  uint64_t max_memory;
  shape_map shapes, channels;
} options;

/* ---- describe: shapes, FLOPs and bytes ---- */

static bool is_binary_net(const char *path) {
  size_t n = strlen(path);
  return !(n > 6 && (strcmp(path + n - 6, ".pbtxt") == 0 || strcmp(path + n - 4, ".txt") == 0 ||
                     (n > 9 && strcmp(path + n - 9, ".prototxt") == 0)));
}

/* Runs the init net (binary: the streaming reader) into ws. */
static void run_init(c2_workspace *ws, const char *init) {
  c2_error err = {0};
  if (is_binary_net(init)) {
    if (c2_init_net_run_file(ws, init, NULL, NULL, &err)) tool_fail_err(TOOL, &err);
    return;
  }
  c2_netdef *init_net;
  if (tool_load_net(init, &init_net, &err) || c2_run_net_once(ws, init_net, NULL, &err))
    tool_fail_err(TOOL, &err);
  c2_netdef_free(init_net);
}

typedef struct totals {
  uint64_t flops, bytes, params;
  size_t unknown;
} totals;

static void human(uint64_t v, char *buf, size_t size) {
  if (v >= 10000000000ull) snprintf(buf, size, "%.2f G", (double)v / 1e9);
  else if (v >= 10000000ull) snprintf(buf, size, "%.2f M", (double)v / 1e6);
  else if (v >= 10000ull) snprintf(buf, size, "%.2f k", (double)v / 1e3);
  else snprintf(buf, size, "%llu ", (unsigned long long)v);
}

static void print_op_cost(void *ctx, size_t k, const c2_opdef *op, int n_in, const c2_shape *in,
                          int n_out, const c2_shape *out, const c2_cost *cost, bool cost_ok) {
  (void)n_in;
  (void)in;
  totals *t = ctx;
  printf("  #%-3zu %-12s", k, c2_opdef_type(op));
  for (int i = 0; i < n_out; i++) {
    char buf[160];
    printf("%s%s %s", i ? ", " : "", c2_opdef_output(op, i), shape_string(&out[i], buf, sizeof buf));
  }
  if (cost_ok) {
    char f[32], b[32];
    human(cost->flops, f, sizeof f);
    human(cost->bytes_read + cost->bytes_written, b, sizeof b);
    printf("  | %sFLOP, %sB", f, b);
    t->flops += cost->flops;
    t->bytes += cost->bytes_read + cost->bytes_written;
    t->params += cost->params_bytes;
  } else {
    printf("  | cost unknown");
    t->unknown++;
  }
  printf("\n");
}

static void describe_shapes(const c2_netdef *net, const c2_registry *reg, const options *o) {
  c2_error err = {0};
  shape_map shapes = {0}, params = {0};
  for (size_t i = 0; i < o->shapes.n; i++)
    shape_map_set(&shapes, o->shapes.names[i], &o->shapes.shapes[i], 0);
  if (o->init) { /* parameter shapes from the real init net */
    c2_workspace *ws;
    if (c2_workspace_new(&ws, &err)) tool_fail_err(TOOL, &err);
    c2_workspace_set_memory_limit(ws, o->max_memory);
    run_init(ws, o->init);
    const char **names;
    size_t n;
    if (c2_workspace_blob_names(ws, &names, &n, &err)) tool_fail_err(TOOL, &err);
    for (size_t i = 0; i < n; i++) {
      const c2_tensor *t = c2_workspace_get_blob(ws, names[i]);
      if (c2_tensor_is_empty(t) || shape_map_find(&shapes, names[i]) >= 0) continue;
      c2_shape s = {.dtype = c2_tensor_dtype(t), .ndim = c2_tensor_ndim(t)};
      for (int d = 0; d < s.ndim; d++) s.dims[d] = c2_tensor_dim(t, d);
      shape_map_set(&shapes, names[i], &s, 0);
    }
    c2_free(names);
    c2_workspace_free(ws);
  }
  if (shapes.n == 0) {
    printf("(give --shape NAME=D0,D1,... for shapes, FLOPs and bytes)\n");
    shape_map_free(&shapes);
    return;
  }
  printf("shapes and cost (2 FLOP per multiply-add; bytes read + written):\n");
  totals t = {0};
  if (zoo_walk(net, reg, &shapes, &o->channels, true, &params, print_op_cost, &t, &err))
    tool_fail_err(TOOL, &err);
  uint64_t param_bytes = 0;
  for (size_t i = 0; i < params.n; i++) param_bytes += c2_shape_nbytes(&params.shapes[i]);
  char f[32], b[32], p[32];
  human(t.flops, f, sizeof f);
  human(t.bytes, b, sizeof b);
  human(t.params, p, sizeof p);
  printf("total: %sFLOP, %sB moved, %sB of parameters read", f, b, p);
  if (t.unknown) printf(" (%zu ops without a cost)", t.unknown);
  printf("\n");
  if (params.n)
    printf("(%zu parameter shapes, %.1f MB, were made up from the layer widths, not read)\n",
           params.n, (double)param_bytes / 1e6);
  shape_map_free(&shapes);
  shape_map_free(&params);
}

/* ---- describe ---- */

static void describe(const char *path, const options *o) {
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
  describe_shapes(net, reg, o);
  c2_netdef_free(net);
}

/* ---- run a net ---- */

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

static void print_top(const char *name, const c2_tensor *t, int k) {
  if (c2_tensor_dtype(t) != C2_DTYPE_FLOAT || c2_tensor_numel(t) == 0) {
    tool_print_tensor(stdout, name, t);
    return;
  }
  int64_t rows = c2_tensor_ndim(t) >= 2 ? c2_tensor_dim(t, 0) : 1;
  int64_t cols = c2_tensor_numel(t) / rows;
  const float *v = c2_tensor_data_const(t);
  char shape[128];
  printf("%s: FLOAT %s, top %d of each row\n", name, c2_tensor_shape_string(t, shape, sizeof shape),
         k);
  for (int64_t r = 0; r < rows; r++) {
    const float *row = v + r * cols;
    int64_t best[64];
    int n = 0;
    for (int64_t c = 0; c < cols; c++) { /* insertion into the k best; ties keep the lower index */
      int pos;
      if (n < k) pos = n++;
      else if (row[c] > row[best[k - 1]]) pos = k - 1;
      else continue;
      while (pos > 0 && row[c] > row[best[pos - 1]]) {
        best[pos] = best[pos - 1];
        pos--;
      }
      best[pos] = c;
    }
    if (rows > 1) printf("  row %lld:\n", (long long)r);
    for (int i = 0; i < n; i++)
      printf("  %d. class %-6lld %.6f\n", i + 1, (long long)best[i], (double)row[best[i]]);
  }
}

static double now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

/* One warm-up run, then `iters` runs op by op, and a table per op type. */
static void profile(c2_net *net, int iters, int threads) {
  c2_error err = {0};
  size_t n_ops = c2_net_num_ops(net);
  if (c2_net_run(net, &err)) tool_fail_err(TOOL, &err);
  double *op_ms = calloc(n_ops ? n_ops : 1, sizeof *op_ms);
  double *iter_ms = calloc((size_t)iters, sizeof *iter_ms);
  if (!op_ms || !iter_ms) tool_fail(TOOL, "out of memory");
  for (int it = 0; it < iters; it++) {
    double start = now_ms();
    for (size_t k = 0; k < n_ops; k++) {
      double t0 = now_ms();
      if (c2_net_run_op(net, k, &err)) tool_fail_err(TOOL, &err);
      op_ms[k] += now_ms() - t0;
    }
    iter_ms[it] = now_ms() - start;
  }
  /* per type, in order of first appearance */
  const char *types[256];
  double type_ms[256] = {0};
  int calls[256] = {0};
  size_t n_types = 0;
  double total = 0;
  for (size_t k = 0; k < n_ops; k++) {
    const char *type = c2_op_type(c2_net_op(net, k));
    size_t t = 0;
    while (t < n_types && strcmp(types[t], type) != 0) t++;
    if (t == n_types) {
      if (n_types == 256) continue;
      types[n_types++] = type;
    }
    type_ms[t] += op_ms[k] / iters;
    calls[t]++;
    total += op_ms[k] / iters;
  }
  printf("profile: %d runs after 1 warm-up, %d thread%s (per run)\n", iters, threads,
         threads == 1 ? "" : "s");
  printf("  %-16s %6s %10s %7s\n", "op type", "calls", "ms", "share");
  for (size_t t = 0; t < n_types; t++)
    printf("  %-16s %6d %10.3f %6.1f%%\n", types[t], calls[t], type_ms[t],
           total > 0 ? 100 * type_ms[t] / total : 0.0);
  printf("  %-16s %6zu %10.3f %6.1f%%\n", "total", n_ops, total, 100.0);
  qsort(iter_ms, (size_t)iters, sizeof *iter_ms, cmp_double);
  double median = iters % 2 ? iter_ms[iters / 2]
                            : 0.5 * (iter_ms[iters / 2 - 1] + iter_ms[iters / 2]);
  printf("median ms/iter %.3f\n", median);
  free(op_ms);
  free(iter_ms);
}

static void run_net(const char *path, options *o) {
  c2_error err = {0};
  c2_workspace *ws;
  c2_netdef *def;
  if (c2_workspace_new(&ws, &err)) tool_fail_err(TOOL, &err);
  c2_workspace_set_memory_limit(ws, o->max_memory);
  if (o->threads > 0) c2_workspace_set_num_threads(ws, o->threads);
  if (o->init) run_init(ws, o->init);
  for (int i = 0; i < o->n_inputs; i++) feed_input(ws, &o->inputs[i]);
  if (tool_load_net(path, &def, &err)) tool_fail_err(TOOL, &err);
  /* Like Caffe2's Predictor: external inputs nobody fed exist as empty blobs, so that the net
   * can be created and the op that reads one says it is empty. */
  for (size_t i = 0; i < c2_netdef_num_external_inputs(def); i++) {
    c2_tensor *t;
    if (c2_workspace_create_blob(ws, c2_netdef_external_input(def, i), &t, &err))
      tool_fail_err(TOOL, &err);
  }
  c2_net *net;
  if (c2_net_new(ws, def, NULL, &net, &err)) tool_fail_err(TOOL, &err);
  if (o->iters > 0) profile(net, o->iters, c2_workspace_num_threads(ws));
  else if (c2_net_run(net, &err)) tool_fail_err(TOOL, &err);
  binding defaults[64];
  binding *outputs = o->outputs;
  int n_outputs = o->n_outputs;
  if (n_outputs == 0) {
    for (size_t i = 0; i < c2_netdef_num_external_outputs(def) && i < 64; i++)
      defaults[n_outputs++] = (binding){c2_netdef_external_output(def, i), NULL};
    outputs = defaults;
  }
  for (int i = 0; i < n_outputs; i++) {
    c2_tensor *t = c2_workspace_get_blob(ws, outputs[i].name);
    if (!t) tool_fail(TOOL, "output blob '%s' is not in the workspace", outputs[i].name);
    if (outputs[i].file) {
      if (c2_npy_save_file(outputs[i].file, t, &err)) tool_fail_err(TOOL, &err);
      printf("%s -> %s\n", outputs[i].name, outputs[i].file);
    } else if (o->top > 0) {
      print_top(outputs[i].name, t, o->top);
    } else if (o->iters == 0) {
      tool_print_tensor(stdout, outputs[i].name, t);
    }
  }
  c2_net_free(net);
  c2_netdef_free(def);
  c2_workspace_free(ws);
}

static int positive_int(const char *opt, const char *v, int max) {
  char *end;
  long n = strtol(v, &end, 10);
  if (end == v || *end || n < 1 || n > max)
    tool_fail(TOOL, "%s expects an integer from 1 to %d, got '%s'", opt, max, v);
  return (int)n;
}

int main(int argc, char **argv) {
  if (argc == 1) {
    run_lrn_example();
    return 0;
  }
  const char *net = NULL;
  static options o;
  o.max_memory = half_physical_memory();
  bool describe_only = false;
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];
    bool has_value = i + 1 < argc;
    if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
      usage(stdout);
      return 0;
    } else if (strcmp(a, "--version") == 0) {
      printf("c2rt %s\nGEMM: %s\n", c2_version(), c2_gemm_backend());
      return 0;
    } else if (strcmp(a, "--describe") == 0) {
      describe_only = true;
    } else if (strcmp(a, "--max-memory") == 0 && has_value) {
      o.max_memory = parse_bytes(argv[++i]);
      if (!o.max_memory)
        tool_fail(TOOL, "--max-memory expects a byte count such as 512M, got '%s'", argv[i]);
    } else if (strcmp(a, "--init") == 0 && has_value) {
      o.init = argv[++i];
    } else if (strcmp(a, "--input") == 0 && has_value) {
      if (o.n_inputs == 64) tool_fail(TOOL, "too many --input options");
      o.inputs[o.n_inputs++] = parse_binding(argv[++i], true);
    } else if (strcmp(a, "--output") == 0 && has_value) {
      if (o.n_outputs == 64) tool_fail(TOOL, "too many --output options");
      o.outputs[o.n_outputs++] = parse_binding(argv[++i], false);
    } else if (strcmp(a, "--top") == 0 && has_value) {
      o.top = positive_int(a, argv[++i], 64);
    } else if (strcmp(a, "--iters") == 0 && has_value) {
      o.iters = positive_int(a, argv[++i], 1000000);
    } else if (strcmp(a, "--threads") == 0 && has_value) {
      o.threads = positive_int(a, argv[++i], 1024);
    } else if (strcmp(a, "--shape") == 0 && has_value) {
      if (!shape_map_parse(&o.shapes, argv[++i]))
        tool_fail(TOOL, "--shape expects NAME=D0,D1,... with dims >= 0, got '%s'", argv[i]);
    } else if (strcmp(a, "--channels") == 0 && has_value) {
      if (!channels_parse(&o.channels, argv[++i]))
        tool_fail(TOOL, "--channels expects NAME=M[,NAME=M...], got '%s'", argv[i]);
    } else if (a[0] == '-' && a[1]) {
      tool_fail(TOOL, "unknown option or missing value: '%s' (try --help)", a);
    } else if (!net) {
      net = a;
    } else {
      tool_fail(TOOL, "more than one net given: '%s' and '%s'", net, a);
    }
  }
  if (!net) tool_fail(TOOL, "no net given (try --help)");
  if (describe_only) describe(net, &o);
  else run_net(net, &o);
  shape_map_free(&o.shapes);
  shape_map_free(&o.channels);
  return 0;
}
