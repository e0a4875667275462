"""Net.AddGradientOperators over the library's backward-net builder: Caffe2's names for a
fan-out net (seed, pass-through Sum gradient, autosplit + Sum), given gradients, skip, stop
gradients, errors, and the numbers the gradient ops compute."""
import numpy as np
import pytest

from c2rt import C2Error, core, workspace


def summary(ops):
    return [(op.type, list(op.input), list(op.output)) for op in ops]


def fan_out_net():
    net = core.Net("fanout")
    h1 = net.Relu(["X"], ["h1"])
    h2 = net.Relu(["X"], ["h2"])
    s = net.Sum([h1, h2], ["s"])
    loss = net.AveragedLoss([s], ["loss"])
    return net, loss


def test_fan_out_names():
    net, loss = fan_out_net()
    grad_map = net.AddGradientOperators([loss])
    assert summary(net.Proto().op[4:]) == [
        ("ConstantFill", ["loss"], ["loss_autogen_grad"]),
        ("AveragedLossGradient", ["s", "loss_autogen_grad"], ["s_grad"]),
        ("ReluGradient", ["h2", "s_grad"], ["X_grad"]),
        ("ReluGradient", ["h1", "s_grad"], ["_X_grad_autosplit_0"]),
        ("Sum", ["X_grad", "_X_grad_autosplit_0"], ["X_grad"]),
    ]
    assert {str(k): str(v) for k, v in grad_map.items()} == {
        "loss": "loss_autogen_grad", "s": "s_grad", "h1": "s_grad", "h2": "s_grad",
        "X": "X_grad"}
    assert str(next(iter(grad_map))) == "loss"  # Caffe2's order: the losses first
    assert all(isinstance(k, core.BlobReference) and isinstance(v, core.BlobReference)
               for k, v in grad_map.items())
    assert grad_map["X"] == "X_grad" and grad_map[core.BlobReference("X")] == "X_grad"
    seed = net.Proto().op[4]
    assert seed.arg[0].name == "value" and seed.arg[0].f == 1.0 and not seed.is_gradient_op
    assert all(op.is_gradient_op for op in net.Proto().op[5:8])

    x = np.array([[-1.5, 0.5, 2.0], [1.0, -0.25, 3.0]], np.float32)
    workspace.FeedBlob("X", x)
    workspace.RunNetOnce(net)
    np.testing.assert_allclose(workspace.FetchBlob("X_grad"), 2.0 * (x > 0) / x.size, rtol=1e-6)


def test_given_gradients_skip_and_stop_gradient():
    net = core.Net("given")
    y = net.Relu(["X"], ["Y"])
    z = y.StopGradient([], ["Z"])
    w = net.Relu([z], ["W"])
    grad_map = net.AddGradientOperators({w: "W_given"})
    assert summary(net.Proto().op[3:]) == [("ReluGradient", ["W", "W_given"], ["Z_grad"])]
    assert {str(k): str(v) for k, v in grad_map.items()} == {"W": "W_given", "Z": "Z_grad"}

    net2 = core.Net("skipped")
    a = net2.Relu(["X"], ["A"])
    b = net2.Relu([a], ["B"])
    grad_map = net2.AddGradientOperators([b], skip=1)
    types = [op.type for op in net2.Proto().op[2:]]
    assert types == ["ConstantFill", "ReluGradient"]
    assert "X" not in grad_map and str(grad_map["A"]) == "A_grad"


def test_backward_errors():
    net = core.Net("no_loss")
    net.Relu(["X"], ["Y"])
    with pytest.raises(C2Error, match="nowhere"):
        net.AddGradientOperators(["nowhere"])
    with pytest.raises(TypeError):
        net.AddGradientOperators("Y")
    with pytest.raises(ValueError, match="sparse"):
        net.AddGradientOperators({"Y": core.GradientSlice("i", "v")})
    it = core.Net("iter_only")
    i = it.Iter(["it"], ["it"])
    lr = it.LearningRate([i], ["lr"], base_lr=0.1, policy="fixed")
    assert it.AddGradientOperators([lr]) == {core.BlobReference("lr"): core.BlobReference(
        "lr_autogen_grad")}


def test_in_place_add_trains():
    # Caffe2 nets add a bias in place (net.Add([X, b], X)); its AddGradient then reads and
    # writes X_grad, which the library's schema used to refuse ("cannot run in place").
    x = np.arange(6, dtype=np.float32).reshape(2, 3)
    workspace.FeedBlob("X", x)
    workspace.FeedBlob("b", np.array([1, 2, 3], np.float32))
    net = core.Net("inplace_add")
    net.Add(["X", "b"], "X")
    loss = net.AveragedLoss("X", "loss")
    grad_map = net.AddGradientOperators([loss])
    assert summary(net.Proto().op[-1:]) == [
        ("AddGradient", ["X_grad", "X", "b"], ["X_grad", "b_grad"])]
    workspace.RunNetOnce(net)
    np.testing.assert_allclose(workspace.FetchBlob(grad_map["X"]), np.full((2, 3), 1 / 6.0),
                               rtol=1e-6)
    np.testing.assert_allclose(workspace.FetchBlob(grad_map["b"]), np.full(3, 2 / 6.0),
                               rtol=1e-6)
