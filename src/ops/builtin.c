/* The one list of built-in op families, and the default registry that holds them. No
 * constructor magic: a static link never loses an op. */
#include <pthread.h>
#include <string.h>

#include "ops.h"

typedef c2_status (*register_fn)(c2_registry *reg, c2_error *err);

static const register_fn op_families[] = {
    c2_register_lrn_ops,
    c2_register_random_fill_ops,
    c2_register_add_ops,
    c2_register_training_ops,
    c2_register_fill_ops,
    c2_register_relu_ops,
    c2_register_sum_ops,
    c2_register_copy_ops,
    c2_register_scale_ops,
    c2_register_distance_ops,
    c2_register_loss_ops,
    c2_register_fc_ops,
};

c2_status c2_register_builtin_ops(c2_registry *reg, c2_error *err) {
  for (size_t i = 0; i < sizeof op_families / sizeof *op_families; i++) {
    c2_status st = op_families[i](reg, err);
    if (st) return st;
  }
  return C2_OK;
}

static pthread_once_t default_once = PTHREAD_ONCE_INIT;
static c2_registry *default_registry;
static c2_error default_error;

static void make_default(void) {
  c2_registry *reg;
  if (c2_registry_new(&reg, &default_error)) return;
  if (c2_register_builtin_ops(reg, &default_error)) {
    c2_registry_free(reg);
    return;
  }
  default_registry = reg;
}

c2_status c2_registry_default(const c2_registry **out, c2_error *err) {
  pthread_once(&default_once, make_default);
  if (!default_registry) {
    if (err) *err = default_error;
    return default_error.code ? default_error.code : C2_ERR_INTERNAL;
  }
  *out = default_registry;
  return C2_OK;
}
