/* Protobuf wire-format primitives (varints, keys, field skipping) for the code that reads wire
 * bytes directly: the streaming init-net reader. Everything is bounds-checked: a read never
 * passes `end`. */
#ifndef C2_RUNTIME_WIRE_H
#define C2_RUNTIME_WIRE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum { WIRE_VARINT = 0, WIRE_I64 = 1, WIRE_LEN = 2, WIRE_I32 = 5 };

/* Reads a varint at *pos (< end); false when truncated or longer than 10 bytes. */
static inline bool wire_varint(const uint8_t *b, size_t end, size_t *pos, uint64_t *value) {
  uint64_t v = 0;
  for (int shift = 0; shift < 70; shift += 7) {
    if (*pos >= end) return false;
    uint8_t byte = b[(*pos)++];
    if (shift == 63 && byte > 1) return false;
    v |= (uint64_t)(byte & 0x7f) << shift;
    if (!(byte & 0x80)) {
      *value = v;
      return true;
    }
  }
  return false;
}

/* One field: its number, wire type, and where its payload lies ([*start, *stop) for LEN,
 * I32 and I64; the varint's value for VARINT). False when malformed or truncated. */
typedef struct wire_field {
  uint64_t number;
  unsigned type;
  size_t start, stop; /* payload (for LEN: after the length) */
  uint64_t varint;
} wire_field;

static inline bool wire_next(const uint8_t *b, size_t end, size_t *pos, wire_field *f) {
  uint64_t key;
  if (!wire_varint(b, end, pos, &key)) return false;
  f->number = key >> 3;
  f->type = (unsigned)(key & 7);
  if (f->number == 0 || f->number > 536870911u) return false;
  uint64_t n;
  switch (f->type) {
    case WIRE_VARINT:
      f->start = *pos;
      if (!wire_varint(b, end, pos, &f->varint)) return false;
      f->stop = *pos;
      return true;
    case WIRE_I64: n = 8; break;
    case WIRE_I32: n = 4; break;
    case WIRE_LEN:
      if (!wire_varint(b, end, pos, &n)) return false;
      break;
    default: return false; /* groups are not used by caffe2.proto */
  }
  if (n > end - *pos) return false;
  f->start = *pos;
  f->stop = *pos + (size_t)n;
  *pos = f->stop;
  return true;
}

/* Bytes a varint of value v takes. */
static inline size_t wire_varint_size(uint64_t v) {
  size_t n = 1;
  while (v >= 0x80) {
    v >>= 7;
    n++;
  }
  return n;
}

static inline size_t wire_put_varint(uint8_t *out, uint64_t v) {
  size_t n = 0;
  while (v >= 0x80) {
    out[n++] = (uint8_t)(v | 0x80);
    v >>= 7;
  }
  out[n++] = (uint8_t)v;
  return n;
}

#endif
