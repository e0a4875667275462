#include "alloc.h"

#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "c2rt/common.h"

/* Fault injection: successful allocations left before the injected failure (negative = off),
 * and whether only that one fails or every one after it. */
static _Atomic long fail_budget = -1;
static _Atomic bool fail_once = false;
static _Atomic long alloc_count = 0;
/* Blocks handed out and not yet released through c2__free / c2_free. */
static _Atomic long live_blocks = 0;

static int injected_failure(void) {
  atomic_fetch_add(&alloc_count, 1);
  long budget = atomic_load(&fail_budget);
  if (budget < 0) return 0;
  if (budget == 0) {
    if (atomic_load(&fail_once)) atomic_store(&fail_budget, -1);
    return 1;
  }
  atomic_fetch_sub(&fail_budget, 1);
  return 0;
}

static long arm(long n, bool once) {
  long count = atomic_exchange(&alloc_count, 0);
  atomic_store(&fail_once, once);
  atomic_store(&fail_budget, n);
  return count;
}

long c2__alloc_fail_after(long n) { return arm(n, false); }
long c2__alloc_fail_only(long n) { return arm(n, true); }
long c2__alloc_count(void) { return atomic_load(&alloc_count); }
long c2__alloc_live(void) { return atomic_load(&live_blocks); }

static void *counted(void *p) {
  if (p) atomic_fetch_add(&live_blocks, 1);
  return p;
}

void *c2__malloc(size_t size) {
  if (injected_failure()) return NULL;
  return counted(malloc(size ? size : 1));
}

void *c2__calloc(size_t count, size_t size) {
  if (injected_failure()) return NULL;
  if (count == 0 || size == 0) return counted(calloc(1, 1));
  return counted(calloc(count, size));
}

void *c2__realloc(void *ptr, size_t size) {
  if (injected_failure()) return NULL;
  void *p = realloc(ptr, size ? size : 1);
  return ptr ? p : counted(p);
}

void *c2__aligned_alloc(size_t size) {
  if (injected_failure()) return NULL;
  /* One spare 64-byte line past the end: BLIS's small-matrix kernels read up to a few bytes past
   * the last element of a matrix (seen under valgrind), which must never reach an unmapped
   * page. Tensors and op scratch come from here. */
  size_t rounded = (size + 63) & ~(size_t)63;
  if (rounded < size || rounded + 64 < rounded) return NULL; /* overflow */
  return counted(aligned_alloc(64, rounded + 64));
}

char *c2__strndup(const char *s, size_t n) {
  char *copy = c2__malloc(n + 1);
  if (!copy) return NULL;
  memcpy(copy, s, n);
  copy[n] = '\0';
  return copy;
}

char *c2__strdup(const char *s) { return c2__strndup(s, strlen(s)); }

void c2__free(void *ptr) {
  if (ptr) atomic_fetch_sub(&live_blocks, 1);
  free(ptr);
}

void c2_free(void *ptr) { c2__free(ptr); }
