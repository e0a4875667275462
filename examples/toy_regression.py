#!/usr/bin/env python3
"""Caffe2's original Toy Regression tutorial on c2rt: learn y = 2.0 x0 + 1.5 x1 + 0.5 from noisy
64-sample minibatches with SGD.

    meson devenv -C build /usr/bin/python3 examples/toy_regression.py --out DIR [--steps N]

The init net holds the truth (GivenTensorFill W_gt = [2.0, 1.5], B_gt = 0.5), ONE, ITER and the
parameters (W uniform in [-1, 1], B = 0); the train net draws X and noise (GaussianFill),
computes the noisy target (FC, Add, StopGradient), the prediction (FC), the loss
(SquaredL2Distance, AveragedLoss), its gradients (AddGradientOperators) and the SGD update
(Iter, LearningRate step policy, WeightedSum). Prints the backward ops and gradient map, the
learned parameters next to the truth, and writes DIR/toy_regression.png (loss curve and the
(w0, w1) path)."""
import argparse
import os

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from c2rt import core, workspace  # noqa: E402
from c2rt.proto import caffe2_pb2  # noqa: E402

W_TRUE, B_TRUE = [2.0, 1.5], 0.5


def build(seed):
    init_net = core.Net("init")
    W_gt = init_net.GivenTensorFill([], "W_gt", shape=[1, 2], values=W_TRUE)
    B_gt = init_net.GivenTensorFill([], "B_gt", shape=[1], values=[B_TRUE])
    ONE = init_net.ConstantFill([], "ONE", shape=[1], value=1.)
    ITER = init_net.ConstantFill([], "ITER", shape=[1], value=0, dtype=core.DataType.INT32)
    W = init_net.UniformFill([], "W", shape=[1, 2], min=-1., max=1.)
    B = init_net.ConstantFill([], "B", shape=[1], value=0.0)

    train_net = core.Net("train")
    X = train_net.GaussianFill([], "X", shape=[64, 2], mean=0.0, std=1.0, run_once=0)
    Y_gt = X.FC([W_gt, B_gt], "Y_gt")
    noise = train_net.GaussianFill([], "noise", shape=[64, 1], mean=0.0, std=1.0, run_once=0)
    Y_noise = Y_gt.Add(noise, "Y_noise")
    Y_noise = Y_noise.StopGradient([], "Y_noise")
    Y_pred = X.FC([W, B], "Y_pred")
    dist = train_net.SquaredL2Distance([Y_noise, Y_pred], "dist")
    loss = dist.AveragedLoss([], ["loss"])
    n_forward = len(train_net.Proto().op)
    gradient_map = train_net.AddGradientOperators([loss])
    backward = train_net.Proto().op[n_forward:]
    train_net.Iter(ITER, ITER)
    LR = train_net.LearningRate(ITER, "LR", base_lr=-0.1, policy="step", stepsize=20, gamma=0.9)
    train_net.WeightedSum([W, ONE, gradient_map[W], LR], W)
    train_net.WeightedSum([B, ONE, gradient_map[B], LR], B)
    if seed is not None:  # every op inherits the nets' device option, seed included
        for net in (init_net, train_net):
            net.Proto().device_option.CopyFrom(core.DeviceOption(caffe2_pb2.CPU, 0, seed))
    return init_net, train_net, backward, gradient_map


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", required=True, help="directory for toy_regression.png")
    ap.add_argument("--steps", type=int, default=150, help="SGD steps (the tutorial: 100 + 50)")
    ap.add_argument("--seed", type=int, default=2018, help="random_seed of both nets")
    args = ap.parse_args(argv)
    os.makedirs(args.out, exist_ok=True)
    workspace.ResetWorkspace()
    init_net, train_net, backward, gradient_map = build(args.seed)

    print("== Gradient ops added by AddGradientOperators([loss])")
    for op in backward:
        print("  %s(%s) -> %s" % (op.type, ", ".join(op.input), ", ".join(op.output)))
    print("== Gradient map")
    for blob, grad in gradient_map.items():
        print("  %s -> %s" % (blob, grad))

    workspace.RunNetOnce(init_net)
    workspace.CreateNet(train_net)
    w_start = workspace.FetchBlob("W").ravel().copy()
    losses, path = [], [w_start]
    for _ in range(args.steps):
        workspace.RunNet(train_net.Proto().name)
        losses.append(float(workspace.FetchBlob("loss")))
        path.append(workspace.FetchBlob("W").ravel().copy())
    path = np.array(path)
    W_learned, B_learned = workspace.FetchBlob("W").ravel(), float(workspace.FetchBlob("B")[0])

    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(11, 4.5))
    ax1.semilogy(np.arange(1, len(losses) + 1), losses)
    ax1.axhline(0.5, color="gray", linestyle="--", linewidth=1,
                label="noise floor: E[noise^2]/2 = 0.5")
    ax1.set_title("Training loss (AveragedLoss of SquaredL2Distance)")
    ax1.set_xlabel("SGD step (one 64-sample minibatch each)")
    ax1.set_ylabel("loss (squared units of y, log scale)")
    ax1.grid(alpha=0.3, which="both")
    ax1.legend(fontsize=8)
    ax2.plot(path[:, 0], path[:, 1], "r.-", markersize=3, linewidth=1, label="W during training")
    ax2.plot(*path[0], "ko", label="start (UniformFill)")
    ax2.plot(*W_TRUE, "g*", markersize=14, zorder=5, label="truth (2.0, 1.5)")
    ax2.set_aspect("equal", adjustable="datalim")
    ax2.set_title("Path of the weights (w0, w1)")
    ax2.set_xlabel("w0 (weight of x0, dimensionless)")
    ax2.set_ylabel("w1 (weight of x1, dimensionless)")
    ax2.grid(alpha=0.3)
    ax2.legend(fontsize=8)
    fig.suptitle("c2rt: Caffe2's Toy Regression, y = 2.0 x0 + 1.5 x1 + 0.5 + N(0, 1), "
                 "lr -0.1 * 0.9^floor(iter/20)")
    fig.tight_layout()
    png = os.path.join(args.out, "toy_regression.png")
    fig.savefig(png, dpi=110)
    plt.close(fig)

    print("== Found")
    print("W: start %s -> learned %s (truth %s)" % (np.round(w_start, 4), np.round(W_learned, 4),
                                                   W_TRUE))
    print("B: learned %.4f (truth %.1f)" % (B_learned, B_TRUE))
    print("loss: first step %.3f, mean of the last 10 steps %.3f" % (
        losses[0], float(np.mean(losses[-10:]))))
    print("wrote", png)
    return {"W": W_learned, "B": B_learned, "losses": losses, "path": path, "png": png,
            "gradient_map": {str(k): str(v) for k, v in gradient_map.items()}}


if __name__ == "__main__":
    main()
