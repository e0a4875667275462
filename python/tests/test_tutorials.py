"""Caffe2's tutorials, step by step, with only the imports changed (c2rt for caffe2.python):
the Basics tutorial (without its net-drawing cell) and the original Toy Regression tutorial
(caffe2/tutorials @ d51d8f09, before PR #2237 rewrote it around ModelHelper). Each step asserts
what the tutorial shows at that point."""
import numpy as np
from matplotlib import pyplot

from c2rt import core, workspace
from c2rt.proto import caffe2_pb2


def test_basics_tutorial():
    # Workspaces
    assert workspace.Blobs() == []
    assert workspace.HasBlob("X") is False
    X = np.random.randn(2, 3).astype(np.float32)
    workspace.FeedBlob("X", X)
    assert workspace.Blobs() == ["X"] and workspace.HasBlob("X") is True
    np.testing.assert_array_equal(X, workspace.FetchBlob("X"))
    try:
        workspace.FetchBlob("invincible_pink_unicorn")
        raise AssertionError("FetchBlob of a missing blob must raise")
    except RuntimeError as err:
        assert "invincible_pink_unicorn" in str(err)
    assert workspace.CurrentWorkspace() == "default"
    workspace.SwitchWorkspace("gutentag", True)
    assert workspace.CurrentWorkspace() == "gutentag" and workspace.Blobs() == []
    workspace.SwitchWorkspace("default")
    assert workspace.CurrentWorkspace() == "default" and workspace.Blobs() == ["X"]
    workspace.ResetWorkspace()
    assert workspace.Blobs() == []

    # Operators
    op = core.CreateOperator("Relu", ["X"], ["Y"])
    assert type(op) is caffe2_pb2.OperatorDef
    assert str(op) == 'input: "X"\noutput: "Y"\nname: ""\ntype: "Relu"\n'
    workspace.FeedBlob("X", np.random.randn(2, 3).astype(np.float32))
    workspace.RunOperatorOnce(op)
    assert workspace.Blobs() == ["X", "Y"]
    np.testing.assert_array_equal(workspace.FetchBlob("Y"),
                                  np.maximum(workspace.FetchBlob("X"), 0))

    op = core.CreateOperator("GaussianFill", [], ["Z"], shape=[100, 100], mean=1.0, std=1.0)
    assert "shape" in str(op) and "ints: 100" in str(op)
    workspace.RunOperatorOnce(op)
    temp = workspace.FetchBlob("Z")
    counts, _, _ = pyplot.hist(temp.flatten(), bins=50)
    pyplot.title("Distribution of Z")
    pyplot.close("all")
    assert temp.shape == (100, 100)
    assert abs(temp.mean() - 1.0) < 0.05 and abs(temp.std() - 1.0) < 0.05
    assert counts.argmax() in range(17, 33)  # a bell centred on the mean

    # Nets
    net = core.Net("my_first_net")
    assert "my_first_net" in str(net.Proto()) and len(net.Proto().op) == 0
    X = net.GaussianFill([], ["X"], mean=0.0, std=1.0, shape=[2, 3], run_once=0)
    assert type(X) is core.BlobReference and str(X) == "X"
    W = net.GaussianFill([], ["W"], mean=0.0, std=1.0, shape=[5, 3], run_once=0)
    b = net.ConstantFill([], ["b"], shape=[5, ], value=1.0, run_once=0)
    Y = X.FC([W, b], ["Y"])
    assert [o.type for o in net.Proto().op] == ["GaussianFill", "GaussianFill", "ConstantFill",
                                                "FC"]
    assert list(net.Proto().op[3].input) == ["X", "W", "b"] and str(Y) == "Y"

    workspace.ResetWorkspace()
    assert workspace.Blobs() == []
    workspace.RunNetOnce(net)
    assert workspace.Blobs() == ["W", "X", "Y", "b"]
    blobs = {name: workspace.FetchBlob(name) for name in workspace.Blobs()}
    np.testing.assert_allclose(blobs["Y"], blobs["X"].dot(blobs["W"].T) + blobs["b"],
                               rtol=1e-5, atol=1e-6)
    np.testing.assert_array_equal(blobs["b"], np.ones(5, np.float32))

    workspace.ResetWorkspace()
    workspace.CreateNet(net)
    workspace.RunNet(net.Proto().name)
    assert workspace.Blobs() == ["W", "X", "Y", "b"]

    import time
    start = time.time()
    for i in range(1000):
        workspace.RunNetOnce(net)
    once = (time.time() - start) / 1000
    start = time.time()
    for i in range(1000):
        workspace.RunNet(net.Proto().name)
    run = (time.time() - start) / 1000
    assert run < once  # the tutorial's point: a kept net is cheaper to run


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
