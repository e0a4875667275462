/* Direct access to the protobuf-c structs behind c2_opdef / c2_netdef (needs protobuf-c's
 * headers). Messages reachable from c2rt's objects must only be changed through <c2rt/def.h>
 * or by allocating every new piece separately with malloc, so that c2_*_free can release them. */
#ifndef C2RT_PROTO_H
#define C2RT_PROTO_H

#include "c2rt/caffe2.pb-c.h"

#endif
