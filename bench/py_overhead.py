#!/usr/bin/env python3
"""What the c2rt Python package costs over the C library, measured side by side in one run.

    meson devenv -C build /usr/bin/python3 bench/py_overhead.py [--quick] [--force]

Rows (best of 5 rounds each; the C loops run in bench/py_overhead_loop, the same library calls
without Python):
  RunNet         the Basics tutorial's 4-op net (GaussianFill X [2,3], GaussianFill W [5,3],
                 ConstantFill b [5], FC), CreateNet once, then RunNet(name) per call;
                 target: Python adds <= 2 us per call
  RunNetOnce     the same net instantiated, run and freed per call
  RunOperatorOnce  a tiny LRN (Caffe2's doc example: NHWC 1x6x6x1, size 11); target <= 30 us
  FeedBlob+FetchBlob  a 4 MB float32 array in and out, against one numpy.copy of it;
                 target <= 3x
  binding        one library call through cffi (what the package uses) and through ctypes:
                 c2_workspace_has_blob (a name), c2_workspace_feed_buffer (an ndarray)
Caffe2's own figures for the same net (Basics tutorial, 2017 hardware): RunNetOnce 99.6 us,
RunNet 8.0 us per call.

Timings are only meaningful on a quiet machine: the script refuses to run when the 1-minute
load average is >= 0.5 (--force overrides, and the output then says so)."""
import argparse
import ctypes
import os
import platform
import subprocess
import sys
import tempfile
import time

import numpy as np

import c2rt
from c2rt import core, workspace
from c2rt._lib import ffi, lib

CAFFE2_RUNNETONCE_US = 99.6
CAFFE2_RUNNET_US = 8.0


def cpu_model():
    try:
        with open("/proc/cpuinfo") as f:
            info = f.read()
    except OSError:
        return platform.processor() or "unknown CPU"
    fields = {}
    for line in info.splitlines():
        if ":" in line:
            k, v = line.split(":", 1)
            fields.setdefault(k.strip(), v.strip())
    return "%s (family %s, model %s), %d CPUs" % (
        fields.get("model name", "?"), fields.get("cpu family", "?"), fields.get("model", "?"),
        os.cpu_count() or 0)


def best_of(fn, calls, rounds=5):
    """Best time per call in microseconds over `rounds` rounds of `calls` calls."""
    best = float("inf")
    for _ in range(rounds):
        t0 = time.perf_counter()
        fn(calls)
        best = min(best, (time.perf_counter() - t0) / calls)
    return best * 1e6


def c_loop(loop, *args):
    out = subprocess.run([loop] + [str(a) for a in args], check=True, capture_output=True,
                         text=True).stdout
    return float(out.split()[1]) / 1000.0


def basics_net():
    """The net Caffe2's Basics tutorial times."""
    net = core.Net("my_first_net")
    X = net.GaussianFill([], ["X"], mean=0.0, std=1.0, shape=[2, 3], run_once=0)
    W = net.GaussianFill([], ["W"], mean=0.0, std=1.0, shape=[5, 3], run_once=0)
    b = net.ConstantFill([], ["b"], shape=[5, ], value=1.0, run_once=0)
    X.FC([W, b], ["Y"])
    return net


def tiny_lrn():
    x = np.random.RandomState(0).rand(1, 6, 6, 1).astype(np.float32)
    op = core.CreateOperator("LRN", ["X"], ["Y", "Y_scale"], size=11, alpha=0.001, beta=0.5,
                             bias=2.0, order="NHWC")
    return x, op


def binding_rows(scale):
    """The same two calls through cffi (ABI mode) and ctypes, on the same workspace."""
    ws = workspace.CurrentWorkspaceObject()._ws
    workspace.FeedBlob("small", np.ones(4, np.float32))
    cdll = ctypes.CDLL(c2rt.library_path)
    cdll.c2_workspace_has_blob.argtypes = [ctypes.c_void_p, ctypes.c_char_p]
    cdll.c2_workspace_has_blob.restype = ctypes.c_bool
    cdll.c2_workspace_feed_buffer.argtypes = [
        ctypes.c_void_p, ctypes.c_char_p, ctypes.c_int, ctypes.c_int,
        ctypes.POINTER(ctypes.c_int64), ctypes.c_void_p, ctypes.c_size_t, ctypes.c_void_p]
    cdll.c2_workspace_feed_buffer.restype = ctypes.c_int
    ws_ptr = ctypes.c_void_p(int(ffi.cast("uintptr_t", ws)))
    arr = np.ones(4, np.float32)
    dims = (ctypes.c_int64 * 1)(4)
    err_buf = ctypes.create_string_buffer(ffi.sizeof("c2_error"))
    has_c, feed_c = lib.c2_workspace_has_blob, lib.c2_workspace_feed_buffer
    has_t, feed_t = cdll.c2_workspace_has_blob, cdll.c2_workspace_feed_buffer
    err = ffi.new("c2_error *")

    def cffi_has(n):
        for _ in range(n):
            has_c(ws, b"small")

    def ctypes_has(n):
        for _ in range(n):
            has_t(ws_ptr, b"small")

    def cffi_feed(n):
        for _ in range(n):
            feed_c(ws, b"small", 1, 1, [4], ffi.from_buffer(arr), 16, err)

    def ctypes_feed(n):
        for _ in range(n):
            feed_t(ws_ptr, b"small", 1, 1, dims, arr.ctypes.data, 16, err_buf)

    n = 200000 // scale
    a, b = best_of(cffi_has, n), best_of(ctypes_has, n)
    c, d = best_of(cffi_feed, n), best_of(ctypes_feed, n)
    return [("binding: c2_workspace_has_blob", a, b, a / b, "cffi / ctypes", None, ""),
            ("binding: c2_workspace_feed_buffer (ndarray)", c, d, c / d, "cffi / ctypes", None,
             "")]


def find_loop(build):
    for d in [build, os.environ.get("C2RT_BUILD_ROOT", ""), "build"]:
        p = os.path.join(d, "bench", "py_overhead_loop") if d else ""
        if p and os.path.exists(p):
            return p
    sys.exit("py_overhead: cannot find bench/py_overhead_loop; pass --build BUILDDIR")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--build", default="", help="build directory holding bench/py_overhead_loop")
    ap.add_argument("--quick", action="store_true", help="fewer calls (a smoke run, not a result)")
    ap.add_argument("--force", action="store_true", help="run even on a busy machine")
    args = ap.parse_args()
    load = os.getloadavg()[0]
    if load >= 0.5 and not args.force:
        sys.exit("py_overhead: 1-minute load average is %.2f (>= 0.5): timings would be wrong. "
                 "Wait for a quiet machine, or pass --force." % load)
    loop = find_loop(args.build)
    scale = 20 if args.quick else 1
    rows = []

    net = basics_net()
    tmp = tempfile.mkdtemp(prefix="c2rt_py_overhead_")
    net_pb = os.path.join(tmp, "net.pb")
    with open(net_pb, "wb") as f:
        f.write(net.Proto().SerializeToString())
    workspace.ResetWorkspace()
    workspace.CreateNet(net)
    name = net.Name()

    def py_run_net(n):
        run = workspace.RunNet
        for _ in range(n):
            run(name)

    n = 200000 // scale
    py_us = best_of(py_run_net, n)
    c_us = c_loop(loop, "run-net", net_pb, n)
    inner_us = best_of(lambda k: workspace.RunNet(name, k), n)
    rows.append(("RunNet (4-op net)", py_us, c_us, py_us - c_us, "added <= 2 us",
                 py_us - c_us <= 2.0, "%.1f" % CAFFE2_RUNNET_US))
    rows.append(("  RunNet(num_iter=N) / N", inner_us, c_us, inner_us - c_us, "", None, ""))

    def py_run_net_once(n):
        for _ in range(n):
            workspace.RunNetOnce(net)

    n = 20000 // scale
    py_us = best_of(py_run_net_once, n)
    c_us = c_loop(loop, "run-net-once", net_pb, n)
    rows.append(("RunNetOnce (4-op net)", py_us, c_us, py_us - c_us, "", None,
                 "%.1f" % CAFFE2_RUNNETONCE_US))

    x, op = tiny_lrn()
    workspace.FeedBlob("X", x)
    op_pb = os.path.join(tmp, "op.pb")
    with open(op_pb, "wb") as f:
        f.write(op.SerializeToString())
    x_npy = os.path.join(tmp, "x.npy")
    np.save(x_npy, x)

    def py_run_op(n):
        for _ in range(n):
            workspace.RunOperatorOnce(op)

    n = 20000 // scale
    py_us = best_of(py_run_op, n)
    c_us = c_loop(loop, "run-op", op_pb, x_npy, n)
    rows.append(("RunOperatorOnce (LRN 1x6x6x1)", py_us, c_us, py_us - c_us, "total <= 30 us",
                 py_us <= 30.0, ""))

    big = np.random.RandomState(1).rand(1024, 1024).astype(np.float32)  # 4 MiB

    def feed_fetch(n):
        for _ in range(n):
            workspace.FeedBlob("big", big)
            workspace.FetchBlob("big")

    def np_copy(n):
        for _ in range(n):
            np.copy(big)

    n = 200 // min(scale, 10)
    ff_us = best_of(feed_fetch, n)
    copy_us = best_of(np_copy, n)
    rows.append(("FeedBlob+FetchBlob 4 MiB f32", ff_us, copy_us, ff_us / copy_us,
                 "<= 3x numpy.copy", ff_us / copy_us <= 3.0, ""))

    rows += binding_rows(scale)

    print("c2rt %s: Python overhead on %s" % (c2rt.__version__, cpu_model()))
    print("Python %s, 1-min load %.2f%s%s\n" % (platform.python_version(), load,
                                              "  (--force: busy machine)" if load >= 0.5 else "",
                                              "  (--quick: smoke run)" if args.quick else ""))
    print("| call | Python (us) | C loop / peer (us) | added | target | met | Caffe2 (us) |")
    print("| --- | ---: | ---: | ---: | --- | --- | ---: |")
    for label, py_v, c_v, added, target, met, caffe2 in rows:
        added_s = ("%.2fx" % added) if "x numpy" in target or "/" in target \
            else ("%.2f us" % added)
        met_s = "" if met is None else ("yes" if met else "NO")
        print("| %s | %.2f | %.2f | %s | %s | %s | %s |" % (label, py_v, c_v, added_s, target,
                                                         met_s, caffe2))
    failed = [r[0] for r in rows if r[5] is False]
    if failed:
        print("\ntargets missed: %s" % ", ".join(failed))
    return 1 if failed and not args.quick else 0


if __name__ == "__main__":
    sys.exit(main())
