/* c2rt: a Caffe2-style operator registry and graph runtime. Umbrella header. */
#ifndef C2RT_C2RT_H
#define C2RT_C2RT_H

#include "common.h"
#include "status.h"
#include "tensor.h"
#include "workspace.h"
#include "def.h"
#include "argument.h"
#include "schema.h"
#include "operator.h"
#include "parallel.h"
#include "gradient.h"
#include "registry.h"
#include "net.h"
#include "loader.h"
#include "binding.h"
#include "init_net.h"
#include "gemm.h"
#include "backward.h"
#include "gradcheck.h"

#endif
