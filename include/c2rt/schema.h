/* Operator schemas: what an op accepts (arity, in-place pairs, arguments), how its output shapes
 * and its cost follow from input shapes, and how it maps to ONNX. A schema is plain data,
 * normally a static const struct registered with c2_registry_add_schema. */
#ifndef C2RT_SCHEMA_H
#define C2RT_SCHEMA_H

#include "tensor.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Marks an unbounded input/output count (Caffe2's INT_MAX). */
#define C2_UNBOUNDED 0x7fffffff

typedef enum c2_arg_type {
  C2_ARG_INT = 1,     /* field i */
  C2_ARG_FLOAT,       /* field f */
  C2_ARG_STRING,      /* field s */
  C2_ARG_INTS,        /* field ints */
  C2_ARG_FLOATS,      /* field floats */
  C2_ARG_STRINGS,     /* field strings */
  C2_ARG_NET,         /* field n */
  C2_ARG_NETS,        /* field nets */
  C2_ARG_TENSOR,      /* field t */
  C2_ARG_TENSORS      /* field tensors */
} c2_arg_type;

/* Name of the field an argument type lives in ("i", "f", "s", "ints", ...). */
C2_API const char *c2_arg_type_field(c2_arg_type type);

typedef struct c2_arg_spec {
  const char *name;
  c2_arg_type type;
  const char *doc;
  bool required;
  /* Default when absent (documentation and c2_schema_arg_default_*; ops read their own). */
  bool has_default;
  int64_t default_int;
  double default_float;
  const char *default_string;
} c2_arg_spec;

typedef struct c2_io_doc {
  const char *name;
  const char *doc;
} c2_io_doc;

typedef struct c2_io_pair {
  int input;
  int output;
} c2_io_pair;

/* Shape of a tensor as known before running: unknown when `unknown` is set. */
typedef struct c2_shape {
  c2_dtype dtype;
  int ndim;
  int64_t dims[C2_MAX_NDIM];
  bool unknown;
} c2_shape;

/* Cost of one run: floating-point operations and bytes moved (inputs read, outputs written,
 * of which parameter bytes). */
typedef struct c2_cost {
  uint64_t flops;
  uint64_t bytes_read;
  uint64_t bytes_written;
  uint64_t params_bytes;
} c2_cost;

typedef c2_status (*c2_shape_fn)(const c2_opdef *def, int n_in, const c2_shape *in, int n_out,
                                 c2_shape *out, c2_error *err);
typedef c2_status (*c2_cost_fn)(const c2_opdef *def, int n_in, const c2_shape *in, c2_cost *cost,
                                c2_error *err);

/* One Caffe2 argument mapped to one ONNX attribute (same value, new name). */
typedef struct c2_onnx_attr {
  const char *caffe2_name;
  const char *onnx_name;
} c2_onnx_attr;

typedef struct c2_schema {
  const char *type;
  const char *doc;
  int min_inputs, max_inputs;   /* inclusive; C2_UNBOUNDED for no upper limit */
  int min_outputs, max_outputs;
  /* Optional extra arity rule (Caffe2 NumInputsOutputs). */
  bool (*inputs_outputs_ok)(int n_inputs, int n_outputs);
  /* Optional: the number of outputs a given number of inputs must have (Caffe2
   * OutputCalculator); return -1 to accept any. */
  int (*output_count)(int n_inputs);
  /* In-place rules (Caffe2 AllowInplace / EnforceInplace): input i may (must) share its name
   * with output o. */
  const c2_io_pair *allow_inplace;
  size_t n_allow_inplace;
  bool allow_one_to_one_inplace;
  const c2_io_pair *enforce_inplace;
  size_t n_enforce_inplace;
  bool enforce_one_to_one_inplace;
  const c2_arg_spec *args;
  size_t n_args;
  const c2_io_doc *inputs;
  size_t n_input_docs;
  const c2_io_doc *outputs;
  size_t n_output_docs;
  c2_shape_fn infer_shape; /* NULL: outputs unknown */
  c2_cost_fn infer_cost;   /* NULL: no cost function */
  /* ONNX twin (Caffe2 InheritOnnxSchema): NULL when the op has none. */
  const char *onnx_name;
  const c2_onnx_attr *onnx_attrs;
  size_t n_onnx_attrs;
} c2_schema;

/* Caffe2's OpSchema::Verify, plus a type check of every declared argument that is present:
 * arity, in-place rules, required arguments, argument fields. */
C2_API c2_status c2_schema_verify(const c2_schema *schema, const c2_opdef *def, c2_error *err);
C2_API const c2_arg_spec *c2_schema_find_arg(const c2_schema *schema, const char *name);
/* Output shapes (unknown where the schema has no inference function). out has n_out entries. */
C2_API c2_status c2_schema_infer_shapes(const c2_schema *schema, const c2_opdef *def, int n_in,
                                        const c2_shape *in, int n_out, c2_shape *out,
                                        c2_error *err);
/* C2_ERR_UNSUPPORTED when the schema has no cost function. */
C2_API c2_status c2_schema_infer_cost(const c2_schema *schema, const c2_opdef *def, int n_in,
                                      const c2_shape *in, c2_cost *cost, c2_error *err);
/* ONNX attribute name for a Caffe2 argument, or NULL when it has no twin. */
C2_API const char *c2_schema_onnx_attr(const c2_schema *schema, const char *caffe2_arg);

/* Ready-made inference helpers. */
/* Every output takes input 0's shape and dtype (Caffe2 IdenticalTypeAndShapeOfInput(0)). */
C2_API c2_status c2_shape_like_input0(const c2_opdef *def, int n_in, const c2_shape *in, int n_out,
                                      c2_shape *out, c2_error *err);
/* Elements / bytes of one known shape (0 when unknown; saturating at UINT64_MAX). */
C2_API uint64_t c2_shape_nbytes(const c2_shape *shape);
C2_API uint64_t c2_shape_numel(const c2_shape *shape);

#ifdef __cplusplus
}
#endif
#endif
