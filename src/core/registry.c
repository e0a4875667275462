#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "c2rt/caffe2.pb-c.h"
#include "c2rt/def.h"
#include "hash.h"
#include "names.h"
#include "registry_impl.h"

/* Enough for every (device, engine) pair an op family registers; adding more is an error. */
#define MAX_IMPLS 16

typedef struct reg_entry {
  char *type;
  const c2_schema *schema;
  c2_gradient_kind grad_kind;
  c2_gradient_fn grad_fn;
  const c2_op_impl *impls[MAX_IMPLS];
  int n_impls;
  UT_hash_handle hh;
} reg_entry;

/* Engine preference list for (device, op type); op type "" is the device's global list. */
typedef struct pref_entry {
  char *key; /* "<device>/<op type>" */
  char *engines;
  UT_hash_handle hh;
} pref_entry;

struct c2_registry {
  reg_entry *entries;
  pref_entry *prefs;
};

c2_status c2_registry_new(c2_registry **out, c2_error *err) {
  c2_registry *reg = c2__calloc(1, sizeof *reg);
  if (!reg) return c2_error_set(err, C2_ERR_NOMEM, "out of memory creating a registry");
  *out = reg;
  return C2_OK;
}

void c2_registry_free(c2_registry *reg) {
  if (!reg) return;
  reg_entry *e, *etmp;
  HASH_ITER(hh, reg->entries, e, etmp) {
    HASH_DEL(reg->entries, e);
    c2__free(e->type);
    c2__free(e);
  }
  pref_entry *p, *ptmp;
  HASH_ITER(hh, reg->prefs, p, ptmp) {
    HASH_DEL(reg->prefs, p);
    c2__free(p->key);
    c2__free(p->engines);
    c2__free(p);
  }
  c2__free(reg);
}

static reg_entry *find_entry(const c2_registry *reg, const char *type) {
  reg_entry *e = NULL;
  if (type) HASH_FIND_STR(reg->entries, type, e);
  return e;
}

static c2_status get_entry(c2_registry *reg, const char *type, reg_entry **out, c2_error *err) {
  if (!type || !*type)
    return c2_error_set(err, C2_ERR_INVALID_ARGUMENT, "cannot register an op with an empty type");
  reg_entry *e = find_entry(reg, type);
  if (!e) {
    e = c2__calloc(1, sizeof *e);
    if (e) e->type = c2__strdup(type);
    int c2__hash_oom = 0;
    if (e && e->type) HASH_ADD_KEYPTR(hh, reg->entries, e->type, strlen(e->type), e);
    if (!e || !e->type || c2__hash_oom) {
      if (e) c2__free(e->type);
      c2__free(e);
      return c2_error_set(err, C2_ERR_NOMEM, "out of memory registering op '%s'", type);
    }
  }
  *out = e;
  return C2_OK;
}

c2_status c2_registry_add_schema(c2_registry *reg, const c2_schema *schema, c2_error *err) {
  reg_entry *e;
  c2_status st = get_entry(reg, schema->type, &e, err);
  if (st) return st;
  if (e->schema)
    return c2_error_set(err, C2_ERR_EXISTS, "a schema for op '%s' is already registered",
                        schema->type);
  e->schema = schema;
  return C2_OK;
}

static bool is_default_engine(const char *engine) {
  return !engine || !*engine || strcmp(engine, "DEFAULT") == 0;
}

static bool same_engine(const char *a, const char *b) {
  if (is_default_engine(a)) return is_default_engine(b);
  return !is_default_engine(b) && strcmp(a, b) == 0;
}

c2_status c2_registry_add_impl(c2_registry *reg, const char *type, const c2_op_impl *impl,
                               c2_error *err) {
  if (!impl->run)
    return c2_error_set(err, C2_ERR_INVALID_ARGUMENT, "implementation of '%s' has no run function",
                        type ? type : "");
  reg_entry *e;
  c2_status st = get_entry(reg, type, &e, err);
  if (st) return st;
  for (int i = 0; i < e->n_impls; i++)
    if (e->impls[i]->device_type == impl->device_type && same_engine(e->impls[i]->engine, impl->engine))
      return c2_error_set(err, C2_ERR_EXISTS,
                          "op '%s' already has an implementation for device %s, engine '%s'", type,
                          c2_device_name(impl->device_type),
                          is_default_engine(impl->engine) ? "" : impl->engine);
  if (e->n_impls == MAX_IMPLS)
    return c2_error_set(err, C2_ERR_LIMIT, "op '%s' has more than %d implementations", type,
                        MAX_IMPLS);
  e->impls[e->n_impls++] = impl;
  return C2_OK;
}

c2_status c2_registry_set_gradient(c2_registry *reg, const char *type, c2_gradient_kind kind,
                                   c2_gradient_fn fn, c2_error *err) {
  if ((kind == C2_GRADIENT_FN) != (fn != NULL) || kind == C2_GRADIENT_UNSET)
    return c2_error_set(err, C2_ERR_INVALID_ARGUMENT,
                        "gradient of '%s': a callback goes with kind C2_GRADIENT_FN only",
                        type ? type : "");
  reg_entry *e;
  c2_status st = get_entry(reg, type, &e, err);
  if (st) return st;
  if (e->grad_kind != C2_GRADIENT_UNSET)
    return c2_error_set(err, C2_ERR_EXISTS, "a gradient for op '%s' is already registered", type);
  e->grad_kind = kind;
  e->grad_fn = fn;
  return C2_OK;
}

c2_gradient_kind c2__registry_gradient(const c2_registry *reg, const char *type,
                                       c2_gradient_fn *fn) {
  const reg_entry *e = find_entry(reg, type);
  if (fn) *fn = e ? e->grad_fn : NULL;
  return e ? e->grad_kind : C2_GRADIENT_UNSET;
}

c2_gradient_kind c2_registry_gradient_kind(const c2_registry *reg, const char *type) {
  return c2__registry_gradient(reg, type, NULL);
}

static void pref_key(char *buf, size_t size, int device_type, const char *op_type) {
  snprintf(buf, size, "%d/%s", device_type, op_type ? op_type : "");
}

c2_status c2_registry_set_engine_pref(c2_registry *reg, int device_type, const char *op_type,
                                      const char *engines, c2_error *err) {
  char key[256];
  pref_key(key, sizeof key, device_type, op_type);
  pref_entry *p = NULL;
  HASH_FIND_STR(reg->prefs, key, p);
  char *copy = c2__strdup(engines ? engines : "");
  if (!copy) return c2_error_set(err, C2_ERR_NOMEM, "out of memory setting engine preferences");
  if (p) {
    c2__free(p->engines);
    p->engines = copy;
    return C2_OK;
  }
  p = c2__calloc(1, sizeof *p);
  if (p) p->key = c2__strdup(key);
  int c2__hash_oom = 0;
  if (p && p->key) HASH_ADD_KEYPTR(hh, reg->prefs, p->key, strlen(p->key), p);
  if (!p || !p->key || c2__hash_oom) {
    if (p) c2__free(p->key);
    c2__free(p);
    c2__free(copy);
    return c2_error_set(err, C2_ERR_NOMEM, "out of memory setting engine preferences");
  }
  p->engines = copy;
  return C2_OK;
}

bool c2_registry_has_type(const c2_registry *reg, const char *type) {
  return find_entry(reg, type) != NULL;
}

const c2_schema *c2_registry_schema(const c2_registry *reg, const char *type) {
  const reg_entry *e = find_entry(reg, type);
  return e ? e->schema : NULL;
}

static const c2_op_impl *entry_impl(const reg_entry *e, int device_type, const char *engine) {
  for (int i = 0; i < e->n_impls; i++)
    if (e->impls[i]->device_type == device_type && same_engine(e->impls[i]->engine, engine))
      return e->impls[i];
  return NULL;
}

const c2_op_impl *c2_registry_find_impl(const c2_registry *reg, const char *type, int device_type,
                                        const char *engine) {
  const reg_entry *e = find_entry(reg, type);
  return e ? entry_impl(e, device_type, engine) : NULL;
}

bool c2_registry_can_run(const c2_registry *reg, const char *type, int device_type) {
  const reg_entry *e = find_entry(reg, type);
  if (!e) return false;
  for (int i = 0; i < e->n_impls; i++)
    if (e->impls[i]->device_type == device_type) return true;
  return false;
}

const char *c2_device_name(int device_type) {
  switch (device_type) {
    case 0: return "CPU";
    case 1: return "CUDA";
    case 2: return "MKLDNN";
    case 3: return "OPENGL";
    case 4: return "OPENCL";
    case 5: return "IDEEP";
    case 6: return "HIP";
    case 7: return "FPGA";
    case 8: return "MSNPU";
    case 9: return "XLA";
    case 10: return "MLC";
    default: return "unknown";
  }
}

/* True when engine piece [p, p+len) names the same engine as `engine` ("" and "DEFAULT" are the
 * default engine). */
static bool piece_is(const char *p, size_t len, const char *engine) {
  bool piece_default = len == 0 || (len == 7 && memcmp(p, "DEFAULT", 7) == 0);
  if (is_default_engine(engine)) return piece_default;
  return !piece_default && strlen(engine) == len && memcmp(p, engine, len) == 0;
}

/* Tries each engine of a comma-separated list in order; the first implemented one wins. As with
 * Caffe2's split(','), an empty piece before a comma is kept, and "" is the default engine's key
 * (OpRegistryKey), so ",FAST" picks the default implementation. */
static const c2_op_impl *try_engines(const reg_entry *e, int device, const char *list) {
  const char *p = list;
  while (p && *p) {
    const char *comma = strchr(p, ',');
    size_t len = comma ? (size_t)(comma - p) : strlen(p);
    for (int i = 0; i < e->n_impls; i++)
      if (e->impls[i]->device_type == device && piece_is(p, len, e->impls[i]->engine))
        return e->impls[i];
    p = comma ? comma + 1 : NULL;
  }
  return NULL;
}

static const char *pref_list(const c2_registry *reg, int device, const char *op_type) {
  char key[256];
  pref_key(key, sizeof key, device, op_type);
  pref_entry *p = NULL;
  HASH_FIND_STR(reg->prefs, key, p);
  return p ? p->engines : NULL;
}

c2_status c2_registry_resolve(const c2_registry *reg, const c2_opdef *def,
                              const c2_op_impl **impl, const char **engine, c2_error *err) {
  const char *type = def->type;
  if (!type || !*type) return c2_error_set(err, C2_ERR_SCHEMA, "operator has no type");
  const reg_entry *e = find_entry(reg, type);
  if (!e || e->n_impls == 0)
    return c2_error_set(err, C2_ERR_NOT_FOUND,
                        "no operator of type '%s' is registered in this build", type);
  int device = c2_opdef_device_type(def);
  if (device != C2_DEVICE_CPU)
    return c2_error_set(err, C2_ERR_UNSUPPORTED,
                        "device type %d (%s) is not available in this build, which runs on CPU "
                        "only",
                        device, c2_device_name(device));
  const c2_op_impl *found = try_engines(e, device, def->engine);
  if (!found) found = try_engines(e, device, pref_list(reg, device, type));
  if (!found) found = try_engines(e, device, pref_list(reg, device, NULL));
  if (!found) found = entry_impl(e, device, "");
  if (!found)
    return c2_error_set(err, C2_ERR_NOT_FOUND,
                        "op '%s' has no default implementation on %s and none of its engines "
                        "was requested",
                        type, c2_device_name(device));
  *impl = found;
  *engine = is_default_engine(found->engine) ? "" : found->engine; /* static, like impl */
  return C2_OK;
}

c2_status c2_registry_types(const c2_registry *reg, const char ***types, size_t *n,
                            c2_error *err) {
  const char **list;
  size_t count;
  C2__HASH_SORTED_NAMES(reg->entries, type, list, count);
  if (!list) return c2_error_set(err, C2_ERR_NOMEM, "out of memory listing op types");
  *types = list;
  *n = count;
  return C2_OK;
}
