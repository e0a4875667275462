/* NumPy .npy files: the header is a Python dict literal; only what numpy.save writes for plain
 * little-endian numeric arrays is accepted, and the data length must match the shape. */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/alloc.h"
#include "../core/tensor_impl.h"
#include "c2rt/loader.h"

static const struct {
  const char *descr;
  c2_dtype dtype;
} descrs[] = {
    {"<f4", C2_DTYPE_FLOAT}, {"<f8", C2_DTYPE_DOUBLE}, {"<i4", C2_DTYPE_INT32},
    {"<i8", C2_DTYPE_INT64}, {"|i1", C2_DTYPE_INT8},   {"<i2", C2_DTYPE_INT16},
    {"|u1", C2_DTYPE_UINT8}, {"<u2", C2_DTYPE_UINT16}, {"|b1", C2_DTYPE_BOOL},
    {"<f2", C2_DTYPE_FLOAT16},
};

static const char *dtype_descr(c2_dtype dtype) {
  for (size_t i = 0; i < sizeof descrs / sizeof *descrs; i++)
    if (descrs[i].dtype == dtype) return descrs[i].descr;
  return NULL;
}

/* Finds 'key': in the header and returns the position after the colon and spaces. */
static const char *find_key(const char *h, const char *key) {
  char quoted[32];
  snprintf(quoted, sizeof quoted, "'%s'", key);
  const char *p = strstr(h, quoted);
  if (!p) return NULL;
  p += strlen(quoted);
  while (*p == ' ') p++;
  if (*p != ':') return NULL;
  p++;
  while (*p == ' ') p++;
  return p;
}

static c2_status parse_header(const char *h, c2_dtype *dtype, int *ndim, int64_t *dims,
                              c2_error *err) {
  const char *p = find_key(h, "descr");
  if (!p || *p != '\'')
    return c2_error_set(err, C2_ERR_PARSE, ".npy header has no 'descr' string");
  const char *q = strchr(p + 1, '\'');
  if (!q) return c2_error_set(err, C2_ERR_PARSE, ".npy header: unterminated 'descr'");
  size_t dlen = (size_t)(q - p - 1);
  char descr[16] = {0};
  if (dlen >= sizeof descr) return c2_error_set(err, C2_ERR_UNSUPPORTED, ".npy dtype is not supported");
  memcpy(descr, p + 1, dlen);
  if (strcmp(descr, "=f4") == 0) descr[0] = '<';
  if (descr[0] == '<' && descr[2] == '1') descr[0] = '|'; /* '<u1' means the same as '|u1' */
  bool found = false;
  for (size_t i = 0; i < sizeof descrs / sizeof *descrs && !found; i++)
    if (strcmp(descrs[i].descr, descr) == 0) {
      *dtype = descrs[i].dtype;
      found = true;
    }
  if (!found)
    return c2_error_set(err, C2_ERR_UNSUPPORTED,
                        ".npy dtype '%s' is not supported (little-endian float16/32/64, "
                        "int8/16/32/64, uint8/16 and bool are)",
                        descr);
  p = find_key(h, "fortran_order");
  if (!p) return c2_error_set(err, C2_ERR_PARSE, ".npy header has no 'fortran_order'");
  if (strncmp(p, "True", 4) == 0)
    return c2_error_set(err, C2_ERR_UNSUPPORTED, ".npy array is in Fortran order; save it in C "
                        "order (numpy.ascontiguousarray)");
  if (strncmp(p, "False", 5) != 0)
    return c2_error_set(err, C2_ERR_PARSE, ".npy header: bad 'fortran_order' value");
  p = find_key(h, "shape");
  if (!p || *p != '(') return c2_error_set(err, C2_ERR_PARSE, ".npy header has no 'shape' tuple");
  p++;
  *ndim = 0;
  for (;;) {
    while (*p == ' ' || *p == ',') p++;
    if (*p == ')') break;
    if (!isdigit((unsigned char)*p))
      return c2_error_set(err, C2_ERR_PARSE, ".npy header: bad character in 'shape'");
    if (*ndim == C2_MAX_NDIM)
      return c2_error_set(err, C2_ERR_LIMIT, ".npy array has more than %d dims", C2_MAX_NDIM);
    errno = 0;
    char *end;
    long long v = strtoll(p, &end, 10);
    if (errno == ERANGE || v < 0)
      return c2_error_set(err, C2_ERR_LIMIT, ".npy header: dimension out of range");
    dims[(*ndim)++] = v;
    p = end;
    while (*p == 'L') p++; /* Python 2 longs */
  }
  return C2_OK;
}

c2_status c2_npy_parse(const uint8_t *b, size_t len, c2_tensor *out, c2_error *err) {
  static const uint8_t magic[6] = {0x93, 'N', 'U', 'M', 'P', 'Y'};
  if (len < 10 || memcmp(b, magic, 6) != 0)
    return c2_error_set(err, C2_ERR_PARSE, "not a .npy file (bad magic)");
  unsigned major = b[6];
  size_t hlen, start;
  if (major == 1) {
    hlen = (size_t)b[8] | (size_t)b[9] << 8;
    start = 10;
  } else if (major == 2 || major == 3) {
    if (len < 12) return c2_error_set(err, C2_ERR_PARSE, ".npy file is truncated");
    hlen = (size_t)b[8] | (size_t)b[9] << 8 | (size_t)b[10] << 16 | (size_t)b[11] << 24;
    start = 12;
  } else {
    return c2_error_set(err, C2_ERR_UNSUPPORTED, ".npy format version %u is not supported", major);
  }
  if (hlen > len - start) return c2_error_set(err, C2_ERR_PARSE, ".npy header is truncated");
  if (hlen > 1 << 20) return c2_error_set(err, C2_ERR_LIMIT, ".npy header is too large");
  char *header = c2__strndup((const char *)b + start, hlen);
  if (!header) return c2_error_set(err, C2_ERR_NOMEM, "out of memory reading a .npy header");
  c2_dtype dtype = C2_DTYPE_UNDEFINED;
  int ndim = 0;
  int64_t dims[C2_MAX_NDIM];
  c2_status st = strlen(header) == hlen ? parse_header(header, &dtype, &ndim, dims, err)
                                        : c2_error_set(err, C2_ERR_PARSE, ".npy header holds a NUL");
  c2__free(header);
  if (st) return st;
  int64_t numel;
  st = c2_dims_numel(ndim, dims, &numel, err);
  if (st) return st;
  size_t data_len = len - start - hlen;
  size_t esize = c2_dtype_size(dtype);
  if ((uint64_t)numel > data_len / esize || (uint64_t)numel * esize != data_len)
    return c2_error_set(err, C2_ERR_SHAPE,
                        ".npy shape holds %lld elements (%llu bytes) but the file has %zu data "
                        "bytes",
                        (long long)numel, (unsigned long long)numel * esize, data_len);
  st = c2_tensor_resize(out, dtype, ndim, dims, err);
  if (st) return st;
  if (out->nbytes) memcpy(out->data, b + start + hlen, out->nbytes);
  return C2_OK;
}

c2_status c2_npy_load_file(const char *path, c2_tensor *out, c2_error *err) {
  uint8_t *bytes;
  size_t len;
  c2_status st = c2_read_file(path, NULL, &bytes, &len, err);
  if (st) return st;
  st = c2_npy_parse(bytes, len, out, err);
  c2__free(bytes);
  if (st) c2_error_prefix(err, "%s: ", path);
  return st;
}

c2_status c2_npy_save_file(const char *path, const c2_tensor *t, c2_error *err) {
  const char *descr = dtype_descr(t->dtype);
  if (!descr)
    return c2_error_set(err, C2_ERR_UNSUPPORTED, "cannot save a %s tensor as .npy",
                        c2_dtype_name(t->dtype));
  char header[512];
  int n = snprintf(header, sizeof header, "{'descr': '%s', 'fortran_order': False, 'shape': (",
                   descr);
  for (int i = 0; i < t->ndim; i++)
    n += snprintf(header + n, sizeof header - (size_t)n, "%lld,%s", (long long)t->dims[i],
                  i + 1 < t->ndim ? " " : "");
  n += snprintf(header + n, sizeof header - (size_t)n, "), }");
  /* numpy pads the header with spaces so that the data starts on a 64-byte boundary. */
  size_t total = 10 + (size_t)n + 1;
  size_t padded = (total + 63) / 64 * 64;
  while ((size_t)n < padded - 10 - 1) header[n++] = ' ';
  header[n++] = '\n';
  uint8_t prefix[10] = {0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0, (uint8_t)(n & 0xff),
                        (uint8_t)(n >> 8)};
  FILE *f = fopen(path, "wb");
  if (!f) return c2_error_set(err, C2_ERR_IO, "cannot create '%s': %s", path, strerror(errno));
  bool ok = fwrite(prefix, 1, 10, f) == 10 && fwrite(header, 1, (size_t)n, f) == (size_t)n &&
            (t->nbytes == 0 || fwrite(t->data, 1, t->nbytes, f) == t->nbytes);
  if (fclose(f) != 0) ok = false;
  if (!ok) return c2_error_set(err, C2_ERR_IO, "error writing '%s'", path);
  return C2_OK;
}
