#include "names.h"

#include <stdlib.h>
#include <string.h>

static int compare_names(const void *a, const void *b) {
  return strcmp(*(const char *const *)a, *(const char *const *)b);
}

void c2__sort_names(const char **names, size_t n) { qsort(names, n, sizeof *names, compare_names); }
