/* The streaming init-net reader against the general loader (c2_netdef_parse + c2_run_net_once)
 * on the same inputs: zoo-style nets, every encoding of `values`, every fill type, op errors,
 * and thousands of truncated or corrupted files. Both must give the same status, the same
 * message and, on success, the same blobs. */
#include <stdio.h>
#include <stdlib.h>
#include <fcntl.h>
#include <unistd.h>

#include "runtime/init_net_impl.h"
#include "test_util.h"

typedef struct buf {
  uint8_t *p;
  size_t n, cap;
} buf;

static void put(buf *b, const void *data, size_t n) {
  if (b->n + n > b->cap) {
    b->cap = (b->n + n) * 2 + 64;
    b->p = realloc(b->p, b->cap);
  }
  memcpy(b->p + b->n, data, n);
  b->n += n;
}
static void put_varint(buf *b, uint64_t v) {
  uint8_t t[10];
  size_t n = 0;
  while (v >= 0x80) {
    t[n++] = (uint8_t)(v | 0x80);
    v >>= 7;
  }
  t[n++] = (uint8_t)v;
  put(b, t, n);
}
static void put_key(buf *b, int field, int wt) { put_varint(b, (uint64_t)(field << 3 | wt)); }
static void put_bytes(buf *b, int field, const void *data, size_t n) {
  put_key(b, field, 2);
  put_varint(b, n);
  put(b, data, n);
}
static void put_str(buf *b, int field, const char *s) { put_bytes(b, field, s, strlen(s)); }
static void put_msg(buf *b, int field, buf *inner) {
  put_bytes(b, field, inner->p, inner->n);
  free(inner->p);
  *inner = (buf){0};
}

enum { UNPACKED, PACKED, MIXED, NAME_LAST };

/* Argument{name: "values", floats...} in one of the encodings. */
static void values_floats(buf *op, const float *v, size_t n, int how) {
  buf arg = {0};
  if (how != NAME_LAST) put_str(&arg, 1, "values");
  size_t half = how == MIXED ? n / 2 : (how == PACKED ? 0 : n);
  for (size_t i = 0; i < half; i++) {
    put_key(&arg, 5, 5);
    put(&arg, &v[i], 4);
  }
  if (half < n) put_bytes(&arg, 5, v + half, (n - half) * 4);
  if (how == NAME_LAST) put_str(&arg, 1, "values");
  put_msg(op, 5, &arg);
}

static void values_ints(buf *op, const int64_t *v, size_t n, bool packed) {
  buf arg = {0}, pk = {0};
  put_str(&arg, 1, "values");
  for (size_t i = 0; i < n; i++) {
    if (packed) {
      put_varint(&pk, (uint64_t)v[i]);
    } else {
      put_key(&arg, 6, 0);
      put_varint(&arg, (uint64_t)v[i]);
    }
  }
  if (packed) put_msg(&arg, 6, &pk);
  put_msg(op, 5, &arg);
}

static void ints_arg(buf *op, const char *name, const int64_t *v, size_t n) {
  buf arg = {0};
  put_str(&arg, 1, name);
  for (size_t i = 0; i < n; i++) {
    put_key(&arg, 6, 0);
    put_varint(&arg, (uint64_t)v[i]);
  }
  put_msg(op, 5, &arg);
}

static void int_arg(buf *op, const char *name, int64_t v) {
  buf arg = {0};
  put_str(&arg, 1, name);
  put_key(&arg, 3, 0);
  put_varint(&arg, (uint64_t)v);
  put_msg(op, 5, &arg);
}

/* The start of an op: output, name "", type, shape. */
static void op_head(buf *op, const char *output, const char *type, const int64_t *shape,
                    size_t ndim) {
  put_str(op, 2, output);
  put_str(op, 3, "");
  put_str(op, 4, type);
  if (shape) ints_arg(op, "shape", shape, ndim);
}

/* A zoo-like init net with every fill type and encoding. */
static buf zoo_net(test_rng *r, int variant) {
  buf net = {0}, op = {0};
  put_str(&net, 1, "test_init");
  float v[300];
  for (int i = 0; i < 300; i++) v[i] = (float)test_rng_normal(r);
  int64_t s1[] = {5, 3, 4, 5}, s2[] = {5}, s3[] = {2, 3}, s4[] = {3, 100};
  op_head(&op, "conv_w", "GivenTensorFill", s1, 4);
  values_floats(&op, v, 300, variant % 4);
  put_msg(&net, 2, &op);
  op_head(&op, "conv_b", "GivenTensorFill", s2, 1);
  values_floats(&op, v + 7, 5, (variant + 1) % 4);
  put_msg(&net, 2, &op);
  op_head(&op, "fc_w", "GivenTensorFill", s4, 2);
  values_floats(&op, v, 300, (variant + 2) % 4);
  put_msg(&net, 2, &op);
  int64_t iv[6] = {1, -2, 3, 0, 70000, -5};
  op_head(&op, "ids", "GivenTensorIntFill", s3, 2);
  values_ints(&op, iv, 6, variant & 1);
  put_msg(&net, 2, &op);
  op_head(&op, "ids64", "GivenTensorInt64Fill", s3, 2);
  values_ints(&op, iv, 6, !(variant & 1));
  put_msg(&net, 2, &op);
  op_head(&op, "flags", "GivenTensorBoolFill", s3, 2);
  values_ints(&op, iv, 6, false);
  put_msg(&net, 2, &op);
  op_head(&op, "dbl", "GivenTensorDoubleFill", s3, 2);
  values_floats(&op, v, 6, UNPACKED);
  put_msg(&net, 2, &op);
  /* through the general path: a dtype, and a fill whose shape comes from an input */
  op_head(&op, "as_double", "GivenTensorFill", s3, 2);
  int_arg(&op, "dtype", 13);
  values_floats(&op, v, 6, UNPACKED);
  put_msg(&net, 2, &op);
  put_str(&op, 1, "ids");
  op_head(&op, "like_ids", "GivenTensorFill", NULL, 0);
  values_floats(&op, v, 6, PACKED);
  put_msg(&net, 2, &op);
  /* data filled by the init net too, as the translator did */
  int64_t one[] = {1};
  op_head(&op, "data", "GivenTensorFill", one, 1);
  values_floats(&op, v, 1, UNPACKED);
  put_msg(&net, 2, &op);
  return net;
}

/* ---- comparing the two paths ---- */

typedef struct outcome {
  c2_status st;
  char message[C2_ERROR_MESSAGE_SIZE];
  c2_workspace *ws;
} outcome;

static outcome run_path(const buf *b, bool streaming) {
  outcome o = {0};
  c2_error err = {0};
  EXPECT_OK(c2_workspace_new(&o.ws, &err), &err);
  if (streaming) {
    o.st = c2_init_net_run(o.ws, b->p, b->n, NULL, NULL, &err);
  } else {
    c2_netdef *def;
    o.st = c2_netdef_parse(b->p, b->n, NULL, &def, &err);
    if (!o.st) {
      o.st = c2_run_net_once(o.ws, def, NULL, &err);
      c2_netdef_free(def);
    }
  }
  if (o.st) snprintf(o.message, sizeof o.message, "%s", err.message);
  return o;
}

static void expect_same_workspaces(c2_workspace *a, c2_workspace *b, const char *what) {
  const char **na, **nb;
  size_t ca, cb;
  c2_error err;
  EXPECT_OK(c2_workspace_blob_names(a, &na, &ca, &err), &err);
  EXPECT_OK(c2_workspace_blob_names(b, &nb, &cb, &err), &err);
  ck_assert_msg(ca == cb, "%s: %zu blobs vs %zu", what, ca, cb);
  for (size_t i = 0; i < ca; i++) {
    ck_assert_str_eq(na[i], nb[i]);
    const c2_tensor *x = c2_workspace_get_blob(a, na[i]), *y = c2_workspace_get_blob(b, nb[i]);
    ck_assert_msg(c2_tensor_dtype(x) == c2_tensor_dtype(y) && c2_tensor_same_shape(x, y) &&
                      c2_tensor_nbytes(x) == c2_tensor_nbytes(y),
                  "%s: blob %s differs in type or shape", what, na[i]);
    if (c2_tensor_nbytes(x))
      ck_assert_msg(memcmp(c2_tensor_data_const(x), c2_tensor_data_const(y), c2_tensor_nbytes(x)) == 0,
                    "%s: blob %s differs in value", what, na[i]);
  }
  c2_free(na);
  c2_free(nb);
}

/* Returns the status both gave. */
static c2_status expect_same(const buf *b, const char *what) {
  outcome s = run_path(b, true), g = run_path(b, false);
  ck_assert_msg(s.st == g.st, "%s: streaming %s (%s), general %s (%s)", what,
                c2_status_name(s.st), s.message, c2_status_name(g.st), g.message);
  ck_assert_msg(strcmp(s.message, g.message) == 0, "%s: messages differ:\n  %s\n  %s", what,
                s.message, g.message);
  if (!s.st) expect_same_workspaces(s.ws, g.ws, what);
  c2_workspace_free(s.ws);
  c2_workspace_free(g.ws);
  return s.st;
}

START_TEST(zoo_style_nets) {
  test_rng r = test_rng_make(1);
  for (int variant = 0; variant < 8; variant++) {
    buf net = zoo_net(&r, variant);
    char what[64];
    snprintf(what, sizeof what, "variant %d", variant);
    /* every fill but the one with a dtype streams (the input-shaped one too) */
    ck_assert_uint_eq(c2__init_net_streamed_ops(net.p, net.n), 9);
    ck_assert_int_eq(expect_same(&net, what), C2_OK);
    free(net.p);
  }
  /* the values really are there */
  buf net = zoo_net(&r, 0);
  outcome s = run_path(&net, true);
  ck_assert_int_eq(s.st, C2_OK);
  const c2_tensor *ids = c2_workspace_get_blob(s.ws, "ids");
  ck_assert_int_eq(c2_tensor_dtype(ids), C2_DTYPE_INT32);
  ck_assert_int_eq(((const int32_t *)c2_tensor_data_const(ids))[4], 70000);
  ck_assert_int_eq(c2_tensor_dim(c2_workspace_get_blob(s.ws, "conv_w"), 3), 5);
  c2_workspace_free(s.ws);
  free(net.p);
}
END_TEST

START_TEST(op_errors_match) {
  buf net = {0}, op = {0};
  float v[8] = {1, 2, 3, 4, 5, 6, 7, 8};
  int64_t s6[] = {2, 3}, big[] = {1, 1LL << 40};
  /* count mismatch, after a good op (which the general path also ran) */
  op_head(&op, "ok", "GivenTensorFill", s6, 2);
  values_floats(&op, v, 6, UNPACKED);
  put_msg(&net, 2, &op);
  op_head(&op, "short", "GivenTensorFill", s6, 2);
  values_floats(&op, v, 5, UNPACKED);
  put_msg(&net, 2, &op);
  ck_assert_int_eq(expect_same(&net, "count mismatch"), C2_ERR_SHAPE);
  free(net.p);
  net = (buf){0};
  op_head(&op, "ints", "GivenTensorIntFill", s6, 2);
  values_ints(&op, big, 2, false);
  put_msg(&net, 2, &op);
  expect_same(&net, "int32 range");
  free(net.p);
  net = (buf){0};
  op_head(&op, "ints", "GivenTensorIntFill", s6, 2);
  values_floats(&op, v, 6, UNPACKED); /* wrong field */
  put_msg(&net, 2, &op);
  ck_assert_int_eq(expect_same(&net, "wrong field"), C2_ERR_TYPE);
  free(net.p);
  net = (buf){0};
  op_head(&op, "x", "NoSuchOp", s6, 2);
  put_msg(&net, 2, &op);
  op_head(&op, "w", "GivenTensorFill", s6, 2);
  values_floats(&op, v, 6, UNPACKED);
  put_msg(&net, 2, &op);
  ck_assert_int_ne(expect_same(&net, "unknown op"), C2_OK);
  free(net.p);
  net = (buf){0};
  op_head(&op, "w", "GivenTensorFill", s6, 2); /* two values arguments */
  values_floats(&op, v, 6, UNPACKED);
  values_floats(&op, v, 6, PACKED);
  put_msg(&net, 2, &op);
  expect_same(&net, "duplicate values");
  free(net.p);
  net = (buf){0};
  op_head(&op, "w", "GivenTensorFill", s6, 2); /* a second "values" behind a NUL */
  values_floats(&op, v, 6, UNPACKED);
  buf arg = {0};
  put_bytes(&arg, 1, "values\0x", 8);
  for (int i = 0; i < 6; i++) {
    put_key(&arg, 5, 5);
    put(&arg, &v[7 - i], 4);
  }
  put_msg(&op, 5, &arg);
  put_msg(&net, 2, &op);
  expect_same(&net, "NUL in a name");
  free(net.p);
  net = (buf){0};
  op_head(&op, "w", "GivenTensorFill", s6, 2);
  values_floats(&op, v, 6, UNPACKED);
  put_str(&op, 3, "named"); /* fields after the values and a second name */
  put_str(&op, 4, "GivenTensorInt64Fill"); /* the last type wins */
  put_msg(&net, 2, &op);
  expect_same(&net, "late type");
  free(net.p);
}
END_TEST

/* Truncations and byte corruptions of a valid file. */
START_TEST(hostile_mutations) {
  test_rng r = test_rng_make(9);
  buf good = zoo_net(&r, 2);
  int ok = 0, failed = 0;
  for (size_t cut = 0; cut < good.n; cut += 1 + good.n / 400) {
    buf b = {.p = good.p, .n = cut};
    if (expect_same(&b, "truncated")) failed++;
    else ok++;
  }
  buf copy = {malloc(good.n), good.n, good.n};
  for (int k = 0; k < 1500; k++) {
    memcpy(copy.p, good.p, good.n);
    int flips = 1 + (int)test_rng_int(&r, 0, 2);
    for (int f = 0; f < flips; f++) {
      size_t at = (size_t)test_rng_int(&r, 0, (int64_t)good.n - 1);
      copy.p[at] = (uint8_t)test_rng_int(&r, 0, 255);
    }
    if (expect_same(&copy, "corrupted")) failed++;
    else ok++;
  }
  ck_assert(failed > 100 && ok > 10); /* both kinds were exercised */
  free(copy.p);
  free(good.p);
}
END_TEST

START_TEST(file_api) {
  test_rng r = test_rng_make(4);
  buf net = zoo_net(&r, 1);
  char path[] = "/tmp/c2rt-init-XXXXXX";
  int fd = mkstemp(path);
  ck_assert(fd >= 0);
  ck_assert(write(fd, net.p, net.n) == (ssize_t)net.n);
  close(fd);
  c2_workspace *ws;
  c2_error err;
  EXPECT_OK(c2_workspace_new(&ws, &err), &err);
  EXPECT_OK(c2_init_net_run_file(ws, path, NULL, NULL, &err), &err);
  outcome g = run_path(&net, false);
  expect_same_workspaces(ws, g.ws, "file");
  c2_workspace_free(g.ws);
  c2_load_limits small = c2_load_limits_default();
  small.max_file_bytes = net.n - 1;
  EXPECT_STATUS(c2_init_net_run_file(ws, path, NULL, &small, &err), C2_ERR_LIMIT, &err,
                "larger than the limit");
  fd = open(path, O_WRONLY | O_TRUNC);
  close(fd);
  EXPECT_OK(c2_init_net_run_file(ws, path, NULL, NULL, &err), &err); /* empty: no ops */
  unlink(path);
  EXPECT_STATUS(c2_init_net_run_file(ws, path, NULL, NULL, &err), C2_ERR_IO, &err, path);
  c2_workspace_free(ws);
  free(net.p);
}
END_TEST

int main(void) {
  Suite *s = suite_create("init_net");
  TCase *tc = tcase_create("init_net");
  tcase_set_timeout(tc, 300);
  tcase_add_test(tc, zoo_style_nets);
  tcase_add_test(tc, op_errors_match);
  tcase_add_test(tc, hostile_mutations);
  tcase_add_test(tc, file_api);
  suite_add_tcase(s, tc);
  return test_run_suite(s);
}
