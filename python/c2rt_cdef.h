/* The C API the Python package declares to cffi. Meson preprocesses this file with -nostdinc,
 * the empty standard headers of cdef_stubs/ and __GNUC__ undefined (so C2_API and C2_PRINTF
 * expand to nothing), which leaves the plain declarations cffi's parser accepts. */
#include <c2rt/common.h>
#include <c2rt/status.h>
#include <c2rt/tensor.h>
#include <c2rt/workspace.h>
#include <c2rt/def.h>
#include <c2rt/loader.h>
#include <c2rt/net.h>
#include <c2rt/registry.h>
#include <c2rt/binding.h>
#include <c2rt/backward.h>
