#!/usr/bin/env python3
"""LRN's gradient on c2rt, checked the way Caffe2 checked it, then used to train.

    meson devenv -C build /usr/bin/python3 examples/lrn_gradcheck.py --out DIR [--steps N]

1. gradient_checker.GradientChecker(0.01, 0.05) on Caffe2's TestLRN cases (size 11, alpha 0.001,
   beta 0.5, bias 2, X = rand(2, s, s, d) for (s, d) in (6, 10), (3, 13)), in NHWC as TestLRN
   and in NCHW.
2. A net Relu -> LRN -> SquaredL2Distance -> AveragedLoss, its backward pass from
   AddGradientOperators, a whole-net finite-difference check of X_grad, then SGD on the input X
   for --steps steps (LRN has no parameters: the input is what is trained toward a target).
Writes DIR/lrn_gradcheck.png: analytic vs numeric gradients, and the loss curve."""
import argparse
import os

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from c2rt import core, gradient_checker, workspace  # noqa: E402

LRN_ARGS = dict(size=11, alpha=0.001, beta=0.5, bias=2.0)


def check_test_lrn_cases(rng):
    """Caffe2's TestLRN, both orders. Returns [(label, ok, analytic, numeric)]."""
    checker = gradient_checker.GradientChecker(0.01, 0.05, workspace_name="cpu_checker_ws")
    results = []
    for s, d in [(6, 10), (3, 13)]:
        x_nhwc = rng.rand(2, s, s, d).astype(np.float32)
        for order in ("NHWC", "NCHW"):
            x = x_nhwc if order == "NHWC" else np.ascontiguousarray(x_nhwc.transpose(0, 3, 1, 2))
            op = core.CreateOperator("LRN", ["X"], ["Y", "Y_scale"], order=order, **LRN_ARGS)
            ok, grad, est = checker.CheckSimple(op, [x.copy()], 0, [0])
            label = "%s %s" % (order, "x".join(map(str, x.shape)))
            print("  GradientChecker LRN %-13s: %s, max |analytic - numeric| = %.2e" % (
                label, "pass" if ok else "FAIL", float(np.abs(grad - est).max())))
            results.append((label, ok, grad.ravel(), est.ravel()))
    return results


def build_net(target_shape):
    net = core.Net("relu_lrn")
    r = net.Relu(["X"], ["R"])
    y, _ = r.LRN([], ["Y", "Y_scale"], size=5, alpha=0.1, beta=0.75, bias=1.0, order="NCHW")
    dist = net.SquaredL2Distance([y, "T"], "dist")
    loss = dist.AveragedLoss([], ["loss"])
    n_forward = len(net.Proto().op)
    grad_map = net.AddGradientOperators([loss])
    return net, n_forward, grad_map


def net_loss(forward, x):
    workspace.FeedBlob("X", x)
    workspace.RunNetOnce(forward)
    return float(workspace.FetchBlob("loss"))


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", required=True, help="directory for lrn_gradcheck.png")
    ap.add_argument("--steps", type=int, default=50, help="SGD steps on X")
    ap.add_argument("--probes", type=int, default=60, help="elements checked in the whole net")
    ap.add_argument("--lr", type=float, default=0.5, help="SGD step size")
    args = ap.parse_args(argv)
    os.makedirs(args.out, exist_ok=True)
    rng = np.random.RandomState(1701)
    workspace.ResetWorkspace()

    print("== Caffe2's TestLRN through GradientChecker(0.01, 0.05)")
    cases = check_test_lrn_cases(rng)

    print("== Relu -> LRN -> SquaredL2Distance -> AveragedLoss")
    shape = (2, 8, 4, 4)
    # Positive and away from Relu's kink (as Caffe2's tests keep inputs), so that no unit
    # starts dead and the finite differences never straddle the kink.
    x = (np.abs(rng.randn(*shape)) + 0.1).astype(np.float32)
    target = rng.rand(*shape).astype(np.float32) * 0.8
    net, n_forward, grad_map = build_net(shape)
    forward = core.Net(net.Proto())
    del forward.Proto().op[n_forward:]
    print("gradient ops:", ", ".join(op.type for op in net.Proto().op[n_forward:]))
    print("gradient map:", ", ".join("%s -> %s" % kv for kv in grad_map.items()))
    workspace.FeedBlob("T", target)
    workspace.FeedBlob("X", x)
    workspace.RunNetOnce(net)
    analytic = workspace.FetchBlob(str(grad_map["X"])).ravel()
    h = 1e-3
    probes = rng.choice(x.size, size=min(args.probes, x.size), replace=False)
    numeric = []
    x64 = x.astype(np.float64)
    for i in probes:
        xp, xm = x64.copy().ravel(), x64.copy().ravel()
        xp[i] += h
        xm[i] -= h
        numeric.append((net_loss(forward, xp.reshape(shape).astype(np.float32)) -
                        net_loss(forward, xm.reshape(shape).astype(np.float32))) / (2 * h))
    numeric = np.array(numeric)
    net_err = float(np.abs(analytic[probes] - numeric).max())
    net_ok = bool(np.all(np.isclose(analytic[probes], numeric, atol=5e-3, rtol=5e-2)))
    print("whole-net check of X_grad on %d elements: %s, max |analytic - numeric| = %.2e" % (
        len(probes), "pass" if net_ok else "FAIL", net_err))

    losses = []
    workspace.FeedBlob("X", x)
    workspace.FeedBlob("ONE", np.ones(1, np.float32))
    workspace.FeedBlob("LR", np.array([-args.lr], np.float32))
    train = core.Net(net.Proto())  # forward + backward, then X <- X - lr * X_grad
    train.WeightedSum(["X", "ONE", grad_map["X"], "LR"], "X")
    workspace.CreateNet(train)
    for _ in range(args.steps):
        workspace.RunNet(train)
        losses.append(float(workspace.FetchBlob("loss")))
    print("SGD on X: loss %.4g -> %.4g after %d steps" % (losses[0], losses[-1], len(losses)))

    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(11, 4.8))
    lo = min(min(c[3].min() for c in cases), numeric.min())
    hi = max(max(c[3].max() for c in cases), numeric.max())
    for label, ok, grad, est in cases:
        ax1.plot(est, grad, ".", markersize=3, alpha=0.6,
                 label="LRN %s (%s)" % (label, "pass" if ok else "FAIL"))
    ax1.plot(numeric, analytic[probes], "k^", markersize=5, label="whole net, X_grad")
    ax1.plot([lo, hi], [lo, hi], "k-", linewidth=0.7, label="y = x")
    ax1.set_title("Analytic vs numeric gradient")
    ax1.set_xlabel("numeric: central difference of the loss (loss units per unit of x)")
    ax1.set_ylabel("analytic: gradient ops (same units)")
    ax1.grid(alpha=0.3)
    ax1.legend(fontsize=7)
    ax2.semilogy(np.arange(1, len(losses) + 1), losses)
    ax2.set_title("SGD on the input X, step size %g" % args.lr)
    ax2.set_xlabel("step")
    ax2.set_ylabel("loss: mean over samples of $\\frac{1}{2}\\|LRN(Relu(X)) - T\\|^2$ (log)")
    ax2.grid(alpha=0.3, which="both")
    fig.suptitle("c2rt: LRN gradients (GradientChecker 0.01 / 0.05) and a "
                 "Relu -> LRN -> SquaredL2Distance -> AveragedLoss net")
    fig.tight_layout()
    png = os.path.join(args.out, "lrn_gradcheck.png")
    fig.savefig(png, dpi=110)
    plt.close(fig)
    print("== Found")
    print("TestLRN cases: %d of %d pass; whole net: %s; loss fell by %.1f%% in %d steps" % (
        sum(c[1] for c in cases), len(cases), "pass" if net_ok else "FAIL",
        100 * (1 - losses[-1] / losses[0]), len(losses)))
    print("wrote", png)
    return {"cases": [(c[0], c[1]) for c in cases], "net_ok": net_ok, "net_err": net_err,
            "losses": losses, "png": png}


if __name__ == "__main__":
    main()
