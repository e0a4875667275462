/* The one list of built-in op families, and the default registry that holds them. No
 * constructor magic: a static link never loses an op. */
#include <pthread.h>
#include <stdatomic.h>
#include <string.h>

#include "ops.h"

typedef c2_status (*register_fn)(c2_registry *reg, c2_error *err);

static const register_fn op_families[] = {
    c2_register_lrn_ops,
    c2_register_random_fill_ops,
    c2_register_add_ops,
    c2_register_training_ops,
    c2_register_conv_ops,
    c2_register_pool_ops,
    c2_register_softmax_ops,
    c2_register_dropout_ops,
    c2_register_concat_ops,
    c2_register_given_tensor_fill_ops,
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

/* Built under a lock on first use. A failure (out of memory) is returned and not remembered, so
 * that a later call can still succeed; pthread_once would make one failure permanent. */
static pthread_mutex_t default_lock = PTHREAD_MUTEX_INITIALIZER;
static c2_registry *_Atomic default_registry;

c2_status c2_registry_default(const c2_registry **out, c2_error *err) {
  c2_registry *reg = atomic_load_explicit(&default_registry, memory_order_acquire);
  if (!reg) {
    pthread_mutex_lock(&default_lock);
    reg = atomic_load_explicit(&default_registry, memory_order_relaxed);
    c2_status st = C2_OK;
    if (!reg) {
      st = c2_registry_new(&reg, err);
      if (!st) st = c2_register_builtin_ops(reg, err);
      if (st) {
        c2_registry_free(reg);
        reg = NULL;
      } else {
        atomic_store_explicit(&default_registry, reg, memory_order_release);
      }
    }
    pthread_mutex_unlock(&default_lock);
    if (st) return st;
  }
  *out = reg;
  return C2_OK;
}
