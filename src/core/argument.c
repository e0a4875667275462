#include <limits.h>
#include <string.h>

#include "alloc.h"
#include "hash.h"
#include "c2rt/argument.h"
#include "c2rt/caffe2.pb-c.h"

static const Caffe2__Argument *find_arg(const c2_opdef *op, const char *name) {
  for (size_t i = 0; i < op->n_arg; i++)
    if (op->arg[i]->name && strcmp(op->arg[i]->name, name) == 0) return op->arg[i];
  return NULL;
}

bool c2_arg_has(const c2_opdef *op, const char *name) { return find_arg(op, name) != NULL; }

/* What the argument actually holds, for messages: "an int (field i)". */
static const char *stored_as(const Caffe2__Argument *a) {
  if (a->has_f) return "a float (field f)";
  if (a->has_i) return "an int (field i)";
  if (a->has_s) return "a string (field s)";
  if (a->n_floats) return "a list of floats (field floats)";
  if (a->n_ints) return "a list of ints (field ints)";
  if (a->n_strings) return "a list of strings (field strings)";
  if (a->n) return "a net (field n)";
  if (a->n_nets) return "a list of nets (field nets)";
  if (a->t) return "a tensor (field t)";
  if (a->n_tensors) return "a list of tensors (field tensors)";
  return "no value";
}

static c2_status wrong_field(const Caffe2__Argument *a, const char *want, c2_error *err) {
  return c2_error_set(err, C2_ERR_TYPE, "argument '%s' must be %s, but it is stored as %s",
                      a->name, want, stored_as(a));
}

c2_status c2_arg_get_int(const c2_opdef *op, const char *name, int64_t dflt, int64_t *out,
                         c2_error *err) {
  const Caffe2__Argument *a = find_arg(op, name);
  if (!a) {
    *out = dflt;
    return C2_OK;
  }
  if (!a->has_i) return wrong_field(a, "an int (field i)", err);
  *out = a->i;
  return C2_OK;
}

c2_status c2_arg_get_int32(const c2_opdef *op, const char *name, int dflt, int *out,
                           c2_error *err) {
  int64_t v;
  c2_status st = c2_arg_get_int(op, name, dflt, &v, err);
  if (st) return st;
  if (v < INT_MIN || v > INT_MAX)
    return c2_error_set(err, C2_ERR_INVALID_ARGUMENT,
                        "value %lld of argument '%s' cannot be represented as a 32-bit int",
                        (long long)v, name);
  *out = (int)v;
  return C2_OK;
}

c2_status c2_arg_get_bool(const c2_opdef *op, const char *name, bool dflt, bool *out,
                          c2_error *err) {
  int64_t v;
  c2_status st = c2_arg_get_int(op, name, dflt ? 1 : 0, &v, err);
  if (st) return st;
  *out = v != 0;
  return C2_OK;
}

c2_status c2_arg_get_float(const c2_opdef *op, const char *name, float dflt, float *out,
                           c2_error *err) {
  const Caffe2__Argument *a = find_arg(op, name);
  if (!a) {
    *out = dflt;
    return C2_OK;
  }
  if (!a->has_f) return wrong_field(a, "a float (field f)", err);
  *out = a->f;
  return C2_OK;
}

c2_status c2_arg_get_bytes(const c2_opdef *op, const char *name, const uint8_t **data,
                           size_t *len, c2_error *err) {
  const Caffe2__Argument *a = find_arg(op, name);
  *data = NULL;
  *len = 0;
  if (!a) return C2_OK;
  if (!a->has_s) return wrong_field(a, "a string (field s)", err);
  *data = a->s.data;
  *len = a->s.len;
  return C2_OK;
}

c2_status c2_arg_get_string(const c2_opdef *op, const char *name, const char *dflt, char *buf,
                            size_t size, c2_error *err) {
  const uint8_t *data;
  size_t len;
  c2_status st = c2_arg_get_bytes(op, name, &data, &len, err);
  if (st) return st;
  if (!find_arg(op, name)) {
    data = (const uint8_t *)dflt;
    len = dflt ? strlen(dflt) : 0;
  }
  if (len && memchr(data, '\0', len))
    return c2_error_set(err, C2_ERR_INVALID_ARGUMENT, "argument '%s' holds a NUL byte", name);
  if (len >= size)
    return c2_error_set(err, C2_ERR_INVALID_ARGUMENT,
                        "argument '%s' is %zu bytes long, more than the %zu this op accepts", name,
                        len, size ? size - 1 : 0);
  if (len) memcpy(buf, data, len);
  buf[len] = '\0';
  return C2_OK;
}

c2_status c2_arg_get_ints(const c2_opdef *op, const char *name, const int64_t **values, size_t *n,
                          c2_error *err) {
  const Caffe2__Argument *a = find_arg(op, name);
  *values = NULL;
  *n = 0;
  if (!a) return C2_OK;
  if (!a->n_ints && (a->has_f || a->has_i || a->has_s || a->n_floats || a->n_strings || a->n ||
                     a->n_nets || a->t || a->n_tensors))
    return wrong_field(a, "a list of ints (field ints)", err);
  *values = a->ints;
  *n = a->n_ints;
  return C2_OK;
}

c2_status c2_arg_get_floats(const c2_opdef *op, const char *name, const float **values, size_t *n,
                            c2_error *err) {
  const Caffe2__Argument *a = find_arg(op, name);
  *values = NULL;
  *n = 0;
  if (!a) return C2_OK;
  if (!a->n_floats && (a->has_f || a->has_i || a->has_s || a->n_ints || a->n_strings || a->n ||
                       a->n_nets || a->t || a->n_tensors))
    return wrong_field(a, "a list of floats (field floats)", err);
  *values = a->floats;
  *n = a->n_floats;
  return C2_OK;
}

/* 1 when a and b encode to the same bytes, 0 when not, -1 when out of memory. */
static int same_arg(const Caffe2__Argument *a, const Caffe2__Argument *b) {
  size_t la = protobuf_c_message_get_packed_size(&a->base);
  size_t lb = protobuf_c_message_get_packed_size(&b->base);
  if (la != lb) return 0;
  uint8_t small_a[256], small_b[256];
  uint8_t *pa = small_a, *pb = small_b;
  if (la > sizeof small_a) { /* rare: long lists repeated under one name */
    pa = c2__malloc(la);
    pb = c2__malloc(la);
    if (!pa || !pb) {
      c2__free(pa);
      c2__free(pb);
      return -1;
    }
  }
  protobuf_c_message_pack(&a->base, pa);
  protobuf_c_message_pack(&b->base, pb);
  int same = memcmp(pa, pb, la) == 0;
  if (pa != small_a) {
    c2__free(pa);
    c2__free(pb);
  }
  return same;
}

/* Argument names seen so far, hashed: a hostile op with n arguments made the pairwise check
 * cost n^2 / 2 compares (60,000 arguments: 13 s). */
typedef struct arg_entry {
  const Caffe2__Argument *arg;
  UT_hash_handle hh;
} arg_entry;

static c2_status check_unique(const c2_opdef *op, arg_entry *pool, arg_entry **seen,
                              c2_error *err) {
  for (size_t i = 0; i < op->n_arg; i++) {
    const Caffe2__Argument *a = op->arg[i];
    if (!a->name) return c2_error_set(err, C2_ERR_INVALID_ARGUMENT, "argument #%zu has no name", i);
    arg_entry *first = NULL;
    HASH_FIND_STR(*seen, a->name, first);
    if (!first) {
      pool[i].arg = a;
      int c2__hash_oom = 0;
      HASH_ADD_KEYPTR(hh, *seen, a->name, strlen(a->name), &pool[i]);
      if (c2__hash_oom) return c2_error_set(err, C2_ERR_NOMEM, "out of memory checking arguments");
      continue;
    }
    int same = same_arg(a, first->arg);
    if (same < 0)
      return c2_error_set(err, C2_ERR_NOMEM, "out of memory comparing arguments '%s'", a->name);
    if (!same)
      return c2_error_set(err, C2_ERR_INVALID_ARGUMENT,
                          "found argument of the same name '%s' but with different contents",
                          a->name);
  }
  return C2_OK;
}

c2_status c2_args_check_unique(const c2_opdef *op, c2_error *err) {
  if (op->n_arg < 2) {
    if (op->n_arg == 1 && !op->arg[0]->name)
      return c2_error_set(err, C2_ERR_INVALID_ARGUMENT, "argument #0 has no name");
    return C2_OK;
  }
  arg_entry *pool = c2__calloc(op->n_arg, sizeof *pool), *seen = NULL;
  if (!pool) return c2_error_set(err, C2_ERR_NOMEM, "out of memory checking arguments");
  c2_status st = check_unique(op, pool, &seen, err);
  HASH_CLEAR(hh, seen);
  c2__free(pool);
  return st;
}
