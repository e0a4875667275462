#!/usr/bin/env python3
"""Caffe2's Basics tutorial, told with LRN, on c2rt.

    meson devenv -C build /usr/bin/python3 examples/basics_lrn.py --out DIR
    /usr/bin/python3 examples/basics_lrn.py --out DIR          (once installed)

Walks through workspaces and blobs, an operator (LRN) checked against NumPy, Caffe2's LRN
documentation example, a net run with RunNetOnce and with CreateNet + RunNet (timed), and the
float64 mistake with the error it gives. Writes DIR/lrn_response.png: how LRN scales a unit as
the energy of its neighbouring channels grows (computed by c2rt, NumPy formula overlaid)."""
import argparse
import os
import time

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from c2rt import core, workspace  # noqa: E402

# Caffe2's LRN doc example input (np.random.randn(1, 6, 6, 1) as printed in the op's doc) and
# three outputs Caffe2 printed for it.
DOC_X = np.array([
    0.72985137, -0.3753357, 2.7344604, -0.5937792, 0.38440478, -2.1659644,
    -0.92846817, -0.9996144, 0.212943, -1.968045, -0.77839696, 0.45492038,
    -0.11263168, 1.9901097, 0.19275683, 0.15630436, 0.7536298, -0.77339894,
    0.8353551, -0.7784452, 1.779317, 0.22421335, 1.3846219, -3.0546608,
    0.09977621, 2.2071757, 0.79971045, 3.563886, -0.7169287, 0.77170426,
    -1.4296649, 0.19181213, 0.45961624, -1.0201577, 0.62854475, -0.6395456],
    np.float32).reshape(1, 6, 6, 1)
DOC_PRINTED = {0: 0.5160766, 2: 1.9332271, 23: -2.1595135}


def lrn_reference(x, size, alpha, beta, bias, order="NCHW"):
    """Caffe2's LRN in float64: y = x * (bias + alpha/size * sum of x^2 over the channel window
    [c - (size-1)/2, c + size/2])^-beta."""
    x = np.asarray(x, np.float64)
    if order == "NHWC":
        x = x.transpose(0, 3, 1, 2)
    sq = x ** 2
    channels = x.shape[1]
    window = np.zeros_like(x)
    for c in range(channels):
        lo, hi = max(0, c - (size - 1) // 2), min(channels, c + size // 2 + 1)
        window[:, c] = sq[:, lo:hi].sum(axis=1)
    y = x * (bias + alpha / size * window) ** -beta
    return y.transpose(0, 2, 3, 1) if order == "NHWC" else y


def tour():
    print("== Workspaces and blobs")
    print("Current blobs in the workspace: {}".format(workspace.Blobs()))
    print("Workspace has blob 'X'? {}".format(workspace.HasBlob("X")))
    X = np.random.randn(2, 8, 5, 5).astype(np.float32)  # NCHW: 2 images, 8 channels, 5x5
    workspace.FeedBlob("X", X)
    print("Current blobs in the workspace: {}".format(workspace.Blobs()))
    print("Workspace has blob 'X'? {}".format(workspace.HasBlob("X")))
    np.testing.assert_array_equal(X, workspace.FetchBlob("X"))
    print("Fetched X equals the fed array (a copy, dtype {}).".format(workspace.FetchBlob("X").dtype))
    try:
        workspace.FetchBlob("invincible_pink_unicorn")
    except RuntimeError as err:
        print("FetchBlob of a missing blob raises RuntimeError: {}".format(err))
    print("Current workspace: {}".format(workspace.CurrentWorkspace()))
    workspace.SwitchWorkspace("gutentag", True)
    print("After switching to 'gutentag': {} holds {}".format(workspace.CurrentWorkspace(),
                                                            workspace.Blobs()))
    workspace.SwitchWorkspace("default")
    print("Back in {}: {}".format(workspace.CurrentWorkspace(), workspace.Blobs()))
    workspace.ResetWorkspace()
    print("After ResetWorkspace: {}".format(workspace.Blobs()))

    print("\n== An operator: LRN, checked against NumPy")
    op = core.CreateOperator("LRN", ["X"], ["Y", "Y_scale"], size=5, alpha=1e-4, beta=0.75,
                             bias=1.0, order="NCHW")
    print(op)
    workspace.FeedBlob("X", X)
    workspace.RunOperatorOnce(op)
    Y = workspace.FetchBlob("Y")
    err = float(np.abs(Y - lrn_reference(X, 5, 1e-4, 0.75, 1.0)).max())
    print("max |Y - NumPy float64 reference| = {:.3g}".format(err))

    print("\n== Caffe2's LRN documentation example (NHWC 1x6x6x1, size 11)")
    workspace.FeedBlob("X", DOC_X)
    workspace.RunOperatorOnce(core.CreateOperator(
        "LRN", ["X"], ["Y", "Y_scale"], size=11, alpha=0.001, beta=0.5, bias=2.0, order="NHWC"))
    doc_y = workspace.FetchBlob("Y").ravel()
    doc_diff = 0.0
    for i, printed in DOC_PRINTED.items():
        doc_diff = max(doc_diff, abs(doc_y[i] - printed) / abs(printed))
        print("  x = {:+.8f} -> Y = {:+.7f} (Caffe2 printed {:+.7f})".format(
            DOC_X.ravel()[i], doc_y[i], printed))

    print("\n== A net: RunNetOnce vs CreateNet + RunNet")
    workspace.ResetWorkspace()
    net = core.Net("lrn_net")
    Xn = net.GaussianFill([], ["X"], mean=0.0, std=1.0, shape=[2, 8, 5, 5], run_once=0)
    Xn.LRN([], ["Y", "Y_scale"], size=5, alpha=1e-4, beta=0.75, bias=1.0)
    print(net.Proto())
    return X, err, doc_diff, net


def time_net(net, iters):
    start = time.perf_counter()
    for _ in range(iters):
        workspace.RunNetOnce(net)
    once = (time.perf_counter() - start) / iters
    workspace.CreateNet(net, overwrite=True)
    start = time.perf_counter()
    for _ in range(iters):
        workspace.RunNet(net.Proto().name)
    kept = (time.perf_counter() - start) / iters
    print("RunNetOnce: {:.2f} us per call; CreateNet once + RunNet: {:.2f} us per call".format(
        once * 1e6, kept * 1e6))
    return once, kept


def float64_mistake(X):
    print("\n== The float64 mistake")
    workspace.FeedBlob("X", np.random.rand(*X.shape))  # np.random.rand gives float64
    try:
        workspace.RunOperatorOnce(core.CreateOperator("LRN", ["X"], ["Y"], size=5, alpha=1e-4,
                                                      beta=0.75))
    except RuntimeError as err:
        print("RuntimeError:", err)
        return str(err)
    raise AssertionError("a float64 input should have been refused")


def response_curves(path, size=5, alpha=1.0, beta=0.75, bias=1.0):
    """Y of the centre channel as its input x varies, for several neighbour energies E (the sum
    of squares of the other channels of its window), computed by c2rt's LRN."""
    xs = np.linspace(-4.0, 4.0, 161).astype(np.float32)
    energies = [0.0, 1.0, 4.0, 16.0, 64.0]
    batch = np.zeros((len(energies) * len(xs), size, 1, 1), np.float32)
    centre = size // 2
    for k, e in enumerate(energies):
        rows = slice(k * len(xs), (k + 1) * len(xs))
        batch[rows, :, 0, 0] = np.sqrt(e / (size - 1))
        batch[rows, centre, 0, 0] = xs
    workspace.FeedBlob("curves", batch)
    workspace.RunOperatorOnce(core.CreateOperator(
        "LRN", ["curves"], ["curves_y"], size=size, alpha=alpha, beta=beta, bias=bias))
    ys = workspace.FetchBlob("curves_y")[:, centre, 0, 0].reshape(len(energies), len(xs))
    ref = lrn_reference(batch, size, alpha, beta, bias)[:, centre, 0, 0].reshape(ys.shape)
    gains = []
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(11, 4.5))
    for k, e in enumerate(energies):
        ax1.plot(xs, ys[k], label="E = %g" % e)
        ax1.plot(xs[::16], ref[k][::16], "k.", markersize=3)
    ax1.plot([], [], "k.", label="NumPy formula")
    ax1.set_title("LRN response of the centre channel")
    ax1.set_xlabel("input x of the centre channel (arbitrary units)")
    ax1.set_ylabel("output Y (same units as x)")
    ax1.grid(alpha=0.3)
    ax1.legend(title="neighbour energy", fontsize=8)
    e_axis = np.logspace(-2, 3, 60)
    batch = np.zeros((len(e_axis), size, 1, 1), np.float32)
    batch[:, :, 0, 0] = np.sqrt(e_axis / (size - 1))[:, None]
    batch[:, centre, 0, 0] = 1.0
    workspace.FeedBlob("gain_x", batch)
    workspace.RunOperatorOnce(core.CreateOperator(
        "LRN", ["gain_x"], ["gain_y"], size=size, alpha=alpha, beta=beta, bias=bias))
    gains = workspace.FetchBlob("gain_y")[:, centre, 0, 0]
    ax2.semilogx(e_axis, gains, label="c2rt LRN")
    ax2.semilogx(e_axis, (bias + alpha / size * (1.0 + e_axis)) ** -beta, "k--", linewidth=1,
                 label="(bias + alpha/size (1 + E))^-beta")
    ax2.set_title("Gain Y/x at x = 1")
    ax2.set_xlabel("neighbour energy E = $\\sum x^2$ of the other channels (units of $x^2$)")
    ax2.set_ylabel("gain Y / x (dimensionless)")
    ax2.grid(alpha=0.3, which="both")
    ax2.legend(fontsize=8)
    fig.suptitle("c2rt LRN, size=%d, alpha=%g, beta=%g, bias=%g, NCHW" % (size, alpha, beta, bias))
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return float(np.abs(ys - ref).max()), float(gains[-1])


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", required=True, help="directory for lrn_response.png")
    ap.add_argument("--iters", type=int, default=1000, help="timing iterations")
    args = ap.parse_args(argv)
    os.makedirs(args.out, exist_ok=True)
    X, err, doc_diff, net = tour()
    once, kept = time_net(net, args.iters)
    message = float64_mistake(X)
    png = os.path.join(args.out, "lrn_response.png")
    curve_err, gain = response_curves(png)
    print("\n== Found")
    print("LRN vs NumPy float64: max abs difference {:.2g}".format(err))
    print("doc example: largest relative difference from Caffe2's printed values {:.2g}".format(
        doc_diff))
    print("RunNet is {:.1f}x cheaper per call than RunNetOnce (net kept vs rebuilt)".format(
        once / kept))
    print("response curves: c2rt vs formula max abs difference {:.2g}; at neighbour energy "
          "1000 a unit keeps {:.1%} of its value".format(curve_err, gain))
    print("wrote", png)
    return {"lrn_error": err, "doc_diff": doc_diff, "once_us": once * 1e6, "run_us": kept * 1e6,
            "dtype_message": message, "curve_error": curve_err, "png": png}


if __name__ == "__main__":
    main()
