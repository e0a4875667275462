"""Caffe2's Basics tutorial (caffe2/tutorials, py_gen/Basics.py) step by step, with only the
imports changed (c2rt for caffe2.python) and without its net-drawing cell. Each step asserts
what the tutorial shows at that point."""
import time

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

    start = time.time()
    for i in range(1000):
        workspace.RunNetOnce(net)
    once = (time.time() - start) / 1000
    start = time.time()
    for i in range(1000):
        workspace.RunNet(net.Proto().name)
    run = (time.time() - start) / 1000
    assert run < once  # the tutorial's point: a kept net is cheaper to run
