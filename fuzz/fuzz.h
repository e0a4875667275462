/* The libFuzzer entry point every target defines. Built with -Dfuzzing_engine=libfuzzer it is
 * driven by libFuzzer; otherwise replay_main.c calls it on files, so that every configuration
 * builds the targets and replays their corpora as a regression test (meson test --suite fuzz). */
#ifndef C2_FUZZ_FUZZ_H
#define C2_FUZZ_FUZZ_H

#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A failed invariant is a finding: abort, so that libFuzzer (or the replay test) reports it. */
#define FUZZ_CHECK(cond)                                                               \
  do {                                                                                 \
    if (!(cond)) {                                                                     \
      fprintf(stderr, "%s:%d: invariant failed: %s\n", __FILE__, __LINE__, #cond);     \
      abort();                                                                         \
    }                                                                                  \
  } while (0)

#endif
