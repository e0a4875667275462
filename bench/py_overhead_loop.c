/* The C side of bench/py_overhead.py: the same library calls the Python package makes, timed in
 * a plain C loop, so that the script can report what Python adds per call.
 *
 *   py_overhead_loop run-net NET.pb ITERS            c2_workspace_run_net(ws, name, 1) per call
 *   py_overhead_loop run-net-once NET.pb ITERS       c2_workspace_run_net_once_bytes per call
 *   py_overhead_loop run-op OP.pb X.npy ITERS        c2_workspace_run_operator_bytes, X fed once
 *
 * Prints the best of 5 rounds as "ns_per_call <value>". */
#include <c2rt/c2rt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static void die(const char *what, const c2_error *err) {
  fprintf(stderr, "py_overhead_loop: %s: %s\n", what, err ? err->message : "");
  exit(1);
}

int main(int argc, char **argv) {
  if (argc < 4) {
    fputs("usage: py_overhead_loop run-net|run-net-once NET.pb ITERS\n"
          "       py_overhead_loop run-op OP.pb X.npy ITERS\n", stderr);
    return 2;
  }
  const char *mode = argv[1];
  enum { RUN_NET, RUN_NET_ONCE, RUN_OP } kind = strcmp(mode, "run-op") == 0 ? RUN_OP
                                              : strcmp(mode, "run-net") == 0 ? RUN_NET
                                              : RUN_NET_ONCE;
  bool op_mode = kind == RUN_OP;
  if (op_mode && argc < 5) die("run-op needs OP.pb X.npy ITERS", NULL);
  long iters = atol(argv[op_mode ? 4 : 3]);
  c2_error err;
  uint8_t *bytes;
  size_t len;
  c2_workspace *ws;
  if (c2_read_file(argv[2], NULL, &bytes, &len, &err)) die(argv[2], &err);
  if (c2_workspace_new(&ws, &err)) die("workspace", &err);
  char name[256] = "";
  if (op_mode) {
    c2_tensor *x;
    if (c2_workspace_create_blob(ws, "X", &x, &err) || c2_npy_load_file(argv[3], x, &err))
      die(argv[3], &err);
  } else if (kind == RUN_NET) {
    c2_netdef *net;
    if (c2_netdef_parse(bytes, len, NULL, &net, &err)) die("NetDef", &err);
    snprintf(name, sizeof name, "%s", c2_netdef_name(net));
    c2_netdef_free(net);
    if (c2_workspace_create_net_bytes(ws, bytes, len, false, &err)) die("CreateNet", &err);
  } else if (strcmp(mode, "run-net-once") != 0) {
    die("unknown mode", NULL);
  }
  double best = 1e300;
  for (int round = 0; round < 5; round++) {
    double t0 = now_ns();
    for (long i = 0; i < iters; i++) {
      c2_status st;
      if (kind == RUN_OP) st = c2_workspace_run_operator_bytes(ws, bytes, len, &err);
      else if (kind == RUN_NET) st = c2_workspace_run_net(ws, name, 1, &err);
      else st = c2_workspace_run_net_once_bytes(ws, bytes, len, &err);
      if (st) die(mode, &err);
    }
    double per = (now_ns() - t0) / (double)iters;
    if (per < best) best = per;
  }
  printf("ns_per_call %.1f\n", best);
  c2_free(bytes);
  c2_workspace_free(ws);
  return 0;
}
