#include "c2rt/parallel.h"
#include "operator_impl.h"
#include "threadpool.h"

int c2_parallel_chunks(int64_t n, int64_t grain, int num_threads) {
  if (n <= 0) return 0;
  if (grain < 1) grain = 1;
  int64_t by_grain = (n + grain - 1) / grain;
  int chunks = num_threads < 1 ? 1 : num_threads;
  return by_grain < chunks ? (int)by_grain : chunks;
}

c2_status c2_workspace_parallel_for(c2_workspace *ws, int64_t n, int64_t grain, c2_parallel_fn fn,
                                    void *ctx, c2_error *err) {
  int chunks = c2_parallel_chunks(n, grain, ws->num_threads);
  if (chunks == 0) return C2_OK;
  if (chunks == 1) {
    fn(ctx, 0, n, 0);
    return C2_OK;
  }
  int workers = ws->num_threads - 1;
  if (ws->pool && c2__threadpool_workers(ws->pool) != workers) {
    c2__threadpool_free(ws->pool);
    ws->pool = NULL;
  }
  if (!ws->pool) {
    c2_status st = c2__threadpool_new(workers, &ws->pool, err);
    if (st) return st;
  }
  c2__threadpool_run(ws->pool, chunks, n, fn, ctx);
  return C2_OK;
}

c2_status c2_op_parallel_for(c2_operator *op, int64_t n, int64_t grain, c2_parallel_fn fn,
                             void *ctx, c2_error *err) {
  return c2_workspace_parallel_for(op->ws, n, grain, fn, ctx, err);
}
