/* Files and wire bytes -> NetDef / OperatorDef. Input is hostile: its size is capped, and the
 * parser allocates from a budget proportional to the input, so a blow-up fails cleanly. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "../core/alloc.h"
#include "../core/def_impl.h"
#include "c2rt/caffe2.pb-c.h"
#include "c2rt/def.h"
#include "c2rt/loader.h"
#include "loader_impl.h"

/* Why these values: see c2_load_limits in loader.h; the measurements are in README.md. */
c2_load_limits c2_load_limits_default(void) {
  c2_load_limits l = {
      .max_file_bytes = 1ull << 30,
      .max_depth = 100,
      .alloc_per_byte = 16,
      .alloc_slack = 16ull << 20,
      .max_tensor_bytes = 4ull << 30,
      .max_string_bytes = 1ull << 20,
  };
  return l;
}

const c2_load_limits *c2__limits_or_default(const c2_load_limits *limits, c2_load_limits *store) {
  if (limits) return limits;
  *store = c2_load_limits_default();
  return store;
}

static c2_status too_large(const char *path, const c2_load_limits *limits, c2_error *err) {
  return c2_error_set(err, C2_ERR_LIMIT,
                      "'%s' is larger than the limit of %llu bytes (c2_load_limits.max_file_bytes)",
                      path, (unsigned long long)limits->max_file_bytes);
}

c2_status c2_read_file(const char *path, const c2_load_limits *limits, uint8_t **bytes,
                       size_t *len, c2_error *err) {
  c2_load_limits store;
  limits = c2__limits_or_default(limits, &store);
  /* Reading one byte past the limit tells "at the limit" from "over it". */
  size_t over = limits->max_file_bytes >= SIZE_MAX - 1 ? SIZE_MAX - 1
                                                       : (size_t)limits->max_file_bytes + 1;
  FILE *f = fopen(path, "rb");
  if (!f) return c2_error_set(err, C2_ERR_IO, "cannot open '%s': %s", path, strerror(errno));
  /* A regular file's size is known up front: refuse a large one before reading it, and read
   * the others (pipes, devices) in growing chunks. */
  struct stat info;
  size_t cap = 1 << 16;
  if (fstat(fileno(f), &info) == 0 && S_ISREG(info.st_mode)) {
    if ((uint64_t)info.st_size > limits->max_file_bytes) {
      fclose(f);
      return too_large(path, limits, err);
    }
    cap = (size_t)info.st_size + 1;
  }
  if (cap > over) cap = over;
  size_t used = 0;
  uint8_t *buf = c2__malloc(cap);
  c2_status st = buf ? C2_OK : c2_error_set(err, C2_ERR_NOMEM, "out of memory reading '%s'", path);
  while (!st) {
    if (used == cap) {
      if (cap >= over) break;
      size_t next = cap > over / 2 ? over : cap * 2;
      uint8_t *grown = c2__realloc(buf, next);
      if (!grown) {
        st = c2_error_set(err, C2_ERR_NOMEM, "out of memory reading '%s'", path);
        break;
      }
      buf = grown;
      cap = next;
    }
    size_t n = fread(buf + used, 1, cap - used, f);
    used += n;
    if (n == 0) {
      if (ferror(f)) st = c2_error_set(err, C2_ERR_IO, "error reading '%s'", path);
      break;
    }
  }
  fclose(f);
  if (!st && used > limits->max_file_bytes) st = too_large(path, limits, err);
  if (st) {
    c2__free(buf);
    return st;
  }
  *bytes = buf;
  *len = used;
  return C2_OK;
}

/* ---- parsing with an allocation budget ---- */

/* Counts every byte protobuf-c asks for; frees are not refunded (free() does not tell the size),
 * so the budget bounds the total requested, which bounds the peak. */
typedef struct budget {
  uint64_t left;
  bool exceeded; /* a request was over the budget */
  bool nomem;    /* the system allocator failed */
} budget;

static void *budget_alloc(void *data, size_t size) {
  budget *b = data;
  if (size > b->left) {
    b->exceeded = true;
    return NULL;
  }
  b->left -= size;
  void *p = c2__malloc(size);
  if (!p) b->nomem = true;
  return p;
}

static void budget_free(void *data, void *ptr) {
  (void)data;
  c2__free(ptr);
}

static uint64_t allowance_for(size_t len, const c2_load_limits *limits) {
  if (limits->alloc_per_byte && len > (UINT64_MAX - limits->alloc_slack) / limits->alloc_per_byte)
    return UINT64_MAX;
  return limits->alloc_slack + (uint64_t)len * limits->alloc_per_byte;
}

c2_status c2__unpack(const ProtobufCMessageDescriptor *desc, const uint8_t *bytes, size_t len,
                     const c2_load_limits *limits, ProtobufCMessage **out, c2_error *err) {
  c2_load_limits store;
  limits = c2__limits_or_default(limits, &store);
  const char *what = desc->short_name;
  if (len > limits->max_file_bytes)
    return c2_error_set(err, C2_ERR_LIMIT, "%s of %zu bytes is larger than the limit of %llu",
                        what, len, (unsigned long long)limits->max_file_bytes);
  c2_status st = c2__wire_check(desc, bytes, len, limits, err);
  if (st) return st;
  uint64_t allowance = allowance_for(len, limits);
  budget b = {.left = allowance};
  ProtobufCAllocator alloc = {budget_alloc, budget_free, &b};
  ProtobufCMessage *msg = protobuf_c_message_unpack(desc, &alloc, len, bytes);
  if (!msg) {
    if (b.exceeded)
      return c2_error_set(err, C2_ERR_LIMIT,
                          "%s of %zu bytes needs more than the %llu bytes of memory allowed for "
                          "it (raise c2_load_limits.alloc_per_byte / alloc_slack)",
                          what, len, (unsigned long long)allowance);
    if (b.nomem)
      return c2_error_set(err, C2_ERR_NOMEM, "out of memory parsing a %s of %zu bytes", what,
                          len);
    /* The wire check should have caught it; protobuf-c gives no reason. */
    return c2_error_set(err, C2_ERR_PARSE, "%s: the bytes are not a valid %s message", what,
                        what);
  }
  st = c2__validate_message(msg, limits, err);
  if (st) {
    c2__message_free(msg);
    return st;
  }
  *out = msg;
  return C2_OK;
}

c2_status c2_netdef_parse(const uint8_t *bytes, size_t len, const c2_load_limits *limits,
                          c2_netdef **out, c2_error *err) {
  return c2__unpack(&caffe2__net_def__descriptor, bytes, len, limits, (ProtobufCMessage **)out,
                    err);
}

c2_status c2_opdef_parse(const uint8_t *bytes, size_t len, const c2_load_limits *limits,
                         c2_opdef **out, c2_error *err) {
  return c2__unpack(&caffe2__operator_def__descriptor, bytes, len, limits,
                    (ProtobufCMessage **)out, err);
}

c2_status c2_netdef_load_file(const char *path, const c2_load_limits *limits, c2_netdef **out,
                              c2_error *err) {
  uint8_t *bytes;
  size_t len;
  c2_status st = c2_read_file(path, limits, &bytes, &len, err);
  if (st) return st;
  st = c2_netdef_parse(bytes, len, limits, out, err);
  c2__free(bytes);
  if (st) c2_error_prefix(err, "%s: ", path);
  return st;
}

c2_status c2_netdef_save_file(const c2_netdef *net, const char *path, c2_error *err) {
  uint8_t *bytes;
  size_t len;
  c2_status st = c2_netdef_pack(net, &bytes, &len, err);
  if (st) return st;
  FILE *f = fopen(path, "wb");
  if (!f) {
    c2__free(bytes);
    return c2_error_set(err, C2_ERR_IO, "cannot create '%s': %s", path, strerror(errno));
  }
  size_t written = fwrite(bytes, 1, len, f);
  int closed = fclose(f);
  c2__free(bytes);
  if (written != len || closed != 0)
    return c2_error_set(err, C2_ERR_IO, "error writing '%s'", path);
  return C2_OK;
}
