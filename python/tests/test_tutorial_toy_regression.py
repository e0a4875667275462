"""Caffe2's original Toy Regression tutorial (caffe2/tutorials @ d51d8f09, before PR #2237 rewrote
it around ModelHelper) step by step, with only the imports changed (c2rt for caffe2.python).
Each step asserts what the tutorial shows at that point."""
import numpy as np
from matplotlib import pyplot

from c2rt import core, workspace


def test_original_toy_regression_tutorial():
    init_net = core.Net("init")
    W_gt = init_net.GivenTensorFill([], "W_gt", shape=[1, 2], values=[2.0, 1.5])
    B_gt = init_net.GivenTensorFill([], "B_gt", shape=[1], values=[0.5])
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

    gradient_map = train_net.AddGradientOperators([loss])
    # What the tutorial's backward pass holds: the gradients of the parameters and of the
    # loss chain; none flows through StopGradient into Y_gt, W_gt or B_gt.
    assert str(gradient_map[W]) == "W_grad" and str(gradient_map[B]) == "B_grad"
    assert str(gradient_map[loss]) == "loss_autogen_grad"
    for blob in ("Y_gt", "W_gt", "B_gt", "noise"):
        assert blob not in gradient_map

    train_net.Iter(ITER, ITER)
    LR = train_net.LearningRate(ITER, "LR", base_lr=-0.1, policy="step", stepsize=20, gamma=0.9)
    train_net.WeightedSum([W, ONE, gradient_map[W], LR], W)
    train_net.WeightedSum([B, ONE, gradient_map[B], LR], B)

    workspace.RunNetOnce(init_net)
    workspace.CreateNet(train_net)
    w0 = workspace.FetchBlob("W")
    assert w0.shape == (1, 2) and np.all(np.abs(w0) <= 1.0)
    np.testing.assert_array_equal(workspace.FetchBlob("B"), [0.0])

    for i in range(100):
        workspace.RunNet(train_net.Proto().name)

    W_learned, B_learned = workspace.FetchBlob("W"), workspace.FetchBlob("B")
    np.testing.assert_array_equal(workspace.FetchBlob("W_gt"), [[2.0, 1.5]])
    np.testing.assert_array_equal(workspace.FetchBlob("B_gt"), [0.5])
    # The tutorial prints W close to [[2.0, 1.5]] and B close to [0.5] (the noise has std 1,
    # so the fit is within a few hundredths over 64-sample minibatches).
    np.testing.assert_allclose(W_learned, [[2.0, 1.5]], atol=0.15)
    np.testing.assert_allclose(B_learned, [0.5], atol=0.15)
    assert workspace.FetchBlob("ITER").tolist() == [100]

    # The tutorial's last cell: 50 more steps recorded for the (w0, w1) and b plots.
    workspace.RunNetOnce(init_net)
    workspace.CreateNet(train_net, overwrite=True)
    w_history, b_history = [], []
    for i in range(50):
        workspace.RunNet(train_net.Proto().name)
        w_history.append(workspace.FetchBlob("W"))
        b_history.append(workspace.FetchBlob("B"))
    w_history = np.vstack(w_history)
    b_history = np.vstack(b_history)
    pyplot.plot(w_history[:, 0], w_history[:, 1], "r")
    pyplot.axis("equal")
    pyplot.xlabel("w_0")
    pyplot.ylabel("w_1")
    pyplot.grid(True)
    pyplot.figure()
    pyplot.plot(b_history)
    pyplot.xlabel("iter")
    pyplot.ylabel("b")
    pyplot.grid(True)
    pyplot.close("all")
    assert w_history.shape == (50, 2) and b_history.shape == (50, 1)
    start_err = np.abs(w_history[0] - [2.0, 1.5]).sum()
    end_err = np.abs(w_history[-1] - [2.0, 1.5]).sum()
    assert end_err < start_err or end_err < 0.2  # the path heads for the truth
