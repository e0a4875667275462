/* Parallel loops over the workspace's thread pool. Work is split statically: with T threads,
 * range [0, n) is cut into T contiguous near-equal chunks (the first n % T one index longer),
 * and chunk t always runs on thread t. A kernel that writes each output element from exactly one index, in a fixed
 * order, therefore gives bit-identical results for any thread count. */
#ifndef C2RT_PARALLEL_H
#define C2RT_PARALLEL_H

#include "operator.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Processes indices [begin, end) on thread `thread` (0 = the calling thread). */
typedef void (*c2_parallel_fn)(void *ctx, int64_t begin, int64_t end, int thread);

/* Runs fn over [0, n) with up to c2_op_num_threads(op) threads, using fewer when a chunk would
 * be smaller than `grain` indices (grain <= 0 means 1). Returns when every chunk is done. Only
 * fails (C2_ERR_NOMEM / C2_ERR_RUNTIME) when the pool cannot be started; then nothing ran. */
C2_API c2_status c2_op_parallel_for(c2_operator *op, int64_t n, int64_t grain, c2_parallel_fn fn,
                                    void *ctx, c2_error *err);
/* The same on a workspace's pool, for code outside operators (benchmarks, tools). */
C2_API c2_status c2_workspace_parallel_for(c2_workspace *ws, int64_t n, int64_t grain,
                                           c2_parallel_fn fn, void *ctx, c2_error *err);
/* How many chunks c2_*_parallel_for will use for n indices with this grain and thread count. */
C2_API int c2_parallel_chunks(int64_t n, int64_t grain, int num_threads);

#ifdef __cplusplus
}
#endif
#endif
