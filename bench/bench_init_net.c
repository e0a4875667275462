/* Init-net load time and peak memory: `bench_init_net INIT.pb MODE [REPEATS]` with MODE
 *   read     read the whole file into memory (the floor: what any loader must do)
 *   stream   c2_init_net_run_file (the streaming reader)
 *   general  c2_netdef_load_file + c2_run_net_once (protobuf-c's unpack)
 * Prints the best wall time of REPEATS (default 3) hot-cache runs and the process's peak RSS
 * (VmHWM); run each mode in its own process so that the peaks do not mix. */
#include <c2rt/c2rt.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

static long vm_hwm_kb(void) {
  FILE *f = fopen("/proc/self/status", "r");
  char line[256];
  long kb = -1;
  while (f && fgets(line, sizeof line, f))
    if (strncmp(line, "VmHWM:", 6) == 0) kb = strtol(line + 6, NULL, 10);
  if (f) fclose(f);
  return kb;
}

static void fail(const c2_error *err) {
  fprintf(stderr, "bench_init_net: %s\n", err->message);
  exit(1);
}

int main(int argc, char **argv) {
  if (argc < 3) {
    fprintf(stderr, "usage: bench_init_net INIT.pb read|stream|general [REPEATS]\n");
    return 2;
  }
  const char *path = argv[1], *mode = argv[2];
  int repeats = argc > 3 ? atoi(argv[3]) : 3;
  double best = 1e30;
  size_t blobs = 0, bytes = 0;
  for (int r = 0; r < repeats; r++) {
    c2_error err = {0};
    double t0 = now();
    if (strcmp(mode, "read") == 0) {
      uint8_t *data;
      size_t len;
      if (c2_read_file(path, NULL, &data, &len, &err)) fail(&err);
      volatile uint8_t sink = data[len / 2];
      (void)sink;
      bytes = len;
      c2_free(data);
    } else {
      c2_workspace *ws;
      if (c2_workspace_new(&ws, &err)) fail(&err);
      if (strcmp(mode, "stream") == 0) {
        if (c2_init_net_run_file(ws, path, NULL, NULL, &err)) fail(&err);
      } else {
        c2_netdef *def;
        if (c2_netdef_load_file(path, NULL, &def, &err) || c2_run_net_once(ws, def, NULL, &err))
          fail(&err);
        c2_netdef_free(def);
      }
      const char **names;
      if (c2_workspace_blob_names(ws, &names, &blobs, &err)) fail(&err);
      bytes = 0;
      for (size_t i = 0; i < blobs; i++) bytes += c2_tensor_nbytes(c2_workspace_get_blob(ws, names[i]));
      c2_free(names);
      c2_workspace_free(ws);
    }
    double t = now() - t0;
    if (t < best) best = t;
  }
  printf("%s: best of %d %.3f s, %zu blobs, %.1f MB of tensors/file, VmHWM %.1f MB\n", mode,
         repeats, best, blobs, bytes / 1e6, vm_hwm_kb() / 1024.0);
  return 0;
}
