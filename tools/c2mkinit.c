/* c2mkinit: writes a model-zoo-style init net (one GivenTensorFill per parameter, `shape` ints
 * and unpacked `values` floats, as Caffe2's translator wrote them) with deterministic random
 * weights for a predict net. The real zoo init_net.pb files cannot be downloaded here; this one
 * has the same layout, sizes and op order, so that loading, running and timing are exercised on
 * the real thing's shape.
 *
 * Parameter shapes come from the net's own shapes (the channels each Conv/FC receives) and the
 * output widths of the known architectures (bvlc_alexnet, bvlc_reference_caffenet,
 * bvlc_googlenet / inception_v1), or --channels. Weights are N(0, 2/fan_in) (He), biases
 * N(0, 0.1^2); each parameter's numbers depend only on the seed and its name. The last layer's
 * weights (the classifier) are scaled by --classifier-scale (default 1/16): He-scaled layers keep
 * the input's magnitude, so with mean-subtracted pixels (+-128) a plain He classifier gives
 * logits of +-400 and a one-hot softmax; scaled, they land in the +-30 of a trained ImageNet
 * classifier. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tool_util.h"
#include "zoo_shapes.h"

static const char *const TOOL = "c2mkinit";

static void usage(FILE *f) {
  fputs("usage: c2mkinit PREDICT_NET -o INIT.pb [--shape NAME=D0,D1,...]... [--channels NAME=M,...]\n"
        "                [--seed S] [--classifier-scale F] [--data-fill given|constant]\n"
        "Writes an init net with a GivenTensorFill for every Conv/FC parameter of PREDICT_NET\n"
        "(shapes from --shape, default: the first external input = 1,3,224,224). --data-fill\n"
        "also fills the first external input with one value, as Caffe2's translator did\n"
        "(ConstantFill) or with a GivenTensorFill. Weights are N(0, 2/fan_in), the last\n"
        "layer's times F (default 1/16, for logits of a trained net's size), biases N(0, 0.01).\n",
        f);
}

static uint64_t splitmix(uint64_t *s) {
  uint64_t x = (*s += 0x9E3779B97F4A7C15ull);
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
  return x ^ (x >> 31);
}

static double uniform01(uint64_t *s) { return ((splitmix(s) >> 11) + 0.5) * (1.0 / 9007199254740992.0); }

static uint64_t hash_name(const char *name, uint64_t seed) {
  uint64_t h = 1469598103934665603ull ^ seed;
  for (const char *p = name; *p; p++) h = (h ^ (uint8_t)*p) * 1099511628211ull;
  return h;
}

static void put_varint(FILE *f, uint64_t v) {
  while (v >= 0x80) {
    fputc((int)(v | 0x80), f);
    v >>= 7;
  }
  fputc((int)v, f);
}

static size_t varint_size(uint64_t v) {
  size_t n = 1;
  while (v >= 0x80) {
    v >>= 7;
    n++;
  }
  return n;
}

/* One op record: the op without values (packed by c2rt), then arg{name:"values" floats...}. */
static void write_fill(FILE *f, const char *type, const char *output, const c2_shape *s,
                       bool has_values, double std, uint64_t seed, double constant) {
  c2_error err = {0};
  c2_opdef *op;
  const char *outs[] = {output};
  int64_t numel = (int64_t)c2_shape_numel(s);
  if (c2_opdef_new(type, 0, NULL, 1, outs, &op, &err) ||
      c2_opdef_add_arg_ints(op, "shape", s->dims, (size_t)s->ndim, &err))
    tool_fail_err(TOOL, &err);
  if (!has_values && c2_opdef_add_arg_float(op, "value", (float)constant, &err))
    tool_fail_err(TOOL, &err);
  uint8_t *bytes;
  size_t len;
  if (c2_opdef_pack(op, &bytes, &len, &err)) tool_fail_err(TOOL, &err);
  c2_opdef_free(op);
  size_t name_rec = 2 + 6; /* key, length, "values" */
  size_t arg_body = name_rec + 5 * (size_t)numel;
  size_t arg_rec = has_values ? 1 + varint_size(arg_body) + arg_body : 0;
  put_varint(f, (2 << 3) | 2); /* NetDef.op */
  put_varint(f, len + arg_rec);
  fwrite(bytes, 1, len, f);
  c2_free(bytes);
  if (!has_values) return;
  put_varint(f, (5 << 3) | 2); /* OperatorDef.arg */
  put_varint(f, arg_body);
  fputc((1 << 3) | 2, f);
  fputc(6, f);
  fwrite("values", 1, 6, f);
  uint64_t state = seed;
  for (int64_t i = 0; i < numel; i++) {
    float v;
    if (std > 0) { /* Box-Muller */
      double u1 = uniform01(&state), u2 = uniform01(&state);
      v = (float)(std * sqrt(-2.0 * log(u1)) * cos(6.283185307179586 * u2));
    } else {
      v = (float)constant;
    }
    uint8_t rec[5] = {(5 << 3) | 5};
    memcpy(rec + 1, &v, 4); /* little-endian hosts (x86, arm64) */
    fwrite(rec, 1, 5, f);
  }
}

int main(int argc, char **argv) {
  const char *net_path = NULL, *out_path = NULL, *data_fill = NULL;
  uint64_t seed = 1;
  double classifier_scale = 1.0 / 16;
  shape_map shapes = {0}, channels = {0}, params = {0};
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];
    bool has_value = i + 1 < argc;
    if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
      usage(stdout);
      return 0;
    } else if (strcmp(a, "-o") == 0 && has_value) {
      out_path = argv[++i];
    } else if (strcmp(a, "--shape") == 0 && has_value) {
      if (!shape_map_parse(&shapes, argv[++i])) tool_fail(TOOL, "bad --shape '%s'", argv[i]);
    } else if (strcmp(a, "--channels") == 0 && has_value) {
      if (!channels_parse(&channels, argv[++i])) tool_fail(TOOL, "bad --channels '%s'", argv[i]);
    } else if (strcmp(a, "--seed") == 0 && has_value) {
      seed = strtoull(argv[++i], NULL, 10);
    } else if (strcmp(a, "--classifier-scale") == 0 && has_value) {
      classifier_scale = strtod(argv[++i], NULL);
      if (!(classifier_scale > 0)) tool_fail(TOOL, "--classifier-scale expects a number > 0");
    } else if (strcmp(a, "--data-fill") == 0 && has_value) {
      data_fill = argv[++i];
      if (strcmp(data_fill, "given") && strcmp(data_fill, "constant"))
        tool_fail(TOOL, "--data-fill expects 'given' or 'constant'");
    } else if (a[0] == '-' && a[1]) {
      tool_fail(TOOL, "unknown option or missing value: '%s' (try --help)", a);
    } else if (!net_path) {
      net_path = a;
    } else {
      tool_fail(TOOL, "more than one net given");
    }
  }
  if (!net_path || !out_path) tool_fail(TOOL, "need PREDICT_NET and -o INIT.pb (try --help)");
  c2_error err = {0};
  c2_netdef *net;
  const c2_registry *reg;
  if (tool_load_net(net_path, &net, &err) || c2_registry_default(&reg, &err))
    tool_fail_err(TOOL, &err);
  const char *data = c2_netdef_num_external_inputs(net) ? c2_netdef_external_input(net, 0) : NULL;
  if (shapes.n == 0) {
    if (!data) tool_fail(TOOL, "the net has no external input: give --shape");
    c2_shape s = {.dtype = C2_DTYPE_FLOAT, .ndim = 4, .dims = {1, 3, 224, 224}};
    shape_map_set(&shapes, data, &s, 0);
  }
  if (zoo_walk(net, reg, &shapes, &channels, true, &params, NULL, NULL, &err))
    tool_fail_err(TOOL, &err);
  if (params.n == 0) tool_fail(TOOL, "the net has no Conv or FC parameters to make");
  FILE *f = fopen(out_path, "wb");
  if (!f) tool_fail(TOOL, "cannot create '%s'", out_path);
  char name[512];
  snprintf(name, sizeof name, "%s_init", c2_netdef_name(net));
  put_varint(f, (1 << 3) | 2);
  put_varint(f, strlen(name));
  fputs(name, f);
  uint64_t total = 0;
  size_t last_weight = 0;
  for (size_t i = 0; i < params.n; i++)
    if (params.values[i] > 0) last_weight = i;
  for (size_t i = 0; i < params.n; i++) {
    const c2_shape *s = &params.shapes[i];
    int64_t fan_in = params.values[i]; /* 0 for biases */
    double std = fan_in > 0 ? sqrt(2.0 / (double)fan_in) : 0.1;
    if (i == last_weight) std *= classifier_scale;
    write_fill(f, "GivenTensorFill", params.names[i], s, true, std,
               hash_name(params.names[i], seed), 0.0);
    total += c2_shape_numel(s);
  }
  if (data_fill && data) {
    c2_shape one = {.dtype = C2_DTYPE_FLOAT, .ndim = 1, .dims = {1}};
    if (strcmp(data_fill, "constant") == 0)
      write_fill(f, "ConstantFill", data, &one, false, 0, 0, 0.0);
    else
      write_fill(f, "GivenTensorFill", data, &one, true, 0, 0, 0.0);
  }
  if (fclose(f) != 0) tool_fail(TOOL, "error writing '%s'", out_path);
  printf("%s: %zu parameters, %llu values (%.1f MB as float32)\n", out_path, params.n,
         (unsigned long long)total, (double)total * 4 / 1e6);
  c2_netdef_free(net);
  shape_map_free(&shapes);
  shape_map_free(&channels);
  shape_map_free(&params);
  return 0;
}
