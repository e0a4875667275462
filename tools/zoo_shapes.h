/* Shape and cost inference over a whole net, as the tools need it: blob shapes from the user
 * (--shape), from a workspace, or made up for Conv / FC parameters from the output channels of
 * known model-zoo architectures (or --channels). Shared by `c2run --describe` and the init-net
 * generator. */
#ifndef C2_TOOLS_ZOO_SHAPES_H
#define C2_TOOLS_ZOO_SHAPES_H

#include <c2rt/c2rt.h>

typedef struct shape_map {
  size_t n, cap;
  char **names;
  c2_shape *shapes;
  int64_t *values; /* for --channels maps: one number per name */
} shape_map;

void shape_map_free(shape_map *m);
/* Copies name; replaces an existing entry. Exits on out-of-memory (tools only). */
void shape_map_set(shape_map *m, const char *name, const c2_shape *shape, int64_t value);
/* Entry index or -1. */
long shape_map_find(const shape_map *m, const char *name);

/* Parses "name=d0,d1,..." into the map (float32); false on a malformed spec. */
bool shape_map_parse(shape_map *m, const char *spec);
/* Parses "name=M[,name=M...]" into a channel map; false on a malformed spec. */
bool channels_parse(shape_map *m, const char *spec);

/* Output channels of a layer of bvlc_alexnet / bvlc_reference_caffenet or bvlc_googlenet /
 * inception_v1, by its output blob name; 0 when unknown. */
int64_t zoo_known_channels(const char *blob);

/* Called for every op with its input and output shapes and its cost (cost_ok false when the
 * schema has none or shapes are unknown). */
typedef void (*zoo_visit_fn)(void *ctx, size_t k, const c2_opdef *op, int n_in,
                             const c2_shape *in, int n_out, const c2_shape *out,
                             const c2_cost *cost, bool cost_ok);

/* Walks the ops in order, propagating shapes through the schemas' inference. With make_params,
 * a Conv or FC parameter input whose shape is unknown is given one from the input's shape and
 * the output channels (channels map first, then the known-architecture table); each such
 * parameter is appended to *params (names, in order of first use; value: the fan-in of a
 * weight, 0 for a bias). */
c2_status zoo_walk(const c2_netdef *net, const c2_registry *reg, shape_map *shapes,
                   const shape_map *channels, bool make_params, shape_map *params,
                   zoo_visit_fn visit, void *ctx, c2_error *err);

/* "[1, 3, 224, 224]" or "?" into buf. */
char *shape_string(const c2_shape *s, char *buf, size_t size);

#endif
