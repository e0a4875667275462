#include "zoo_shapes.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void *xrealloc(void *p, size_t n) {
  void *q = realloc(p, n ? n : 1);
  if (!q) {
    fputs("out of memory\n", stderr);
    exit(1);
  }
  return q;
}

void shape_map_free(shape_map *m) {
  for (size_t i = 0; i < m->n; i++) free(m->names[i]);
  free(m->names);
  free(m->shapes);
  free(m->values);
  memset(m, 0, sizeof *m);
}

long shape_map_find(const shape_map *m, const char *name) {
  for (size_t i = 0; i < m->n; i++)
    if (strcmp(m->names[i], name) == 0) return (long)i;
  return -1;
}

void shape_map_set(shape_map *m, const char *name, const c2_shape *shape, int64_t value) {
  long i = shape_map_find(m, name);
  if (i < 0) {
    if (m->n == m->cap) {
      m->cap = m->cap ? m->cap * 2 : 32;
      m->names = xrealloc(m->names, m->cap * sizeof *m->names);
      m->shapes = xrealloc(m->shapes, m->cap * sizeof *m->shapes);
      m->values = xrealloc(m->values, m->cap * sizeof *m->values);
    }
    i = (long)m->n++;
    m->names[i] = xrealloc(NULL, strlen(name) + 1);
    strcpy(m->names[i], name);
  }
  if (shape) m->shapes[i] = *shape;
  else m->shapes[i] = (c2_shape){.unknown = true};
  m->values[i] = value;
}

/* Splits "name=rest" at the last '=' (blob names may hold '/', not usually '='). */
static bool split_spec(const char *spec, char *name, size_t size, const char **rest) {
  const char *eq = strrchr(spec, '=');
  if (!eq || eq == spec || (size_t)(eq - spec) >= size) return false;
  memcpy(name, spec, (size_t)(eq - spec));
  name[eq - spec] = '\0';
  *rest = eq + 1;
  return true;
}

bool shape_map_parse(shape_map *m, const char *spec) {
  char name[512];
  const char *p;
  if (!split_spec(spec, name, sizeof name, &p)) return false;
  c2_shape s = {.dtype = C2_DTYPE_FLOAT};
  while (*p) {
    char *end;
    long long v = strtoll(p, &end, 10);
    if (end == p || v < 0 || s.ndim == C2_MAX_NDIM) return false;
    s.dims[s.ndim++] = v;
    p = *end == ',' ? end + 1 : end;
    if (*end && *end != ',') return false;
  }
  shape_map_set(m, name, &s, 0);
  return true;
}

bool channels_parse(shape_map *m, const char *spec) {
  char buf[4096];
  if (strlen(spec) >= sizeof buf) return false;
  strcpy(buf, spec);
  for (char *item = strtok(buf, ","); item; item = strtok(NULL, ",")) {
    char name[512];
    const char *v;
    char *end;
    if (!split_spec(item, name, sizeof name, &v)) return false;
    long long n = strtoll(v, &end, 10);
    if (end == v || *end || n <= 0) return false;
    shape_map_set(m, name, NULL, n);
  }
  return true;
}

typedef struct known {
  const char *blob;
  int64_t channels;
} known;

/* AlexNet (and CaffeNet, which has the same layers and widths). */
static const known alexnet[] = {{"conv1", 96},  {"conv2", 256}, {"conv3", 384},
                                {"conv4", 384}, {"conv5", 256}, {"fc6", 4096},
                                {"fc7", 4096},  {"fc8", 1000}};

/* GoogLeNet: per module 1x1, 3x3_reduce, 3x3, 5x5_reduce, 5x5, pool_proj. */
static const struct {
  const char *module;
  int64_t c[6];
} inception[] = {
    {"3a", {64, 96, 128, 16, 32, 32}},     {"3b", {128, 128, 192, 32, 96, 64}},
    {"4a", {192, 96, 208, 16, 48, 64}},    {"4b", {160, 112, 224, 24, 64, 64}},
    {"4c", {128, 128, 256, 24, 64, 64}},   {"4d", {112, 144, 288, 32, 64, 64}},
    {"4e", {256, 160, 320, 32, 128, 128}}, {"5a", {256, 160, 320, 32, 128, 128}},
    {"5b", {384, 192, 384, 48, 128, 128}}};
static const known googlenet[] = {{"conv1/7x7_s2", 64},
                                  {"conv2/3x3_reduce", 64},
                                  {"conv2/3x3", 192},
                                  {"loss3/classifier", 1000}};

int64_t zoo_known_channels(const char *blob) {
  for (size_t i = 0; i < sizeof alexnet / sizeof *alexnet; i++)
    if (strcmp(blob, alexnet[i].blob) == 0) return alexnet[i].channels;
  for (size_t i = 0; i < sizeof googlenet / sizeof *googlenet; i++)
    if (strcmp(blob, googlenet[i].blob) == 0) return googlenet[i].channels;
  static const char *const parts[6] = {"1x1", "3x3_reduce", "3x3", "5x5_reduce", "5x5",
                                       "pool_proj"};
  for (size_t m = 0; m < sizeof inception / sizeof *inception; m++)
    for (int p = 0; p < 6; p++) {
      char name[64];
      snprintf(name, sizeof name, "inception_%s/%s", inception[m].module, parts[p]);
      if (strcmp(blob, name) == 0) return inception[m].c[p];
    }
  return 0;
}

char *shape_string(const c2_shape *s, char *buf, size_t size) {
  if (s->unknown) {
    snprintf(buf, size, "?");
    return buf;
  }
  size_t pos = (size_t)snprintf(buf, size, "[");
  for (int i = 0; i < s->ndim && pos < size; i++)
    pos += (size_t)snprintf(buf + pos, size - pos, "%s%lld", i ? ", " : "", (long long)s->dims[i]);
  if (pos < size) snprintf(buf + pos, size - pos, "]");
  return buf;
}

static const c2_shape *get(const shape_map *m, const char *name) {
  long i = shape_map_find(m, name);
  return i >= 0 && !m->shapes[i].unknown ? &m->shapes[i] : NULL;
}

static int64_t channels_for(const shape_map *channels, const char *blob) {
  long i = channels ? shape_map_find(channels, blob) : -1;
  return i >= 0 ? channels->values[i] : zoo_known_channels(blob);
}

/* Conv W [M, C/group, kh, kw] and b [M]; FC W [1.., N, K] (axis_w) and b [N]. */
static c2_status make_params(const c2_opdef *op, shape_map *shapes, const shape_map *channels,
                             shape_map *params, c2_error *err) {
  const char *type = c2_opdef_type(op);
  bool conv = strcmp(type, "Conv") == 0, fc = strcmp(type, "FC") == 0;
  size_t n_in = c2_opdef_num_inputs(op);
  if ((!conv && !fc) || n_in < 2) return C2_OK;
  const c2_shape *x = get(shapes, c2_opdef_input(op, 0));
  if (!x) return C2_OK;
  bool need_w = !get(shapes, c2_opdef_input(op, 1));
  bool need_b = n_in > 2 && !get(shapes, c2_opdef_input(op, 2));
  if (!need_w && !need_b) return C2_OK;
  const char *out = c2_opdef_num_outputs(op) ? c2_opdef_output(op, 0) : "";
  int64_t M = channels_for(channels, out);
  if (M <= 0)
    return c2_error_set(err, C2_ERR_NOT_FOUND,
                        "the output width of %s '%s' is not known: give --channels %s=N", type,
                        out, out);
  c2_shape w = {.dtype = C2_DTYPE_FLOAT}, b = {.dtype = C2_DTYPE_FLOAT, .ndim = 1, .dims = {M}};
  if (conv) {
    int64_t k[2] = {0, 0}, group = 1, v;
    const int64_t *ks;
    size_t nk;
    if (!c2_arg_get_int(op, "kernel", 0, &v, NULL) && v) k[0] = k[1] = v;
    if (!c2_arg_get_int(op, "kernel_h", 0, &v, NULL) && v) k[0] = v;
    if (!c2_arg_get_int(op, "kernel_w", 0, &v, NULL) && v) k[1] = v;
    if (!c2_arg_get_ints(op, "kernels", &ks, &nk, NULL) && nk == 2) k[0] = ks[0], k[1] = ks[1];
    c2_arg_get_int(op, "group", 1, &group, NULL);
    if (x->ndim != 4 || group < 1 || x->dims[1] % group || !k[0] || !k[1])
      return c2_error_set(err, C2_ERR_SHAPE, "cannot make the filter of Conv '%s'", out);
    w.ndim = 4;
    w.dims[0] = M;
    w.dims[1] = x->dims[1] / group;
    w.dims[2] = k[0];
    w.dims[3] = k[1];
  } else {
    int64_t axis = 1, axis_w = 1;
    c2_arg_get_int(op, "axis", 1, &axis, NULL);
    c2_arg_get_int(op, "axis_w", 1, &axis_w, NULL);
    if (axis < 0) axis += x->ndim;
    if (axis < 0 || axis > x->ndim || axis_w < 1 || axis_w + 1 > C2_MAX_NDIM)
      return c2_error_set(err, C2_ERR_SHAPE, "cannot make the weights of FC '%s'", out);
    int64_t K = 1;
    for (int i = (int)axis; i < x->ndim; i++) K *= x->dims[i];
    w.ndim = (int)axis_w + 1;
    for (int i = 0; i + 1 < (int)axis_w; i++) w.dims[i] = 1;
    w.dims[axis_w - 1] = M;
    w.dims[axis_w] = K;
  }
  if (need_w) {
    shape_map_set(shapes, c2_opdef_input(op, 1), &w, 0);
    /* value: the fan-in (inputs per output), for generators that scale weights by it */
    shape_map_set(params, c2_opdef_input(op, 1), &w, (int64_t)(c2_shape_numel(&w) / (uint64_t)M));
  }
  if (need_b) {
    shape_map_set(shapes, c2_opdef_input(op, 2), &b, 0);
    shape_map_set(params, c2_opdef_input(op, 2), &b, 0);
  }
  return C2_OK;
}

c2_status zoo_walk(const c2_netdef *net, const c2_registry *reg, shape_map *shapes,
                   const shape_map *channels, bool make, shape_map *params, zoo_visit_fn visit,
                   void *ctx, c2_error *err) {
  for (size_t k = 0; k < c2_netdef_num_ops(net); k++) {
    const c2_opdef *op = c2_netdef_op(net, k);
    if (make) {
      c2_status st = make_params(op, shapes, channels, params, err);
      if (st) {
        c2_error_prefix(err, "op #%zu (%s): ", k, c2_opdef_type(op));
        return st;
      }
    }
    int n_in = (int)c2_opdef_num_inputs(op), n_out = (int)c2_opdef_num_outputs(op);
    c2_shape in[64], out[64];
    if (n_in > 64 || n_out > 64)
      return c2_error_set(err, C2_ERR_LIMIT, "op #%zu has more than 64 inputs or outputs", k);
    for (int i = 0; i < n_in; i++) {
      const c2_shape *s = get(shapes, c2_opdef_input(op, i));
      in[i] = s ? *s : (c2_shape){.unknown = true};
    }
    const c2_schema *schema = c2_registry_schema(reg, c2_opdef_type(op));
    c2_cost cost = {0};
    bool cost_ok = false;
    for (int i = 0; i < n_out; i++) out[i] = (c2_shape){.unknown = true};
    if (schema) {
      c2_status st = c2_schema_infer_shapes(schema, op, n_in, in, n_out, out, err);
      if (st) {
        c2_error_prefix(err, "op #%zu (%s): ", k, c2_opdef_type(op));
        return st;
      }
      bool all_known = true;
      for (int i = 0; i < n_in; i++) all_known = all_known && !in[i].unknown;
      cost_ok = all_known && c2_schema_infer_cost(schema, op, n_in, in, &cost, NULL) == C2_OK;
    }
    for (int i = 0; i < n_out; i++) {
      /* an op that runs in place keeps the blob's shape when it cannot infer one */
      if (out[i].unknown && get(shapes, c2_opdef_output(op, i))) continue;
      shape_map_set(shapes, c2_opdef_output(op, i), &out[i], 0);
    }
    if (visit) visit(ctx, k, op, n_in, in, n_out, out, &cost, cost_ok);
  }
  return C2_OK;
}
