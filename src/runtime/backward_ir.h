/* The state of one backward construction: Caffe2's IR (core.py) in C. backward_ir.c keeps the
 * SSA bookkeeping (blob versions, readers, gradient generators, the blob -> gradient map) and
 * the gradient accumulation; backward.c drives the reverse walk and assembles the net. */
#ifndef C2_RUNTIME_BACKWARD_IR_H
#define C2_RUNTIME_BACKWARD_IR_H

#include "../core/hash.h"
#include "c2rt/backward.h"
#include "c2rt/caffe2.pb-c.h"

/* Who produced a partial gradient of one blob version: gradient op `op` (index into ir.gops)
 * output `idx`, or (op < 0) a name passed through unchanged (Caffe2 GradGenMeta(None, ...)). */
typedef struct c2_ir_gen {
  int op;
  int idx;
  const char *grad; /* pooled */
} c2_ir_gen;

typedef struct c2_ir_version {
  int *readers; /* forward op indices, one entry per read (a virtual reader for losses) */
  size_t n_readers, cap_readers;
  c2_ir_gen *gens;
  size_t n_gens, cap_gens;
} c2_ir_version;

typedef struct c2_ir_blob {
  const char *name; /* pooled */
  bool seen;        /* in Caffe2's frontier dict */
  int frontier;     /* version after the whole forward pass */
  bool has_grad_version;
  int grad_version; /* Caffe2's gradient_frontier */
  c2_ir_version *versions;
  int n_versions;
  bool in_map;      /* a key of input_to_grad (its value may be NULL) */
  const char *grad; /* pooled; NULL = None */
  UT_hash_handle hh;
} c2_ir_blob;

typedef struct c2_ir_op {
  const c2_opdef *def; /* borrowed from the forward net */
  int *in_ver, *out_ver;
} c2_ir_op;

typedef struct c2_ir {
  const c2_registry *reg;
  c2_ir_op *ops;
  size_t n_ops;
  size_t base; /* position of ops[0] in the forward net (the skipped ops come first) */
  c2_ir_blob *blobs;
  c2_ir_blob **map; /* input_to_grad keys in insertion order */
  size_t n_map, cap_map;
  c2_opdef **gops; /* gradient ops in order; owned */
  size_t n_gops, cap_gops;
  char **pool; /* every string the IR allocated */
  size_t n_pool, cap_pool;
} c2_ir;

void c2__ir_free(c2_ir *ir);
/* A pooled copy of the concatenation of up to three strings (NULL parts are skipped). */
const char *c2__ir_str(c2_ir *ir, const char *a, const char *b, const char *c, c2_error *err);
/* The blob entry for name (NULL when absent and !create; NULL with an error on OOM). */
c2_ir_blob *c2__ir_blob(c2_ir *ir, const char *name, bool create, c2_error *err);
/* Caffe2 IR.Play over every forward op. */
c2_status c2__ir_play(c2_ir *ir, c2_error *err);
/* Appends to the blob version's readers / gradient generators. */
c2_status c2__ir_add_reader(c2_ir_blob *b, int version, int op, c2_error *err);
c2_status c2__ir_add_gen(c2_ir_blob *b, int version, c2_ir_gen gen, c2_error *err);
/* input_to_grad[name] = grad (grad may be NULL: Caffe2's None). */
c2_status c2__ir_map_set(c2_ir *ir, const char *name, const char *grad, c2_error *err);
/* Takes ownership of op (freed on failure). */
c2_status c2__ir_push_gop(c2_ir *ir, c2_opdef *op, c2_error *err);
/* Caffe2 DoGradientAccumulation for forward op k: renames partial gradients and appends Sum
 * ops. */
c2_status c2__ir_accumulate(c2_ir *ir, size_t k, c2_error *err);

#endif
