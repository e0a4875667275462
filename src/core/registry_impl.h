#ifndef C2_CORE_REGISTRY_IMPL_H
#define C2_CORE_REGISTRY_IMPL_H

#include "c2rt/registry.h"

/* The gradient definition registered for type (kind UNSET when none). */
c2_gradient_kind c2__registry_gradient(const c2_registry *reg, const char *type,
                                       c2_gradient_fn *fn);

#endif
