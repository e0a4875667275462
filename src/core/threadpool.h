/* A fixed set of worker threads that run one static-partitioned loop at a time. Owned by a
 * workspace, started lazily on the first parallel loop (never at load time, so that Check's fork
 * mode and programs that fork stay safe) and resized when the thread count changes. */
#ifndef C2_CORE_THREADPOOL_H
#define C2_CORE_THREADPOOL_H

#include "c2rt/parallel.h"

typedef struct c2_threadpool c2_threadpool;

/* A pool with `workers` threads besides the caller. */
c2_status c2__threadpool_new(int workers, c2_threadpool **out, c2_error *err);
void c2__threadpool_free(c2_threadpool *pool);
int c2__threadpool_workers(const c2_threadpool *pool);
/* Runs fn over [0, n) in `chunks` chunks (chunks - 1 <= workers); chunk 0 on the caller. */
void c2__threadpool_run(c2_threadpool *pool, int chunks, int64_t n, c2_parallel_fn fn, void *ctx);

#endif
