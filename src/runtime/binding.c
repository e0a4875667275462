/* The binding entry points (include/c2rt/binding.h): thin, checked wrappers that parse bytes and
 * hand them to the runtime, so that a binding never needs protobuf-c or struct layouts. */
#include <string.h>

#include "../core/tensor_impl.h"
#include "c2rt/binding.h"
#include "c2rt/loader.h"
#include "c2rt/net.h"
#include "c2rt/registry.h"

/* The blob's tensor, or NULL with the error set. */
static const c2_tensor *find(const c2_workspace *ws, const char *name, c2_error *err) {
  const c2_tensor *t = name ? c2_workspace_get_blob((c2_workspace *)ws, name) : NULL;
  if (!t)
    c2_error_set(err, C2_ERR_NOT_FOUND, "can't find blob '%s' in the workspace",
                 name ? name : "(null)");
  return t;
}

c2_status c2_workspace_blob_info(const c2_workspace *ws, const char *name, c2_blob_info *info,
                                 c2_error *err) {
  const c2_tensor *t = find(ws, name, err);
  if (!t) return C2_ERR_NOT_FOUND;
  memset(info, 0, sizeof *info);
  info->dtype = t->dtype;
  info->ndim = t->ndim;
  memcpy(info->dims, t->dims, sizeof info->dims);
  info->numel = t->numel;
  info->nbytes = t->nbytes;
  info->data = t->numel ? t->data : NULL;
  return C2_OK;
}

c2_status c2_workspace_fetch(const c2_workspace *ws, const char *name, void *dst, size_t nbytes,
                             c2_error *err) {
  const c2_tensor *t = find(ws, name, err);
  if (!t) return C2_ERR_NOT_FOUND;
  if (nbytes != t->nbytes) {
    char shape[128];
    return c2_error_set(err, C2_ERR_SHAPE,
                        "blob '%s' (%s %s) holds %zu bytes, but the destination has %zu", name,
                        c2_dtype_name(t->dtype), c2_tensor_shape_string(t, shape, sizeof shape),
                        t->nbytes, nbytes);
  }
  if (nbytes) memcpy(dst, t->data, nbytes);
  return C2_OK;
}

c2_status c2_workspace_feed_buffer(c2_workspace *ws, const char *name, int dtype, int ndim,
                                   const int64_t *dims, const void *data, size_t nbytes,
                                   c2_error *err) {
  /* (the messages below print the name) */
  if (!name) return c2_error_set(err, C2_ERR_INVALID_ARGUMENT, "feeding a blob: its name is NULL");
  size_t esize = c2_dtype_size(dtype);
  if (esize == 0)
    return c2_error_set(err, C2_ERR_TYPE, "blob '%s': dtype %s (%d) cannot be stored in a tensor",
                        name, c2_dtype_name(dtype), dtype);
  if (ndim < 0 || ndim > C2_MAX_NDIM)
    return c2_error_set(err, C2_ERR_LIMIT, "blob '%s': rank %d, at most %d supported", name, ndim,
                        C2_MAX_NDIM);
  int64_t numel;
  c2_status st = c2_dims_numel(ndim, dims, &numel, err);
  if (st) return st;
  if ((uint64_t)numel > SIZE_MAX / esize || (size_t)numel * esize != nbytes)
    return c2_error_set(err, C2_ERR_SHAPE,
                        "blob '%s': %lld elements of %s need %llu bytes, but %zu were given", name,
                        (long long)numel, c2_dtype_name(dtype),
                        (unsigned long long)numel * esize, nbytes);
  return c2_workspace_feed(ws, name, (c2_dtype)dtype, ndim, dims, data, err);
}

c2_status c2_workspace_run_operator_bytes(c2_workspace *ws, const uint8_t *bytes, size_t len,
                                          c2_error *err) {
  c2_opdef *op;
  c2_status st = c2_opdef_parse(bytes, len, NULL, &op, err);
  if (st) {
    c2_error_prefix(err, "OperatorDef: ");
    return st;
  }
  st = c2_run_operator_once(ws, op, NULL, err);
  c2_opdef_free(op);
  return st;
}

c2_status c2_workspace_run_net_once_bytes(c2_workspace *ws, const uint8_t *bytes, size_t len,
                                          c2_error *err) {
  c2_netdef *net;
  c2_status st = c2_netdef_parse(bytes, len, NULL, &net, err);
  if (st) {
    c2_error_prefix(err, "NetDef: ");
    return st;
  }
  st = c2_run_net_once(ws, net, NULL, err);
  c2_netdef_free(net);
  return st;
}

c2_status c2_workspace_create_net_bytes(c2_workspace *ws, const uint8_t *bytes, size_t len,
                                        bool overwrite, c2_error *err) {
  c2_netdef *net;
  c2_status st = c2_netdef_parse(bytes, len, NULL, &net, err);
  if (st) {
    c2_error_prefix(err, "NetDef: ");
    return st;
  }
  st = c2_workspace_create_net(ws, net, overwrite, NULL, err);
  c2_netdef_free(net);
  return st;
}

c2_status c2_gradient_for_op_bytes(const uint8_t *bytes, size_t len, size_t n_g_output,
                                   const char *const *g_output, c2_grad_result **out,
                                   c2_error *err) {
  const c2_registry *reg;
  c2_opdef *op;
  c2_status st = c2_registry_default(&reg, err);
  if (st) return st;
  st = c2_opdef_parse(bytes, len, NULL, &op, err);
  if (st) {
    c2_error_prefix(err, "OperatorDef: ");
    return st;
  }
  st = c2_gradient_for_op(reg, op, n_g_output, g_output, out, err);
  c2_opdef_free(op);
  return st;
}
