/* Streaming init nets (see include/c2rt/init_net.h).
 *
 * 1. Scan the NetDef's wire bytes. For each op that is a GivenTensor*Fill with exactly one
 *    `values` argument holding only its name and the field the op reads (floats, or ints),
 *    remember where that argument lies and how many values it holds.
 * 2. Build a "skeleton" NetDef: the same bytes without those arguments, and parse it with the
 *    general guarded parser; create the net over ws, which runs every ordinary check.
 * 3. Run the ops in order; a remembered fill sets up its output with the op's own checks
 *    (c2__given_fill_prepare) and the values are decoded from the wire straight into it.
 * Whatever the scan does not understand sends the whole input through c2_netdef_parse +
 * c2_run_net_once, so unusual files give exactly the general loader's result. */
#define _GNU_SOURCE /* MADV_HUGEPAGE */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../core/alloc.h"
#include "../core/operator_impl.h"
#include "../ops/given_tensor_fill.h"
#include "c2rt/init_net.h"
#include "c2rt/net.h"
#include "init_net_impl.h"
#include "loader_impl.h"
#include "wire.h"

/* Linux maps the whole file at once with MAP_POPULATE (no fault per page). */
#ifdef MAP_POPULATE
#define MAP_POPULATE_IF_ANY MAP_POPULATE
#else
#define MAP_POPULATE_IF_ANY 0
#endif

enum { NETDEF_OP = 2, OPDEF_TYPE = 4, OPDEF_ARG = 5, ARG_NAME = 1, ARG_FLOATS = 5, ARG_INTS = 6 };

typedef struct fast_fill {
  size_t op_start, op_stop;   /* the OperatorDef message body */
  size_t arg_start, arg_stop; /* the whole `values` record (key, length, body) */
  size_t body_start, body_stop;
  bool floats;
  uint64_t count;
} fast_fill;

typedef enum scan_result { SCAN_OK, SCAN_GENERAL } scan_result;

static bool span_is(const uint8_t *b, size_t start, size_t stop, const char *s) {
  size_t n = strlen(s);
  return stop - start == n && memcmp(b + start, s, n) == 0;
}

/* An Argument body: its (last) name, and what it holds. kind: 0 nothing but the name,
 * 1 floats only, 2 ints only, 3 anything else. */
static scan_result scan_arg(const uint8_t *b, size_t start, size_t stop, size_t *name_start,
                            size_t *name_stop, int *kind, uint64_t *count) {
  size_t pos = start;
  *name_start = *name_stop = 0;
  *kind = 0;
  *count = 0;
  bool has_floats = false, has_ints = false, other = false;
  while (pos < stop) {
    /* the common case first: a run of unpacked floats, tag 0x2D + 4 bytes each */
    if (b[pos] == 0x2D) {
      size_t run = 0;
      while (stop - pos >= 5 && b[pos] == 0x2D) {
        pos += 5;
        run++;
      }
      if (run) {
        has_floats = true;
        *count += run;
        continue;
      }
    }
    wire_field f;
    if (!wire_next(b, stop, &pos, &f)) return SCAN_GENERAL;
    if (f.number == ARG_NAME) {
      if (f.type != WIRE_LEN) return SCAN_GENERAL;
      *name_start = f.start;
      *name_stop = f.stop;
    } else if (f.number == ARG_FLOATS) {
      if (f.type == WIRE_I32) {
        *count += 1;
      } else if (f.type == WIRE_LEN) {
        if ((f.stop - f.start) % 4) return SCAN_GENERAL;
        *count += (f.stop - f.start) / 4;
      } else {
        return SCAN_GENERAL;
      }
      has_floats = true;
    } else if (f.number == ARG_INTS) {
      if (f.type == WIRE_VARINT) {
        *count += 1;
      } else if (f.type == WIRE_LEN) {
        size_t p = f.start;
        uint64_t v;
        while (p < f.stop) {
          if (!wire_varint(b, f.stop, &p, &v)) return SCAN_GENERAL;
          *count += 1;
        }
      } else {
        return SCAN_GENERAL;
      }
      has_ints = true;
    } else {
      other = true;
    }
  }
  *kind = other || (has_floats && has_ints) ? 3 : has_floats ? 1 : has_ints ? 2 : 0;
  return SCAN_OK;
}

/* An OperatorDef body: is it a fill to stream? */
static scan_result scan_op(const uint8_t *b, size_t start, size_t stop, fast_fill *ff,
                           bool *fast) {
  size_t pos = start, type_start = 0, type_stop = 0;
  int n_values = 0;
  bool has_dtype = false;
  *fast = false;
  memset(ff, 0, sizeof *ff);
  while (pos < stop) {
    size_t rec = pos;
    wire_field f;
    if (!wire_next(b, stop, &pos, &f)) return SCAN_GENERAL;
    /* names holding a NUL read differently as C strings: leave them to the general loader */
    if (f.number == OPDEF_TYPE && f.type == WIRE_LEN && memchr(b + f.start, 0, f.stop - f.start))
      return SCAN_GENERAL;
    if (f.number == OPDEF_TYPE) {
      if (f.type != WIRE_LEN) return SCAN_GENERAL;
      type_start = f.start;
      type_stop = f.stop;
    } else if (f.number == OPDEF_ARG) {
      if (f.type != WIRE_LEN) return SCAN_GENERAL;
      size_t ns, ne;
      int kind;
      uint64_t count;
      if (scan_arg(b, f.start, f.stop, &ns, &ne, &kind, &count) != SCAN_OK) return SCAN_GENERAL;
      if (memchr(b + ns, 0, ne - ns)) return SCAN_GENERAL;
      if (span_is(b, ns, ne, "dtype")) has_dtype = true;
      if (!span_is(b, ns, ne, "values")) continue;
      n_values++;
      ff->arg_start = rec;
      ff->arg_stop = pos;
      ff->body_start = f.start;
      ff->body_stop = f.stop;
      ff->count = count;
      ff->floats = kind == 1;
      if (kind != 1 && kind != 2) n_values = 99; /* empty or mixed: not worth streaming */
    }
  }
  char type[32] = "";
  if (type_stop - type_start < sizeof type) memcpy(type, b + type_start, type_stop - type_start);
  bool reads_floats;
  if (n_values == 1 && c2__given_fill_type(type, &reads_floats) && reads_floats == ff->floats &&
      !(has_dtype && strcmp(type, "GivenTensorFill") == 0)) {
    ff->op_start = start;
    ff->op_stop = stop;
    *fast = true;
  }
  return SCAN_OK;
}

typedef struct plan {
  fast_fill *fills; /* indexed by op position; count == 0 and op_stop == 0 when not streamed */
  size_t n_ops, cap;
  size_t n_fast;
  uint64_t decoded_bytes;
  uint8_t *skeleton;
  size_t skeleton_len;
} plan;

static void plan_free(plan *p) {
  c2__free(p->fills);
  c2__free(p->skeleton);
}

static c2_status scan_net(const uint8_t *b, size_t len, plan *p, scan_result *res,
                          c2_error *err) {
  size_t pos = 0;
  *res = SCAN_GENERAL;
  while (pos < len) {
    wire_field f;
    if (!wire_next(b, len, &pos, &f)) return C2_OK;
    if (f.number != NETDEF_OP) continue;
    if (f.type != WIRE_LEN) return C2_OK;
    if (p->n_ops == p->cap) {
      size_t cap = p->cap ? p->cap * 2 : 64;
      fast_fill *grown = c2__realloc(p->fills, cap * sizeof *grown);
      if (!grown) return c2_error_set(err, C2_ERR_NOMEM, "out of memory scanning an init net");
      p->fills = grown;
      p->cap = cap;
    }
    bool fast;
    fast_fill *ff = &p->fills[p->n_ops++];
    if (scan_op(b, f.start, f.stop, ff, &fast) != SCAN_OK) return C2_OK;
    if (!fast) {
      memset(ff, 0, sizeof *ff);
      continue;
    }
    p->n_fast++;
    p->decoded_bytes += ff->count * (ff->floats ? 4u : 8u);
  }
  *res = SCAN_OK;
  return C2_OK;
}

/* The NetDef without the streamed `values` arguments. */
static c2_status build_skeleton(const uint8_t *b, size_t len, plan *p, c2_error *err) {
  p->skeleton = c2__malloc(len ? len : 1);
  if (!p->skeleton) return c2_error_set(err, C2_ERR_NOMEM, "out of memory reading an init net");
  uint8_t *out = p->skeleton;
  size_t pos = 0, k = 0, o = 0;
  while (pos < len) {
    size_t rec = pos;
    wire_field f;
    if (!wire_next(b, len, &pos, &f))
      return c2_error_set(err, C2_ERR_INTERNAL, "init net changed between two scans");
    const fast_fill *ff = f.number == NETDEF_OP ? &p->fills[k++] : NULL;
    if (!ff || !ff->op_stop) {
      memcpy(out + o, b + rec, pos - rec);
      o += pos - rec;
      continue;
    }
    size_t body = (ff->op_stop - ff->op_start) - (ff->arg_stop - ff->arg_start);
    o += wire_put_varint(out + o, (NETDEF_OP << 3) | WIRE_LEN);
    o += wire_put_varint(out + o, body);
    memcpy(out + o, b + ff->op_start, ff->arg_start - ff->op_start);
    o += ff->arg_start - ff->op_start;
    memcpy(out + o, b + ff->arg_stop, ff->op_stop - ff->arg_stop);
    o += ff->op_stop - ff->arg_stop;
  }
  p->skeleton_len = o;
  return C2_OK;
}

static inline float load_f32(const uint8_t *q) {
  uint32_t u = (uint32_t)q[0] | (uint32_t)q[1] << 8 | (uint32_t)q[2] << 16 | (uint32_t)q[3] << 24;
  float v;
  memcpy(&v, &u, sizeof v);
  return v;
}

/* Decodes a scanned `values` body into data (count values of dtype). */
static c2_status decode_values(const uint8_t *b, const fast_fill *ff, c2_dtype dtype, void *data,
                               c2_error *err) {
  size_t pos = ff->body_start, stop = ff->body_stop, i = 0;
  float *fdst = dtype == C2_DTYPE_FLOAT ? data : NULL;
  while (pos < stop) {
    if (fdst && b[pos] == 0x2D) {
      while (stop - pos >= 5 && b[pos] == 0x2D) {
        fdst[i++] = load_f32(b + pos + 1);
        pos += 5;
      }
      continue;
    }
    wire_field f;
    if (!wire_next(b, stop, &pos, &f))
      return c2_error_set(err, C2_ERR_INTERNAL, "init net changed between two scans");
    if (f.number == ARG_FLOATS && f.type == WIRE_I32) {
      c2__given_fill_store_float(dtype, data, i++, load_f32(b + f.start));
    } else if (f.number == ARG_FLOATS) {
      for (size_t q = f.start; q < f.stop; q += 4)
        c2__given_fill_store_float(dtype, data, i++, load_f32(b + q));
    } else if (f.number == ARG_INTS && f.type == WIRE_VARINT) {
      c2_status st = c2__given_fill_store_int(dtype, data, i++, (int64_t)f.varint, err);
      if (st) return st;
    } else if (f.number == ARG_INTS) {
      size_t q = f.start;
      uint64_t v;
      while (q < f.stop && wire_varint(b, f.stop, &q, &v)) {
        c2_status st = c2__given_fill_store_int(dtype, data, i++, (int64_t)v, err);
        if (st) return st;
      }
    }
  }
  return C2_OK;
}

/* A large parameter is written once, start to end, right after it is allocated: transparent
 * huge pages (where the kernel offers them on request) save most of the page faults, which are
 * half of the load time otherwise. Advisory only. */
static void advise_huge(void *data, size_t bytes) {
#ifdef MADV_HUGEPAGE
  const uintptr_t huge = (uintptr_t)2 << 20;
  uintptr_t start = ((uintptr_t)data + huge - 1) & ~(huge - 1);
  uintptr_t end = ((uintptr_t)data + bytes) & ~(huge - 1);
  if (end > start) madvise((void *)start, end - start, MADV_HUGEPAGE);
#else
  (void)data;
  (void)bytes;
#endif
}

static c2_status run_general(c2_workspace *ws, const uint8_t *bytes, size_t len,
                             const c2_registry *reg, const c2_load_limits *limits,
                             c2_error *err) {
  c2_netdef *def;
  c2_status st = c2_netdef_parse(bytes, len, limits, &def, err);
  if (st) return st;
  st = c2_run_net_once(ws, def, reg, err);
  c2_netdef_free(def);
  return st;
}

static c2_status run_plan(c2_workspace *ws, const uint8_t *bytes, const plan *p,
                          const c2_netdef *def, const c2_registry *reg, c2_error *err) {
  c2_net *net;
  c2_status st = c2_net_new(ws, def, reg, &net, err);
  if (st) return st;
  for (size_t k = 0; k < c2_net_num_ops(net) && !st; k++) {
    c2_operator *op = c2_net_op(net, k);
    const fast_fill *ff = k < p->n_ops ? &p->fills[k] : NULL;
    if (ff && ff->op_stop) {
      void *data;
      c2_dtype dtype;
      st = c2__given_fill_prepare(op, (size_t)ff->count, &data, &dtype, err);
      if (!st) advise_huge(data, (size_t)ff->count * c2_dtype_size(dtype));
      if (!st) st = decode_values(bytes, ff, dtype, data, err);
    } else {
      st = c2__operator_run(op, err);
    }
    if (st) c2_error_prefix(err, "op #%zu (%s): ", k, c2_op_type(op));
  }
  c2_net_free(net);
  return st;
}

size_t c2__init_net_streamed_ops(const uint8_t *bytes, size_t len) {
  plan p = {0};
  scan_result res;
  size_t n = !scan_net(bytes, len, &p, &res, NULL) && res == SCAN_OK ? p.n_fast : 0;
  plan_free(&p);
  return n;
}

c2_status c2_init_net_run(c2_workspace *ws, const uint8_t *bytes, size_t len,
                          const c2_registry *reg, const c2_load_limits *limits, c2_error *err) {
  c2_load_limits store;
  limits = c2__limits_or_default(limits, &store);
  if (len > limits->max_file_bytes)
    return run_general(ws, bytes, len, reg, limits, err); /* which reports the limit */
  plan p = {0};
  scan_result res;
  c2_status st = scan_net(bytes, len, &p, &res, err);
  uint64_t allowance = limits->alloc_slack;
  allowance += limits->alloc_per_byte && len > (UINT64_MAX - allowance) / limits->alloc_per_byte
                   ? UINT64_MAX - allowance
                   : (uint64_t)len * limits->alloc_per_byte;
  if (!st && (res != SCAN_OK || p.n_fast == 0 || p.decoded_bytes > allowance)) {
    plan_free(&p);
    return run_general(ws, bytes, len, reg, limits, err);
  }
  if (!st) st = build_skeleton(bytes, len, &p, err);
  c2_netdef *def = NULL;
  if (!st) {
    c2_error parse_err;
    if (c2_netdef_parse(p.skeleton, p.skeleton_len, limits, &def, &parse_err)) {
      /* the general parser will name the problem in the original bytes */
      plan_free(&p);
      return run_general(ws, bytes, len, reg, limits, err);
    }
  }
  if (!st) st = run_plan(ws, bytes, &p, def, reg, err);
  c2_netdef_free(def);
  plan_free(&p);
  return st;
}

c2_status c2_init_net_run_file(c2_workspace *ws, const char *path, const c2_registry *reg,
                               const c2_load_limits *limits, c2_error *err) {
  c2_load_limits store;
  limits = c2__limits_or_default(limits, &store);
  int fd = open(path, O_RDONLY);
  if (fd < 0) return c2_error_set(err, C2_ERR_IO, "cannot open '%s': %s", path, strerror(errno));
  struct stat sb;
  void *map = MAP_FAILED;
  size_t len = 0;
  if (fstat(fd, &sb) == 0 && S_ISREG(sb.st_mode) && sb.st_size > 0) {
    if ((uint64_t)sb.st_size > limits->max_file_bytes) {
      close(fd);
      return c2_error_set(err, C2_ERR_LIMIT, "'%s' is larger than the limit of %llu bytes", path,
                          (unsigned long long)limits->max_file_bytes);
    }
    len = (size_t)sb.st_size;
    map = mmap(NULL, len, PROT_READ, MAP_PRIVATE | MAP_POPULATE_IF_ANY, fd, 0);
    if (map != MAP_FAILED) posix_madvise(map, len, POSIX_MADV_SEQUENTIAL);
  }
  close(fd);
  c2_status st;
  if (map != MAP_FAILED) {
    st = c2_init_net_run(ws, map, len, reg, limits, err);
    munmap(map, len);
  } else { /* not a regular file (a pipe) or empty: read it */
    uint8_t *bytes;
    st = c2_read_file(path, limits, &bytes, &len, err);
    if (!st) {
      st = c2_init_net_run(ws, bytes, len, reg, limits, err);
      c2_free(bytes);
    }
  }
  if (st) c2_error_prefix(err, "%s: ", path);
  return st;
}
