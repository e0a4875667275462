/* oneDNN (Debian's libdnnl 2.x, C API) LRN primitives for c2bench. oneDNN's LRN divides alpha
 * by local_size and centres the window, as Caffe2 does, so the same parameters compute the same
 * function. */
#include "bench_onednn.h"

#include <oneapi/dnnl/dnnl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct onednn_lrn {
  dnnl_engine_t engine;
  dnnl_stream_t stream;
  dnnl_primitive_desc_t pd, fwd_pd;
  dnnl_primitive_t prim;
  dnnl_memory_t mems[5];
  int n_mems;
  dnnl_exec_arg_t args[5];
  int n_args;
  void *workspace;
  const char *impl;
};

static dnnl_memory_t add_arg(onednn_lrn *p, int arg, const dnnl_memory_desc_t *md, void *data) {
  dnnl_memory_t m = NULL;
  if (dnnl_memory_create(&m, md, p->engine, data) != dnnl_success) return NULL;
  p->mems[p->n_mems++] = m;
  p->args[p->n_args++] = (dnnl_exec_arg_t){arg, m};
  return m;
}

onednn_lrn *onednn_lrn_new(bench_pass pass, const int64_t dims[4], bool nhwc, int size,
                           float alpha, float beta, float bias, const float *x, const float *dy,
                           float *out, char *why, int why_len) {
  onednn_lrn *p = calloc(1, sizeof *p);
  if (!p) {
    snprintf(why, (size_t)why_len, "out of memory");
    return NULL;
  }
  dnnl_memory_desc_t md;
  dnnl_lrn_desc_t fwd_d, bwd_d;
  dnnl_dims_t d = {dims[0], dims[1], dims[2], dims[3]}; /* DNNL_MAX_NDIMS long */
  const char *step = "engine";
  if (dnnl_engine_create(&p->engine, dnnl_cpu, 0) != dnnl_success) goto fail;
  step = "stream";
  if (dnnl_stream_create(&p->stream, p->engine, dnnl_stream_default_flags) != dnnl_success)
    goto fail;
  step = "memory desc";
  if (dnnl_memory_desc_init_by_tag(&md, 4, d, dnnl_f32, nhwc ? dnnl_nhwc : dnnl_nchw))
    goto fail;
  step = "forward desc";
  if (dnnl_lrn_forward_desc_init(&fwd_d, pass == PASS_FWD ? dnnl_forward_inference
                                                          : dnnl_forward_training,
                                 dnnl_lrn_across_channels, &md, size, alpha, beta, bias))
    goto fail;
  step = "forward primitive desc";
  if (dnnl_primitive_desc_create(&p->fwd_pd, &fwd_d, NULL, p->engine, NULL)) goto fail;
  const dnnl_memory_desc_t *ws_md =
      pass == PASS_FWD ? NULL : dnnl_primitive_desc_query_md(p->fwd_pd, dnnl_query_workspace_md, 0);
  size_t ws_bytes = ws_md ? dnnl_memory_desc_get_size(ws_md) : 0;
  if (ws_bytes) {
    step = "workspace";
    p->workspace = aligned_alloc(64, (ws_bytes + 63) / 64 * 64);
    if (!p->workspace) goto fail;
    memset(p->workspace, 0, ws_bytes);
  }
  if (pass != PASS_BWD) {
    p->pd = p->fwd_pd;
    p->fwd_pd = NULL;
    step = "forward arguments";
    if (!add_arg(p, DNNL_ARG_SRC, &md, (void *)x) || !add_arg(p, DNNL_ARG_DST, &md, out) ||
        (ws_bytes && !add_arg(p, DNNL_ARG_WORKSPACE, ws_md, p->workspace)))
      goto fail;
  } else {
    /* The workspace the backward reads comes from one forward_training run. */
    step = "training forward";
    dnnl_primitive_t fwd;
    if (dnnl_primitive_create(&fwd, p->fwd_pd)) goto fail;
    float *y = aligned_alloc(64, (size_t)(d[0] * d[1] * d[2] * d[3]) * sizeof *y + 64);
    dnnl_memory_t src = NULL, dst = NULL, ws = NULL;
    dnnl_memory_create(&src, &md, p->engine, (void *)x);
    dnnl_memory_create(&dst, &md, p->engine, y);
    if (ws_bytes) dnnl_memory_create(&ws, ws_md, p->engine, p->workspace);
    dnnl_exec_arg_t fargs[3] = {{DNNL_ARG_SRC, src}, {DNNL_ARG_DST, dst}, {DNNL_ARG_WORKSPACE, ws}};
    dnnl_status_t st = dnnl_primitive_execute(fwd, p->stream, ws_bytes ? 3 : 2, fargs);
    dnnl_stream_wait(p->stream);
    dnnl_memory_destroy(src), dnnl_memory_destroy(dst), dnnl_memory_destroy(ws);
    dnnl_primitive_destroy(fwd);
    free(y);
    if (st) goto fail;
    step = "backward desc";
    if (dnnl_lrn_backward_desc_init(&bwd_d, dnnl_lrn_across_channels, &md, &md, size, alpha,
                                    beta, bias))
      goto fail;
    step = "backward primitive desc";
    if (dnnl_primitive_desc_create(&p->pd, &bwd_d, NULL, p->engine, p->fwd_pd)) goto fail;
    step = "backward arguments";
    if (!add_arg(p, DNNL_ARG_SRC, &md, (void *)x) ||
        !add_arg(p, DNNL_ARG_DIFF_DST, &md, (void *)dy) ||
        !add_arg(p, DNNL_ARG_DIFF_SRC, &md, out) ||
        (ws_bytes && !add_arg(p, DNNL_ARG_WORKSPACE, ws_md, p->workspace)))
      goto fail;
  }
  step = "primitive";
  if (dnnl_primitive_create(&p->prim, p->pd)) goto fail;
  if (dnnl_primitive_desc_query(p->pd, dnnl_query_impl_info_str, 0, &p->impl)) p->impl = "?";
  return p;
fail:
  snprintf(why, (size_t)why_len, "oneDNN failed at: %s", step);
  onednn_lrn_free(p);
  return NULL;
}

void onednn_lrn_run(onednn_lrn *p) {
  dnnl_primitive_execute(p->prim, p->stream, p->n_args, p->args);
  dnnl_stream_wait(p->stream);
}

const char *onednn_lrn_impl(const onednn_lrn *p) { return p->impl; }

void onednn_lrn_free(onednn_lrn *p) {
  if (!p) return;
  for (int i = 0; i < p->n_mems; i++) dnnl_memory_destroy(p->mems[i]);
  if (p->prim) dnnl_primitive_destroy(p->prim);
  if (p->pd) dnnl_primitive_desc_destroy(p->pd);
  if (p->fwd_pd) dnnl_primitive_desc_destroy(p->fwd_pd);
  if (p->stream) dnnl_stream_destroy(p->stream);
  if (p->engine) dnnl_engine_destroy(p->engine);
  free(p->workspace);
  free(p);
}

/* libdnnl is built on libgomp: its thread count is OpenMP's (declared here rather than through
 * omp.h, which clang does not see without libomp-dev). */
void omp_set_num_threads(int threads);

void onednn_set_threads(int threads) { omp_set_num_threads(threads); }

void onednn_version(char *buf, int len) {
  const dnnl_version_t *v = dnnl_version();
  snprintf(buf, (size_t)len, "oneDNN %d.%d.%d (%s)", v->major, v->minor, v->patch,
           v->cpu_runtime == DNNL_RUNTIME_OMP ? "OpenMP" : "other runtime");
}
