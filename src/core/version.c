#include "c2rt/common.h"
#include "c2rt_version.h"

const char *c2_version(void) { return C2RT_VERSION; }
