#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "names.h"
#include "tensor_impl.h"
#include "threadpool.h"
#include "workspace_impl.h"

static int online_cores(void) {
  long n = sysconf(_SC_NPROCESSORS_ONLN);
  return n > 0 ? (int)(n > 1024 ? 1024 : n) : 1;
}

c2_status c2_workspace_new(c2_workspace **out, c2_error *err) {
  c2_workspace *ws = c2__calloc(1, sizeof *ws);
  if (!ws) return c2_error_set(err, C2_ERR_NOMEM, "out of memory allocating a workspace");
  ws->num_threads = online_cores();
  ws->memory.limit = UINT64_MAX;
  *out = ws;
  return C2_OK;
}

void c2_workspace_free(c2_workspace *ws) {
  if (!ws) return;
  c2_ws_net *net, *ntmp;
  HASH_ITER(hh, ws->nets, net, ntmp) {
    HASH_DEL(ws->nets, net);
    net->free_net(net->net);
    c2__free(net->name);
    c2__free(net);
  }
  c2_ws_blob *blob, *btmp;
  HASH_ITER(hh, ws->blobs, blob, btmp) {
    HASH_DEL(ws->blobs, blob);
    c2_tensor_free(blob->tensor);
    c2__free(blob->name);
    c2__free(blob);
  }
  c2__threadpool_free(ws->pool);
  c2__free(ws);
}

static c2_status check_name(const char *name, c2_error *err) {
  if (!name) return c2_error_set(err, C2_ERR_INVALID_ARGUMENT, "blob name is NULL");
  return C2_OK;
}

c2_status c2__workspace_blob_entry(c2_workspace *ws, const char *name, bool create,
                                   c2_ws_blob **out, c2_error *err) {
  c2_status st = check_name(name, err);
  if (st) return st;
  c2_ws_blob *blob = NULL;
  HASH_FIND_STR(ws->blobs, name, blob);
  if (blob || !create) {
    *out = blob;
    return C2_OK;
  }
  blob = c2__calloc(1, sizeof *blob);
  if (!blob) goto oom;
  blob->name = c2__strdup(name);
  if (!blob->name) goto oom;
  if (c2_tensor_new(&blob->tensor, NULL)) goto oom;
  blob->tensor->budget = &ws->memory;
  int c2__hash_oom = 0;
  HASH_ADD_KEYPTR(hh, ws->blobs, blob->name, strlen(blob->name), blob);
  if (c2__hash_oom) goto oom;
  *out = blob;
  return C2_OK;
oom:
  if (blob) {
    c2_tensor_free(blob->tensor);
    c2__free(blob->name);
    c2__free(blob);
  }
  return c2_error_set(err, C2_ERR_NOMEM, "out of memory creating blob '%s'", name);
}

c2_status c2_workspace_create_blob(c2_workspace *ws, const char *name, c2_tensor **out,
                                   c2_error *err) {
  c2_ws_blob *blob;
  c2_status st = c2__workspace_blob_entry(ws, name, true, &blob, err);
  if (st) return st;
  *out = blob->tensor;
  return C2_OK;
}

c2_tensor *c2_workspace_get_blob(c2_workspace *ws, const char *name) {
  if (!name) return NULL;
  c2_ws_blob *blob = NULL;
  HASH_FIND_STR(ws->blobs, name, blob);
  return blob ? blob->tensor : NULL;
}

bool c2_workspace_has_blob(const c2_workspace *ws, const char *name) {
  if (!name) return false;
  c2_ws_blob *blob = NULL;
  HASH_FIND_STR(ws->blobs, name, blob);
  return blob != NULL;
}

c2_status c2_workspace_remove_blob(c2_workspace *ws, const char *name, c2_error *err) {
  c2_status st = check_name(name, err);
  if (st) return st;
  c2_ws_blob *blob = NULL;
  HASH_FIND_STR(ws->blobs, name, blob);
  if (!blob) return c2_error_set(err, C2_ERR_NOT_FOUND, "blob '%s' is not in the workspace", name);
  if (blob->users > 0)
    return c2_error_set(err, C2_ERR_BUSY,
                        "blob '%s' is in use by nets of this workspace (%d op bindings); delete "
                        "those nets first",
                        name, blob->users);
  HASH_DEL(ws->blobs, blob);
  c2_tensor_free(blob->tensor);
  c2__free(blob->name);
  c2__free(blob);
  return C2_OK;
}

size_t c2_workspace_blob_count(const c2_workspace *ws) { return HASH_COUNT(ws->blobs); }

c2_status c2_workspace_blob_names(const c2_workspace *ws, const char ***names, size_t *n,
                                  c2_error *err) {
  const char **list;
  size_t count;
  C2__HASH_SORTED_NAMES(ws->blobs, name, list, count);
  if (!list) return c2_error_set(err, C2_ERR_NOMEM, "out of memory listing blobs");
  *names = list;
  *n = count;
  return C2_OK;
}

c2_status c2_workspace_feed(c2_workspace *ws, const char *name, c2_dtype dtype, int ndim,
                            const int64_t *dims, const void *data, c2_error *err) {
  c2_tensor *t;
  c2_status st = c2_workspace_create_blob(ws, name, &t, err);
  if (st) return st;
  st = c2_tensor_resize(t, dtype, ndim, dims, err);
  if (st) {
    c2_error_prefix(err, "feeding blob '%s': ", name);
    return st;
  }
  if (t->nbytes) {
    if (!data)
      return c2_error_set(err, C2_ERR_INVALID_ARGUMENT, "feeding blob '%s': data is NULL", name);
    memcpy(t->data, data, t->nbytes);
  }
  return C2_OK;
}

void c2_workspace_set_memory_limit(c2_workspace *ws, uint64_t bytes) { ws->memory.limit = bytes; }
uint64_t c2_workspace_memory_limit(const c2_workspace *ws) { return ws->memory.limit; }
uint64_t c2_workspace_memory_used(const c2_workspace *ws) { return ws->memory.used; }

void c2_workspace_set_num_threads(c2_workspace *ws, int num_threads) {
  ws->num_threads = num_threads < 1 ? 1 : num_threads;
}

int c2_workspace_num_threads(const c2_workspace *ws) { return ws->num_threads; }
