/* Nets kept by a workspace under their names (Caffe2 Workspace::CreateNet / RunNet). */
#include <stdlib.h>
#include <string.h>

#include "../core/alloc.h"
#include "../core/names.h"
#include "../core/workspace_impl.h"
#include "c2rt/caffe2.pb-c.h"
#include "c2rt/net.h"

static void free_net(void *net) { c2_net_free(net); }

static c2_ws_net *find_net(const c2_workspace *ws, const char *name) {
  c2_ws_net *entry = NULL;
  if (name) HASH_FIND_STR(ws->nets, name, entry);
  return entry;
}

static void drop_entry(c2_workspace *ws, c2_ws_net *entry) {
  HASH_DEL(ws->nets, entry);
  entry->free_net(entry->net);
  c2__free(entry->name);
  c2__free(entry);
}

c2_status c2_workspace_create_net(c2_workspace *ws, const c2_netdef *def, bool overwrite,
                                  const c2_registry *reg, c2_error *err) {
  if (!def->name)
    return c2_error_set(err, C2_ERR_INVALID_ARGUMENT, "net definition should have a name");
  c2_ws_net *old = find_net(ws, def->name);
  if (old && !overwrite)
    return c2_error_set(err, C2_ERR_EXISTS,
                        "I respectfully refuse to overwrite an existing net of the same name "
                        "\"%s\", unless you explicitly specify overwrite=true",
                        def->name);
  if (old) drop_entry(ws, old); /* freed before the new one is built, as Caffe2 does */
  c2_net *net;
  c2_status st = c2_net_new(ws, def, reg, &net, err);
  if (st) return st;
  c2_ws_net *entry = c2__calloc(1, sizeof *entry);
  if (entry) entry->name = c2__strdup(def->name);
  int c2__hash_oom = 0;
  if (entry && entry->name) HASH_ADD_KEYPTR(hh, ws->nets, entry->name, strlen(entry->name), entry);
  if (!entry || !entry->name || c2__hash_oom) {
    if (entry) c2__free(entry->name);
    c2__free(entry);
    c2_net_free(net);
    return c2_error_set(err, C2_ERR_NOMEM, "out of memory storing net '%s'", def->name);
  }
  entry->net = net;
  entry->free_net = free_net;
  return C2_OK;
}

c2_status c2_workspace_run_net(c2_workspace *ws, const char *name, int num_iter, c2_error *err) {
  c2_ws_net *entry = find_net(ws, name);
  if (!entry)
    return c2_error_set(err, C2_ERR_NOT_FOUND, "net '%s' does not exist in the workspace",
                        name ? name : "");
  for (int i = 0; i < num_iter; i++) {
    c2_status st = c2_net_run(entry->net, err);
    if (st) {
      c2_error_prefix(err, "net '%s': ", name);
      return st;
    }
  }
  return C2_OK;
}

bool c2_workspace_has_net(const c2_workspace *ws, const char *name) {
  return find_net(ws, name) != NULL;
}

c2_status c2_workspace_delete_net(c2_workspace *ws, const char *name, c2_error *err) {
  c2_ws_net *entry = find_net(ws, name);
  if (!entry)
    return c2_error_set(err, C2_ERR_NOT_FOUND, "net '%s' does not exist in the workspace",
                        name ? name : "");
  drop_entry(ws, entry);
  return C2_OK;
}

c2_status c2_workspace_net_names(const c2_workspace *ws, const char ***names, size_t *n,
                                 c2_error *err) {
  const char **list;
  size_t count;
  C2__HASH_SORTED_NAMES(ws->nets, name, list, count);
  if (!list) return c2_error_set(err, C2_ERR_NOMEM, "out of memory listing nets");
  *names = list;
  *n = count;
  return C2_OK;
}
