/* The operator registry: op type -> schema, gradient definition, and implementations per
 * (device, engine). A registry is an ordinary object; the default one holds every built-in op. */
#ifndef C2RT_REGISTRY_H
#define C2RT_REGISTRY_H

#include "gradient.h"
#include "operator.h"
#include "schema.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct c2_registry c2_registry;

/* An empty registry (no ops). */
C2_API c2_status c2_registry_new(c2_registry **out, c2_error *err);
C2_API void c2_registry_free(c2_registry *reg);
/* The shared registry with every built-in op, created on first use (thread-safe). It is
 * read-only: never free it. */
C2_API c2_status c2_registry_default(const c2_registry **out, c2_error *err);
/* Adds every built-in op family to reg (what the default registry holds). */
C2_API c2_status c2_register_builtin_ops(c2_registry *reg, c2_error *err);

/* The schema must outlive the registry (normally static). A second schema for one type is an
 * error (C2_ERR_EXISTS). */
C2_API c2_status c2_registry_add_schema(c2_registry *reg, const c2_schema *schema, c2_error *err);
/* impl must outlive the registry. A second impl for the same (type, device, engine) is
 * C2_ERR_EXISTS. */
C2_API c2_status c2_registry_add_impl(c2_registry *reg, const char *type, const c2_op_impl *impl,
                                      c2_error *err);
/* fn only for C2_GRADIENT_FN. Registering twice is C2_ERR_EXISTS. */
C2_API c2_status c2_registry_set_gradient(c2_registry *reg, const char *type,
                                          c2_gradient_kind kind, c2_gradient_fn fn,
                                          c2_error *err);
/* Engine preferences tried after the def's own engine list and before the default engine
 * (Caffe2 SetPerOpEnginePref / SetGlobalEnginePref). op_type NULL sets the global list;
 * engines is a comma-separated list ("" clears). */
C2_API c2_status c2_registry_set_engine_pref(c2_registry *reg, int device_type,
                                             const char *op_type, const char *engines,
                                             c2_error *err);

C2_API bool c2_registry_has_type(const c2_registry *reg, const char *type);
C2_API const c2_schema *c2_registry_schema(const c2_registry *reg, const char *type);
C2_API c2_gradient_kind c2_registry_gradient_kind(const c2_registry *reg, const char *type);
/* Exact lookup; NULL when absent. engine NULL or "" or "DEFAULT" means the default engine. */
C2_API const c2_op_impl *c2_registry_find_impl(const c2_registry *reg, const char *type,
                                               int device_type, const char *engine);
/* True when this build can run `type` on `device_type` with some engine. */
C2_API bool c2_registry_can_run(const c2_registry *reg, const char *type, int device_type);
/* Caffe2's engine choice for a def: engines of def.engine (comma-separated) in order, then the
 * per-op and global preferences, then the default engine. *engine is borrowed ("" = default).
 * A device type this build lacks is C2_ERR_UNSUPPORTED; no implementation is C2_ERR_NOT_FOUND. */
C2_API c2_status c2_registry_resolve(const c2_registry *reg, const c2_opdef *def,
                                     const c2_op_impl **impl, const char **engine, c2_error *err);
/* Sorted names of all op types with a schema or an implementation; free the array with c2_free
 * (the strings are borrowed from the registry). */
C2_API c2_status c2_registry_types(const c2_registry *reg, const char ***types, size_t *n,
                                   c2_error *err);

/* Caffe2's GetGradientForOp: the gradient ops of one forward op given its output gradients
 * (g_output has one entry per output, NULL where there is none). */
C2_API c2_status c2_gradient_for_op(const c2_registry *reg, const c2_opdef *def, size_t n_g_output,
                                    const char *const *g_output, c2_grad_result **out,
                                    c2_error *err);

/* Name of a device type ("CPU", "CUDA", ... or "unknown"). */
C2_API const char *c2_device_name(int device_type);

#ifdef __cplusplus
}
#endif
#endif
