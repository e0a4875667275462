/* Hostile input, second half of the table: op arguments, blobs and shapes, registry, engines,
 * devices, nets, the memory a net may take, and sizes that made checks quadratic. */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "hostile.h"

static c2_status float_stored_as_int(c2_error *err) {
  c2_netdef *def;
  c2_status st = c2_netdef_load_file(test_build_path("tests/net_float_as_int.pb"), NULL, &def, err);
  if (st) return st;
  c2_workspace *ws;
  c2_net *net = NULL;
  const int64_t dims[] = {1, 1, 1, 1};
  const float x = 1;
  st = c2_workspace_new(&ws, err);
  for (size_t i = 0; !st && i < c2_netdef_num_external_inputs(def); i++)
    st = c2_workspace_feed(ws, c2_netdef_external_input(def, i), C2_DTYPE_FLOAT, 4, dims, &x, err);
  if (!st) st = c2_net_new(ws, def, NULL, &net, err);
  c2_net_free(net);
  c2_workspace_free(ws);
  c2_netdef_free(def);
  return st;
}

static c2_status missing_argument(c2_error *err) {
  return create_and_run(lrn("X", "Y", 3, 0.5f, 0.75f, "size"), err);
}
static c2_status even_size(c2_error *err) {
  return create_and_run(lrn("X", "Y", 4, 0.5f, 0.75f, NULL), err);
}
static c2_status nan_alpha(c2_error *err) {
  return create_and_run(lrn("X", "Y", 3, (float)NAN, 0.75f, NULL), err);
}
static c2_status negative_beta(c2_error *err) {
  return create_and_run(lrn("X", "Y", 3, 0.5f, -0.75f, NULL), err);
}

static c2_status bad_order(c2_error *err) {
  c2_opdef *op = good_lrn();
  c2_error e;
  EXPECT_OK(c2_opdef_add_arg_string(op, "order", "CHWN", &e), &e);
  return create_and_run(op, err);
}

static c2_status x_dy_mismatch(c2_error *err) {
  const char *in[] = {"X", "Y", "dY"}, *out[] = {"dX"};
  c2_opdef *op;
  c2_error e;
  EXPECT_OK(c2_opdef_new("LRNGradient", 3, in, 1, out, &op, &e), &e);
  EXPECT_OK(c2_opdef_add_arg_int(op, "size", 3, &e), &e);
  EXPECT_OK(c2_opdef_add_arg_float(op, "alpha", 0.5f, &e), &e);
  EXPECT_OK(c2_opdef_add_arg_float(op, "beta", 0.75f, &e), &e);
  const int64_t dy_dims[] = {1, 3, 2, 2};
  return create_and_run_dy(op, dy_dims, err);
}

static c2_status missing_input_blob(c2_error *err) {
  return create_and_run(lrn("nowhere", "Y", 3, 0.5f, 0.75f, NULL), err);
}

static c2_status empty_input_blob(c2_error *err) {
  /* Z exists but was never written: creation succeeds, the run says what is wrong. */
  c2_opdef *op = lrn("Z", "W", 3, 0.5f, 0.75f, NULL);
  c2_workspace *ws;
  c2_status st = c2_workspace_new(&ws, err);
  c2_tensor *z;
  if (!st) st = c2_workspace_create_blob(ws, "Z", &z, err);
  if (!st) st = c2_run_operator_once(ws, op, NULL, err);
  c2_opdef_free(op);
  c2_workspace_free(ws);
  return st;
}

static c2_status wrong_rank(c2_error *err) {
  c2_opdef *op = good_lrn();
  c2_workspace *ws;
  const int64_t dims[] = {3, 4};
  float data[12] = {0};
  c2_status st = c2_workspace_new(&ws, err);
  if (!st) st = c2_workspace_feed(ws, "X", C2_DTYPE_FLOAT, 2, dims, data, err);
  if (!st) st = c2_run_operator_once(ws, op, NULL, err);
  c2_opdef_free(op);
  c2_workspace_free(ws);
  return st;
}

static c2_status output_collision(c2_error *err) {
  c2_opdef *op = good_lrn();
  c2_error e;
  EXPECT_OK(c2_opdef_add_output(op, "Y", &e), &e);
  return create_and_run(op, err);
}

static c2_status not_in_place(c2_error *err) {
  return create_and_run(lrn("X", "X", 3, 0.5f, 0.75f, NULL), err);
}

static c2_status duplicate_argument(c2_error *err) {
  c2_opdef *op = good_lrn();
  c2_error e;
  EXPECT_OK(c2_opdef_add_arg_int(op, "size", 5, &e), &e);
  return create_and_run(op, err);
}

static c2_status unknown_op_type(c2_error *err) {
  return create_and_run(new_op("NoSuchOp", "X", "Y", NULL), err);
}

/* Caffe2 tries the engines a def names and falls back to the default one. */
static c2_status unknown_engine_falls_back(c2_error *err) {
  c2_opdef *op = good_lrn();
  c2_error e;
  EXPECT_OK(c2_opdef_set_engine(op, "NO_SUCH_ENGINE,CUDNN", &e), &e);
  c2_workspace *ws;
  c2_netdef *def;
  c2_net *net = NULL;
  const int64_t dims[] = {1, 3, 2, 2};
  float data[12] = {0};
  c2_status st = c2_workspace_new(&ws, err);
  if (!st) st = c2_workspace_feed(ws, "X", C2_DTYPE_FLOAT, 4, dims, data, err);
  if (!st) st = c2_netdef_new("engine", &def, err);
  if (!st) st = c2_netdef_add_op_take(def, op, err);
  if (!st) st = c2_net_new(ws, def, NULL, &net, err);
  if (!st) ck_assert_str_eq(c2_op_engine(c2_net_op(net, 0)), ""); /* the default engine ran */
  if (!st) st = c2_net_run(net, err);
  c2_net_free(net);
  c2_netdef_free(def);
  c2_workspace_free(ws);
  return st;
}

static c2_status device(int type, c2_error *err) {
  c2_opdef *op = good_lrn();
  c2_error e;
  EXPECT_OK(c2_opdef_set_device(op, type, 0, &e), &e);
  return create_and_run(op, err);
}

static c2_status cuda_device(c2_error *err) { return device(C2_DEVICE_CUDA, err); }
static c2_status unknown_device(c2_error *err) { return device(99, err); }
static c2_status negative_device(c2_error *err) { return device(-1, err); }

static c2_status duplicate_builtins(c2_error *err) {
  c2_registry *reg;
  c2_status st = c2_registry_new(&reg, err);
  if (!st) st = c2_register_builtin_ops(reg, err);
  if (!st) st = c2_register_builtin_ops(reg, err);
  c2_registry_free(reg);
  return st;
}

static c2_status noop_run(c2_operator *op, c2_error *err) {
  (void)op;
  (void)err;
  return C2_OK;
}

static c2_status duplicate_impl(c2_error *err) {
  static const c2_op_impl impl = {.device_type = C2_DEVICE_CPU, .engine = "FAST", .run = noop_run};
  static const c2_op_impl again = {.device_type = C2_DEVICE_CPU, .engine = "FAST", .run = noop_run};
  c2_registry *reg;
  c2_status st = c2_registry_new(&reg, err);
  if (!st) st = c2_registry_add_impl(reg, "Mine", &impl, err);
  if (!st) st = c2_registry_add_impl(reg, "Mine", &again, err);
  c2_registry_free(reg);
  return st;
}

static c2_status duplicate_gradient(c2_error *err) {
  c2_registry *reg;
  c2_status st = c2_registry_new(&reg, err);
  if (!st) st = c2_registry_set_gradient(reg, "Mine", C2_GRADIENT_NONE, NULL, err);
  if (!st) st = c2_registry_set_gradient(reg, "Mine", C2_GRADIENT_NONE, NULL, err);
  c2_registry_free(reg);
  return st;
}

/* A net whose creation failed is NULL; running it is an error, freeing it a no-op. */
static c2_status run_after_failed_create(c2_error *err) {
  c2_workspace *ws;
  c2_netdef *def;
  c2_error e;
  EXPECT_OK(c2_workspace_new(&ws, &e), &e);
  EXPECT_OK(c2_netdef_new("bad", &def, &e), &e);
  EXPECT_OK(c2_netdef_add_op_take(def, lrn("X", "Y", 4, 0.5f, 0.75f, NULL), &e), &e);
  const int64_t dims[] = {1, 3, 2, 2};
  float data[12] = {0};
  EXPECT_OK(c2_workspace_feed(ws, "X", C2_DTYPE_FLOAT, 4, dims, data, &e), &e);
  c2_net *net = (c2_net *)&e; /* garbage that creation must overwrite */
  EXPECT_STATUS(c2_net_new(ws, def, NULL, &net, &e), C2_ERR_INVALID_ARGUMENT, &e,
                "op #0 (LRN): argument 'size' must be a positive odd integer, got 4");
  ck_assert_ptr_null(net);
  ck_assert_uint_eq(c2_net_num_ops(net), 0);
  c2_status st = c2_net_run(net, err);
  c2_net_free(net);
  c2_netdef_free(def);
  c2_workspace_free(ws);
  return st;
}

/* The same through the workspace: a net that failed to create does not exist, even when it
 * replaced (overwrite) a good one of the same name. */
static c2_status run_named_after_failed_create(c2_error *err) {
  c2_workspace *ws;
  c2_netdef *good, *bad;
  c2_error e;
  EXPECT_OK(c2_workspace_new(&ws, &e), &e);
  const int64_t dims[] = {1, 3, 2, 2};
  float data[12] = {0};
  EXPECT_OK(c2_workspace_feed(ws, "X", C2_DTYPE_FLOAT, 4, dims, data, &e), &e);
  EXPECT_OK(c2_netdef_new("n", &good, &e), &e);
  EXPECT_OK(c2_netdef_add_op_take(good, good_lrn(), &e), &e);
  EXPECT_OK(c2_netdef_new("n", &bad, &e), &e);
  EXPECT_OK(c2_netdef_add_op_take(bad, new_op("NoSuchOp", "X", "Z", NULL), &e), &e);
  EXPECT_OK(c2_workspace_create_net(ws, good, false, NULL, &e), &e);
  EXPECT_OK(c2_workspace_run_net(ws, "n", 1, &e), &e);
  EXPECT_STATUS(c2_workspace_create_net(ws, bad, true, NULL, &e), C2_ERR_NOT_FOUND, &e,
                "no operator of type 'NoSuchOp'");
  ck_assert(!c2_workspace_has_net(ws, "n"));
  c2_status st = c2_workspace_run_net(ws, "n", 1, err);
  c2_netdef_free(good);
  c2_netdef_free(bad);
  c2_workspace_free(ws);
  return st;
}

static c2_status unknown_net_type(c2_error *err) {
  c2_netdef *def;
  c2_workspace *ws;
  c2_net *net = NULL;
  c2_error e;
  EXPECT_OK(c2_netdef_new("typed", &def, &e), &e);
  EXPECT_OK(c2_netdef_set_type(def, "no_such_executor", &e), &e);
  EXPECT_OK(c2_workspace_new(&ws, &e), &e);
  c2_status st = c2_net_new(ws, def, NULL, &net, err);
  c2_net_free(net);
  c2_workspace_free(ws);
  c2_netdef_free(def);
  return st;
}

/* ---- memory a net may take ---- */

/* A 100-byte net asking ConstantFill for 10 GB: refused by the workspace's memory limit before
 * anything is allocated. */
static c2_status fill_10gb(c2_error *err) {
  c2_opdef *op;
  const char *out[] = {"Y"};
  const int64_t shape[] = {50000, 50000};
  c2_error e;
  EXPECT_OK(c2_opdef_new("ConstantFill", 0, NULL, 1, out, &op, &e), &e);
  EXPECT_OK(c2_opdef_add_arg_ints(op, "shape", shape, 2, &e), &e);
  c2_workspace *ws;
  EXPECT_OK(c2_workspace_new(&ws, &e), &e);
  c2_workspace_set_memory_limit(ws, 64 << 20);
  c2_status st = c2_run_operator_once(ws, op, NULL, err);
  ck_assert_uint_eq(c2_workspace_memory_used(ws), 0);
  c2_opdef_free(op);
  c2_workspace_free(ws);
  return st;
}

/* Tensors loaded from a file count too; a refused one leaves no blob behind. */
static c2_status load_over_memory_limit(c2_error *err) {
  c2_workspace *ws;
  c2_error e;
  EXPECT_OK(c2_workspace_new(&ws, &e), &e);
  c2_workspace_set_memory_limit(ws, 80);
  const int64_t dims[] = {16};
  float x[16] = {0};
  EXPECT_OK(c2_workspace_feed(ws, "X", C2_DTYPE_FLOAT, 1, dims, x, &e), &e); /* 64 bytes */
  ck_assert_uint_eq(c2_workspace_memory_used(ws), 64);
  c2_status st = c2_load_tensors_file(ws, test_build_path("tests/tensors_ok.pb"), "f", NULL, err);
  ck_assert(!c2_workspace_has_blob(ws, "f"));
  ck_assert_uint_eq(c2_workspace_memory_used(ws), 64);
  EXPECT_OK(c2_workspace_remove_blob(ws, "X", &e), &e);
  ck_assert_uint_eq(c2_workspace_memory_used(ws), 0);
  c2_workspace_free(ws);
  return st;
}

/* The count follows storage, not shapes: growth charges, shrinking keeps the capacity, reset and
 * removal credit; a refused resize changes nothing. */
static c2_status memory_accounting(c2_error *err) {
  c2_workspace *ws;
  c2_tensor *t, *u;
  EXPECT_OK(c2_workspace_new(&ws, err), err);
  ck_assert_uint_eq(c2_workspace_memory_limit(ws), UINT64_MAX);
  EXPECT_OK(c2_workspace_create_blob(ws, "t", &t, err), err);
  EXPECT_OK(c2_workspace_create_blob(ws, "u", &u, err), err);
  const int64_t d100[] = {100}, d10[] = {10}, d1000[] = {1000};
  EXPECT_OK(c2_tensor_resize(t, C2_DTYPE_FLOAT, 1, d100, err), err);
  ck_assert_uint_eq(c2_workspace_memory_used(ws), 400);
  EXPECT_OK(c2_tensor_resize(t, C2_DTYPE_FLOAT, 1, d10, err), err);
  ck_assert_uint_eq(c2_workspace_memory_used(ws), 400);
  EXPECT_OK(c2_tensor_copy(u, t, err), err);
  ck_assert_uint_eq(c2_workspace_memory_used(ws), 440);
  c2_workspace_set_memory_limit(ws, 1000);
  EXPECT_STATUS(c2_tensor_resize(u, C2_DTYPE_DOUBLE, 1, d100, err), C2_ERR_LIMIT, err,
                "a tensor of 800 bytes would bring the workspace's tensors to 1200 bytes");
  ck_assert_int_eq(c2_tensor_dtype(u), C2_DTYPE_FLOAT);
  ck_assert_uint_eq(c2_workspace_memory_used(ws), 440);
  c2_tensor_reset(t);
  ck_assert_uint_eq(c2_workspace_memory_used(ws), 40);
  EXPECT_STATUS(c2_tensor_resize(t, C2_DTYPE_FLOAT, 1, d1000, err), C2_ERR_LIMIT, err, NULL);
  EXPECT_OK(c2_workspace_remove_blob(ws, "u", err), err);
  ck_assert_uint_eq(c2_workspace_memory_used(ws), 0);
  c2_workspace_free(ws);
  c2_error_clear(err);
  return C2_OK;
}

/* ---- size: checks that were quadratic ---- */

/* Under valgrind (its test setup sets C2RT_VALGRIND) the size rows run a tenth of their size:
 * the same code under memcheck, without minutes of emulation. */
static int size_scale(void) { return getenv("C2RT_VALGRIND") ? 10 : 1; }

typedef struct growing {
  uint8_t *b;
  size_t n, cap;
} growing;

static void g_append(growing *g, const wire *w) {
  if (g->n + w->n > g->cap) {
    g->cap = (g->n + w->n) * 2;
    g->b = realloc(g->b, g->cap);
  }
  memcpy(g->b + g->n, w->b, w->n);
  g->n += w->n;
}

static c2_status create_net_bytes(growing *g, c2_error *err) {
  c2_netdef *def = NULL;
  c2_workspace *ws = NULL;
  c2_net *net = NULL;
  c2_status st = c2_netdef_parse(g->b, g->n, NULL, &def, err);
  free(g->b);
  const int64_t dims[] = {1, 3, 2, 2};
  float data[12] = {0};
  if (!st) st = c2_workspace_new(&ws, err);
  if (!st) st = c2_workspace_feed(ws, "X", C2_DTYPE_FLOAT, 4, dims, data, err);
  if (!st) st = c2_net_new(ws, def, NULL, &net, err);
  if (!st) st = c2_net_run(net, err);
  c2_net_free(net);
  c2_workspace_free(ws);
  c2_netdef_free(def);
  return st;
}

/* 100,000 ops, each reading the previous op's output, and an external output nobody makes: the
 * whole chain is checked before the error. Pairwise name scans took 4 s for 40,000 ops, so 25 s
 * for these (and hours at the file-size limit); hashed, 0.1 s. */
static c2_status long_chain(c2_error *err) {
  growing g = {NULL, 0, 0};
  wire w = {.n = 0};
  w_str(&w, 7, "b0");
  g_append(&g, &w);
  for (int i = 0, n = 100000 / size_scale(); i < n; i++) {
    wire op = {.n = 0};
    char in[16], out[16];
    snprintf(in, sizeof in, "b%d", i);
    snprintf(out, sizeof out, "b%d", i + 1);
    w_str(&op, 1, in);
    w_str(&op, 2, out);
    w_str(&op, 4, "Q");
    w.n = 0;
    w_msg(&w, 2, &op);
    g_append(&g, &w);
  }
  w.n = 0;
  w_str(&w, 8, "nowhere");
  g_append(&g, &w);
  return create_net_bytes(&g, err);
}

/* One LRN op with 100,000 extra distinct arguments: 13 s for 60,000 with pairwise compares, so
 * 36 s for these; hashed, 0.1 s. */
static c2_status many_arguments(c2_error *err) {
  growing g = {NULL, 0, 0};
  wire op = {.n = 0}, w = {.n = 0}, arg = {.n = 0};
  w_str(&op, 1, "X");
  w_str(&op, 2, "Y");
  w_str(&op, 4, "LRN");
  w_str(&arg, 1, "size");
  w_int(&arg, 3, 3);
  w_msg(&op, 5, &arg);
  const char *floats[] = {"alpha", "beta"};
  for (int k = 0; k < 2; k++) {
    arg.n = 0;
    w_str(&arg, 1, floats[k]);
    w_key(&arg, 2, 5);
    const uint8_t half[4] = {0, 0, 0, 0x3f};
    for (int b = 0; b < 4; b++) w_byte(&arg, half[b]);
    w_msg(&op, 5, &arg);
  }
  int n = 100000 / size_scale();
  growing args = {NULL, 0, 0};
  for (int i = 0; i < n; i++) {
    char name[16];
    snprintf(name, sizeof name, "a%d", i);
    arg.n = 0;
    w_str(&arg, 1, name);
    w_int(&arg, 3, 1);
    w.n = 0;
    w_msg(&w, 5, &arg);
    g_append(&args, &w);
  }
  /* NetDef.op = OperatorDef (op fields + the arguments) */
  wire head = {.n = 0};
  w_key(&head, 2, 2);
  w_varint(&head, op.n + args.n);
  g_append(&g, &head);
  g_append(&g, &op);
  wire chunk = {.n = 0};
  for (size_t at = 0; at < args.n; at += chunk.n) {
    chunk.n = args.n - at < sizeof chunk.b ? args.n - at : sizeof chunk.b;
    memcpy(chunk.b, args.b + at, chunk.n);
    g_append(&g, &chunk);
  }
  free(args.b);
  return create_net_bytes(&g, err);
}

const hostile_case hostile_net_cases[] = {
    /* op arguments */
    {"float argument stored as int", float_stored_as_int, C2_ERR_TYPE,
     "op #0 (LRN): argument 'alpha' must be a float (field f), but it is stored as an int (field i)"},
    {"missing argument", missing_argument, C2_ERR_SCHEMA,
     "op #0 (LRN): missing required argument 'size' (an int)"},
    {"even LRN size", even_size, C2_ERR_INVALID_ARGUMENT,
     "op #0 (LRN): argument 'size' must be a positive odd integer, got 4"},
    {"NaN alpha", nan_alpha, C2_ERR_INVALID_ARGUMENT,
     "op #0 (LRN): argument 'alpha' must be a finite number > 0, got nan"},
    {"negative beta", negative_beta, C2_ERR_INVALID_ARGUMENT,
     "op #0 (LRN): argument 'beta' must be a finite number > 0, got -0.75"},
    {"unknown order", bad_order, C2_ERR_INVALID_ARGUMENT,
     "op #0 (LRN): argument 'order' must be \"NCHW\" or \"NHWC\", got \"CHWN\""},
    {"same argument twice, different values", duplicate_argument, C2_ERR_INVALID_ARGUMENT,
     "op #0 (LRN): found argument of the same name 'size' but with different contents"},
    /* blobs and shapes */
    {"X/dY shape mismatch", x_dy_mismatch, C2_ERR_SHAPE,
     "op #0 (LRNGradient): input 'dY' has shape [1, 3, 2, 2], but X ('X') has shape [1, 3, 4, 4]"},
    {"missing input blob", missing_input_blob, C2_ERR_NOT_FOUND,
     "op #0 (LRN): input blob 'nowhere' does not exist in the workspace"},
    {"input never written", empty_input_blob, C2_ERR_INVALID_ARGUMENT,
     "op #0 (LRN): input 'Z' is empty: it was never written"},
    {"input of the wrong rank", wrong_rank, C2_ERR_SHAPE,
     "op #0 (LRN): input 'X' must be a 4-D NCHW tensor, got shape [3, 4]"},
    {"output name collision", output_collision, C2_ERR_SCHEMA,
     "op #0 (LRN): outputs 0 and 1 are both named 'Y'"},
    {"in place where the op cannot", not_in_place, C2_ERR_SCHEMA,
     "op #0 (LRN): input 0 and output 0 are both 'X', but LRN cannot run in place on that pair"},
    /* registry, engines, devices */
    {"unknown op type", unknown_op_type, C2_ERR_NOT_FOUND,
     "op #0 (NoSuchOp): no operator of type 'NoSuchOp' is registered in this build"},
    {"unknown engine falls back to the default", unknown_engine_falls_back, C2_OK, NULL},
    {"device this build lacks", cuda_device, C2_ERR_UNSUPPORTED,
     "op #0 (LRN): device type 1 (CUDA) is not available in this build"},
    {"unknown device", unknown_device, C2_ERR_UNSUPPORTED,
     "op #0 (LRN): device type 99 (unknown) is not available in this build"},
    {"negative device", negative_device, C2_ERR_UNSUPPORTED, "device type -1 (unknown)"},
    {"duplicate registration (schema)", duplicate_builtins, C2_ERR_EXISTS,
     "a schema for op 'LRN' is already registered"},
    {"duplicate registration (implementation)", duplicate_impl, C2_ERR_EXISTS,
     "op 'Mine' already has an implementation for device CPU, engine 'FAST'"},
    {"duplicate registration (gradient)", duplicate_gradient, C2_ERR_EXISTS,
     "a gradient for op 'Mine' is already registered"},
    /* nets */
    {"run after a failed create", run_after_failed_create, C2_ERR_INVALID_ARGUMENT,
     "no net to run (NULL: was its creation successful?)"},
    {"run a named net after its create failed", run_named_after_failed_create, C2_ERR_NOT_FOUND,
     "net 'n' does not exist in the workspace"},
    {"100,000-op chain (linear-time checks)", long_chain, C2_ERR_SCHEMA,
     "net '' declares external output 'nowhere', but no op produces it"},
    {"100,000 arguments (linear-time checks)", many_arguments, C2_OK, NULL},
    {"a fill op asking for 10 GB (workspace memory limit)", fill_10gb, C2_ERR_LIMIT,
     "op #0 (ConstantFill): a tensor of 10000000000 bytes would bring the workspace's tensors to "
     "10000000000 bytes, over its limit of 67108864 (c2_workspace_set_memory_limit)"},
    {"workspace memory accounting", memory_accounting, C2_OK, NULL},
    {"tensors loaded over the workspace memory limit", load_over_memory_limit, C2_ERR_LIMIT,
     "tensor 'f': a tensor of 24 bytes would bring the workspace's tensors to 88 bytes, over its "
     "limit of 80"},
    {"unknown net type", unknown_net_type, C2_ERR_UNSUPPORTED,
     "net 'typed' has type 'no_such_executor', which is not a known net type"},
};
const int hostile_net_count = (int)(sizeof hostile_net_cases / sizeof *hostile_net_cases);
