#ifndef C2_CORE_NAMES_H
#define C2_CORE_NAMES_H

#include <stddef.h>

/* Sorts an array of C strings in strcmp order (blob, net and op-type listings). */
void c2__sort_names(const char **names, size_t n);

#endif
