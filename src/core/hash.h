/* The one place that includes uthash, so that every table uses c2rt's allocator and reports
 * out-of-memory instead of calling exit(). After a failed add the table is unchanged and
 * `c2__hash_oom` is set; callers test it. */
#ifndef C2_CORE_HASH_H
#define C2_CORE_HASH_H

#include "alloc.h"

#define HASH_NONFATAL_OOM 1
#define uthash_malloc(sz) c2__malloc(sz)
#define uthash_free(ptr, sz) c2__free(ptr)
/* Each table user declares `int c2__hash_oom = 0;` in the scope of its HASH_ADD call. */
#define uthash_nonfatal_oom(elt) (c2__hash_oom = 1)

#include <uthash.h>

#endif
