#include "threadpool.h"

#include <pthread.h>

#include "alloc.h"

struct c2_threadpool {
  pthread_mutex_t lock;
  pthread_cond_t start; /* a new job (generation changed) or shutdown */
  pthread_cond_t done;  /* pending reached 0 */
  pthread_t *threads;
  int workers;
  /* the current job */
  unsigned long generation;
  int chunks;
  int64_t n;
  c2_parallel_fn fn;
  void *ctx;
  int pending;
  bool shutdown;
};

typedef struct worker_arg {
  c2_threadpool *pool;
  int index; /* 1-based: chunk 0 belongs to the caller */
} worker_arg;

/* Near-equal contiguous chunks: the first n % chunks of them one index longer. */
static void chunk_range(int64_t n, int chunks, int t, int64_t *begin, int64_t *end) {
  int64_t q = n / chunks, r = n % chunks;
  *begin = q * t + (t < r ? t : r);
  *end = *begin + q + (t < r ? 1 : 0);
}

static void *worker_main(void *arg) {
  worker_arg self = *(worker_arg *)arg;
  c2__free(arg);
  c2_threadpool *p = self.pool;
  unsigned long seen = 0;
  pthread_mutex_lock(&p->lock);
  for (;;) {
    while (!p->shutdown && p->generation == seen) pthread_cond_wait(&p->start, &p->lock);
    if (p->shutdown) break;
    seen = p->generation;
    if (self.index >= p->chunks) continue; /* not needed for this job */
    int chunks = p->chunks;
    int64_t n = p->n;
    c2_parallel_fn fn = p->fn;
    void *ctx = p->ctx;
    pthread_mutex_unlock(&p->lock);
    int64_t begin, end;
    chunk_range(n, chunks, self.index, &begin, &end);
    if (begin < end) fn(ctx, begin, end, self.index);
    pthread_mutex_lock(&p->lock);
    if (--p->pending == 0) pthread_cond_signal(&p->done);
  }
  pthread_mutex_unlock(&p->lock);
  return NULL;
}

c2_status c2__threadpool_new(int workers, c2_threadpool **out, c2_error *err) {
  c2_threadpool *p = c2__calloc(1, sizeof *p);
  if (!p) return c2_error_set(err, C2_ERR_NOMEM, "out of memory creating a thread pool");
  p->threads = c2__calloc((size_t)(workers > 0 ? workers : 1), sizeof *p->threads);
  if (!p->threads) {
    c2__free(p);
    return c2_error_set(err, C2_ERR_NOMEM, "out of memory creating a thread pool");
  }
  pthread_mutex_init(&p->lock, NULL);
  pthread_cond_init(&p->start, NULL);
  pthread_cond_init(&p->done, NULL);
  for (int i = 0; i < workers; i++) {
    worker_arg *arg = c2__malloc(sizeof *arg);
    if (arg) *arg = (worker_arg){p, i + 1};
    if (!arg || pthread_create(&p->threads[i], NULL, worker_main, arg) != 0) {
      c2__free(arg);
      c2__threadpool_free(p);
      return c2_error_set(err, arg ? C2_ERR_RUNTIME : C2_ERR_NOMEM,
                          "cannot start thread %d of a pool of %d", i + 1, workers);
    }
    p->workers++;
  }
  *out = p;
  return C2_OK;
}

void c2__threadpool_free(c2_threadpool *p) {
  if (!p) return;
  pthread_mutex_lock(&p->lock);
  p->shutdown = true;
  pthread_cond_broadcast(&p->start);
  pthread_mutex_unlock(&p->lock);
  for (int i = 0; i < p->workers; i++) pthread_join(p->threads[i], NULL);
  pthread_cond_destroy(&p->start);
  pthread_cond_destroy(&p->done);
  pthread_mutex_destroy(&p->lock);
  c2__free(p->threads);
  c2__free(p);
}

int c2__threadpool_workers(const c2_threadpool *p) { return p->workers; }

void c2__threadpool_run(c2_threadpool *p, int chunks, int64_t n, c2_parallel_fn fn, void *ctx) {
  pthread_mutex_lock(&p->lock);
  p->chunks = chunks;
  p->n = n;
  p->fn = fn;
  p->ctx = ctx;
  p->pending = chunks - 1;
  p->generation++;
  pthread_cond_broadcast(&p->start);
  pthread_mutex_unlock(&p->lock);
  int64_t begin, end;
  chunk_range(n, chunks, 0, &begin, &end);
  if (begin < end) fn(ctx, begin, end, 0);
  pthread_mutex_lock(&p->lock);
  while (p->pending > 0) pthread_cond_wait(&p->done, &p->lock);
  pthread_mutex_unlock(&p->lock);
}
