#ifndef C2_RUNTIME_INIT_NET_IMPL_H
#define C2_RUNTIME_INIT_NET_IMPL_H

#include <stddef.h>
#include <stdint.h>

/* How many ops of this init net the streaming reader decodes itself (0: the whole file goes
 * through the general loader). For tests. */
size_t c2__init_net_streamed_ops(const uint8_t *bytes, size_t len);

#endif
