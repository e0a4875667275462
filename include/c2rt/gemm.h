/* The matrix-multiply backend this build of c2rt uses for Conv and FC. */
#ifndef C2RT_GEMM_H
#define C2RT_GEMM_H

#include "common.h"

#ifdef __cplusplus
extern "C" {
#endif

/* A human-readable name of the GEMM actually linked and running, e.g. "BLIS 0.9.0 (serial
 * build, zen3 kernels, single-threaded calls), linked statically: cblas_sgemm in
 * /usr/lib/libc2rt.so.0" or "built-in C GEMM (this build has no BLAS)". Static storage. */
C2_API const char *c2_gemm_backend(void);

#ifdef __cplusplus
}
#endif
#endif
