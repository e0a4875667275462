/* Every allocation of libc2rt goes through here, so that tests can make the Nth one fail
 * (issue D's fault injection) and out-of-memory is always an error value, never an exit.
 * Memory from these functions is released with free()/c2__free, which protobuf-c's
 * free_unpacked also relies on. */
#ifndef C2_CORE_ALLOC_H
#define C2_CORE_ALLOC_H

#include <stddef.h>

void *c2__malloc(size_t size);
void *c2__calloc(size_t count, size_t size);
void *c2__realloc(void *ptr, size_t size);
/* 64-byte aligned; size is rounded up to a multiple of 64. */
void *c2__aligned_alloc(size_t size);
char *c2__strdup(const char *s);
char *c2__strndup(const char *s, size_t n);
void c2__free(void *ptr);

/* Fault injection for tests: after `n` more successful allocations, every allocation fails
 * (n < 0 turns injection off). Returns how many allocations were attempted since the last
 * call of either function. */
long c2__alloc_fail_after(long n);
/* The same, but only that one allocation fails; the ones after it succeed again. */
long c2__alloc_fail_only(long n);
/* Allocations attempted since the last c2__alloc_fail_after / c2__alloc_fail_only call. */
long c2__alloc_count(void);
/* Blocks allocated here and not yet released through c2__free / c2_free: a test that does the
 * same work twice sees the same number before and after, or something leaked. */
long c2__alloc_live(void);

#endif
