"""model_helper.ModelHelper and brew: the nets and parameters Caffe2's helpers build, and a
model trained through them."""
import logging

import numpy as np
import pytest
from google.protobuf import text_format

from c2rt import brew, core, model_helper, workspace
from c2rt.proto import caffe2_pb2


def op_text(text):
    op = caffe2_pb2.OperatorDef()
    text_format.Parse(text, op)
    return op.SerializeToString()


def test_model_helper_nets_and_params():
    m = model_helper.ModelHelper(name="regression_model")
    assert m.net.Name().startswith("regression_model")
    assert m.param_init_net.Name().startswith("regression_model_init")
    assert m.params == [] and m.arg_scope == {"order": "NCHW", "use_cudnn": True,
                                              "cudnn_exhaustive_search": False}
    y = brew.fc(m, "X", "y_pred", dim_in=2, dim_out=1)
    assert str(y) == "y_pred" and y.Net() is m.net
    assert [str(p) for p in m.params] == ["y_pred_w", "y_pred_b"]
    init = m.param_init_net.Proto().op
    # Caffe2: XavierFill [dim_out, dim_in] and ConstantFill [dim_out] in the init net ...
    assert init[0].SerializeToString() == op_text(
        'output: "y_pred_w" name: "" type: "XavierFill" arg { name: "shape" ints: 1 ints: 2 }')
    assert init[1].SerializeToString() == op_text(
        'output: "y_pred_b" name: "" type: "ConstantFill" arg { name: "shape" ints: 1 }')
    # ... and an FC carrying the model's arg_scope, as Caffe2's brew passes it on.
    assert m.net.Proto().op[0].SerializeToString() == op_text(
        'input: "X" input: "y_pred_w" input: "y_pred_b" output: "y_pred" name: "" type: "FC" '
        'arg { name: "order" s: "NCHW" } arg { name: "use_cudnn" i: 1 } '
        'arg { name: "cudnn_exhaustive_search" i: 0 }')
    assert list(m.net.Proto().external_input) == ["X", "y_pred_w", "y_pred_b"]


def test_brew_relu_and_lrn():
    m = model_helper.ModelHelper(name="lrn_model", arg_scope={"use_cudnn": False})
    r = brew.relu(m, "data", "relu1")
    out = brew.lrn(m, r, "norm1", size=5, alpha=1e-4, beta=0.75)
    assert str(out) == "norm1"
    relu, lrn = m.net.Proto().op
    assert relu.type == "Relu" and list(relu.output) == ["relu1"]
    assert [a.name for a in relu.arg] == ["order", "cudnn_exhaustive_search"]
    assert lrn.type == "LRN" and list(lrn.output) == ["norm1", "_norm1_scale"]
    assert [a.name for a in lrn.arg] == ["order", "cudnn_exhaustive_search", "size", "alpha",
                                         "beta"]
    with brew.arg_scope([brew.lrn], size=3):
        brew.lrn(m, "norm1", "norm2", alpha=1e-4, beta=0.75)
    assert m.net.Proto().op[2].arg[2].name == "size" and m.net.Proto().op[2].arg[2].i == 3
    with pytest.raises(RuntimeError, match="first input of helper function should be model"):
        brew.fc("not a model", "X", "Y", 1, 1)
    assert brew.has_helper("fc") and brew.has_helper(brew.lrn) and not brew.has_helper("conv")


def test_model_ops_and_warnings(caplog):
    m = model_helper.ModelHelper(name="warn")
    with caplog.at_level(logging.WARNING):
        m.SquaredL2Distance(["a", "b"], "d")
        assert not caplog.records
        m.LRN(["d"], ["e"], size=1, alpha=1.0, beta=1.0)
    assert "does not recognize: LRN" in caplog.text
    with pytest.raises(AttributeError, match="Did you mean"):
        m.AveragedLos
    strict = model_helper.ModelHelper(name="strict", allow_not_known_ops=False)
    with pytest.raises(AttributeError, match="not known to be safe"):
        strict.LRN


def test_training_through_model_helper():
    """Caffe2's current Toy Regression, part II, with the SGD step written out (WeightedSum)
    instead of optimizer.build_sgd."""
    rng = np.random.RandomState(7)
    X = rng.randn(100, 1).astype(np.float32)
    Y_gt = (0.8 * X + 0.3 + 0.05 * rng.randn(100, 1)).astype(np.float32)
    m = model_helper.ModelHelper(name="regression_model")
    y_pred = brew.fc(m, "X", "y_pred", dim_in=1, dim_out=1)
    dist = m.SquaredL2Distance(["Y_gt", y_pred], "dist")
    loss = m.AveragedLoss(dist, "loss")
    grad_map = m.AddGradientOperators([loss])
    assert {str(k): str(v) for k, v in m.param_to_grad.items()} == {
        "y_pred_w": "y_pred_w_grad", "y_pred_b": "y_pred_b_grad"}
    assert m.grad_map is grad_map
    with pytest.raises(RuntimeError, match="AddGradientOperators twice"):
        m.AddGradientOperators([loss])
    ONE = m.param_init_net.ConstantFill([], "ONE", shape=[1], value=1.0)
    LR = m.param_init_net.ConstantFill([], "LR", shape=[1], value=-0.1)
    for param, grad in m.param_to_grad.items():
        m.net.WeightedSum([param, ONE, grad, LR], param)
    workspace.FeedBlob("Y_gt", Y_gt)
    workspace.FeedBlob("X", X)
    workspace.RunNetOnce(m.param_init_net)
    workspace.CreateNet(m.net)
    workspace.FeedBlob("y_pred_w", np.array([[0.]], np.float32))
    workspace.FeedBlob("y_pred_b", np.array([0.], np.float32))
    for _ in range(200):
        workspace.RunNet(m.net)
    assert workspace.FetchBlob("y_pred_w")[0, 0] == pytest.approx(0.8, abs=0.03)
    assert workspace.FetchBlob("y_pred_b")[0] == pytest.approx(0.3, abs=0.03)
