/* Shared pieces of the hostile-input suite (test_hostile.c): the row type, wire bytes built by
 * hand, helpers that run one input or op through the library and free everything, and the two
 * halves of the table (hostile_input.c: files, wire bytes, tensors; hostile_nets.c: arguments,
 * blobs, registry, devices, nets, memory, size). */
#ifndef C2_TESTS_HOSTILE_H
#define C2_TESTS_HOSTILE_H

#include "test_util.h"

typedef struct hostile_case {
  const char *what;
  c2_status (*act)(c2_error *err);
  c2_status want;
  const char *message; /* must appear in the error */
} hostile_case;

extern const hostile_case hostile_input_cases[];
extern const int hostile_input_count;
extern const hostile_case hostile_net_cases[];
extern const int hostile_net_count;

/* ---- wire bytes (fixed-size buffer; a full one fails the test) ---- */
typedef struct wire {
  uint8_t b[1024];
  size_t n;
} wire;

void w_byte(wire *w, uint8_t v);
void w_varint(wire *w, uint64_t v);
void w_key(wire *w, unsigned field, unsigned wire_type);
void w_int(wire *w, unsigned field, uint64_t v);
void w_bytes(wire *w, unsigned field, const void *data, size_t n);
void w_str(wire *w, unsigned field, const char *s);
void w_msg(wire *w, unsigned field, const wire *inner);

/* ---- one input or op through the library, everything freed ---- */
c2_status parse_net(const wire *w, const c2_load_limits *limits, c2_error *err);
c2_status load_tensors(const uint8_t *bytes, size_t len, const char *name,
                       const c2_load_limits *limits, c2_error *err);
c2_status load_tensor_file(const char *fixture, c2_error *err);
c2_opdef *new_op(const char *type, const char *in, const char *out1, const char *out2);
/* LRN over in -> out with size/alpha/beta; the argument named `skip` (may be NULL) is left out. */
c2_opdef *lrn(const char *in, const char *out, int64_t size, float alpha, float beta,
              const char *skip);
c2_opdef *good_lrn(void);
/* Creates and runs a one-op net (the op is taken) over a workspace holding X (1x3x4x4) and,
 * when dy_dims is given, Y and dY; frees everything. */
c2_status create_and_run_dy(c2_opdef *op, const int64_t *dy_dims, c2_error *err);
c2_status create_and_run(c2_opdef *op, c2_error *err);

#endif
