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

#include "names.h"

/* Sets `list` (const char **, c2__malloc'd, NULL on out-of-memory) to the sorted `name_field`
 * of every item of the uthash table `head`, and `count` to their number. */
#define C2__HASH_SORTED_NAMES(head, name_field, list, count)                     \
  do {                                                                           \
    (count) = HASH_COUNT(head);                                                  \
    (list) = c2__malloc(((count) ? (count) : 1) * sizeof *(list));               \
    if (list) {                                                                  \
      size_t at_ = 0;                                                            \
      for (const __typeof__(*(head)) *it_ = (head); it_; it_ = it_->hh.next)     \
        (list)[at_++] = it_->name_field;                                         \
      c2__sort_names((list), (count));                                           \
    }                                                                            \
  } while (0)

#endif
