"""workspace: every function, its Caffe2 semantics and its errors."""
import threading
import time

import numpy as np
import pytest

from c2rt import C2Error, core, utils, workspace
from c2rt.proto import caffe2_pb2

DTYPES = [np.float32, np.float64, np.int32, np.int64, np.bool_, np.uint8, np.int8, np.uint16,
          np.int16, np.float16]


def lrn_op(x="X", y="Y", **kw):
    args = dict(size=3, alpha=1e-2, beta=0.75, bias=1.0)
    args.update(kw)
    return core.CreateOperator("LRN", [x], [y], **args)


@pytest.mark.parametrize("dtype", DTYPES)
def test_feed_fetch_keeps_dtype_and_shape(dtype):
    rng = np.random.RandomState(0)
    arr = (rng.randn(2, 3, 4) * 10).astype(dtype)
    assert workspace.FeedBlob("x", arr) is True
    out = workspace.FetchBlob("x")
    assert out.dtype == np.dtype(dtype)
    assert out.shape == (2, 3, 4)
    np.testing.assert_array_equal(out, arr)


@pytest.mark.parametrize("shape", [(), (0,), (3, 0, 2), (1,), (5, 1, 1, 1, 1, 1, 1, 2)])
def test_feed_fetch_shapes(shape):
    arr = np.arange(int(np.prod(shape)), dtype=np.float32).reshape(shape)
    workspace.FeedBlob("x", arr)
    out = workspace.FetchBlob("x")
    assert out.shape == shape and out.dtype == np.float32
    np.testing.assert_array_equal(out, arr)


def test_feed_and_fetch_copy():
    arr = np.ones((4, 4), np.float32)
    workspace.FeedBlob("x", arr)
    arr[:] = 7  # the blob holds its own copy
    out = workspace.FetchBlob("x")
    np.testing.assert_array_equal(out, 1)
    out[:] = 3  # and so does what FetchBlob returns
    np.testing.assert_array_equal(workspace.FetchBlob("x"), 1)
    assert out.flags.writeable and out.flags.c_contiguous


def test_feed_non_contiguous_and_foreign_byte_order():
    base = np.arange(24, dtype=np.float32).reshape(4, 6)
    workspace.FeedBlob("t", base.T)
    np.testing.assert_array_equal(workspace.FetchBlob("t"), base.T)
    workspace.FeedBlob("s", base[:, ::2])
    np.testing.assert_array_equal(workspace.FetchBlob("s"), base[:, ::2])
    big = base.astype(">f8")
    workspace.FeedBlob("b", big)
    out = workspace.FetchBlob("b")
    assert out.dtype == np.float64
    np.testing.assert_array_equal(out, base)


def test_feed_tensor_proto_and_blob_reference_names():
    proto = utils.NumpyArrayToCaffe2Tensor(np.array([[1, 2], [3, 4]], np.int32), "t")
    workspace.FeedBlob(core.BlobReference("t"), proto)
    out = workspace.FetchBlob("t")
    assert out.dtype == np.int32
    np.testing.assert_array_equal(out, [[1, 2], [3, 4]])


def test_feed_rejects_what_it_cannot_hold():
    with pytest.raises(TypeError, match="expected a numpy.ndarray, got list"):
        workspace.FeedBlob("x", [1.0, 2.0])
    with pytest.raises(TypeError, match="string blobs are not supported"):
        workspace.FeedBlob("x", b"bytes")
    with pytest.raises(TypeError, match="dtype complex128 is not supported"):
        workspace.FeedBlob("x", np.zeros(3, np.complex128))
    with pytest.raises(TypeError, match="dtype uint32 is not supported"):
        workspace.FeedBlob("x", np.zeros(3, np.uint32))
    with pytest.raises(TypeError, match="a blob name must be a str"):
        workspace.FeedBlob(3, np.zeros(3, np.float32))
    with pytest.raises(ValueError, match="NUL"):
        workspace.FeedBlob("a\0b", np.zeros(3, np.float32))
    cuda = core.DeviceOption(caffe2_pb2.CUDA, 0)
    with pytest.raises(RuntimeError, match="device type 1 is not built"):
        workspace.FeedBlob("x", np.zeros(3, np.float32), cuda)
    assert workspace.Blobs() == []
    workspace.FeedBlob("x", np.zeros(3, np.float32), core.DeviceOption(caffe2_pb2.CPU))


def test_fetch_errors():
    with pytest.raises(RuntimeError, match="Can't find blob: invincible_pink_unicorn") as e:
        workspace.FetchBlob("invincible_pink_unicorn")
    assert isinstance(e.value, C2Error) and e.value.status == "C2_ERR_NOT_FOUND"
    workspace.CreateBlob("empty")
    assert workspace.HasBlob("empty")
    with pytest.raises(C2Error, match="blob 'empty' is empty: it exists but was never written"):
        workspace.FetchBlob("empty")


def test_fetch_blobs_and_blob_dict():
    workspace.FeedBlob("a", np.array([1], np.int64))
    workspace.blobs["b"] = np.array([2.5], np.float32)
    a, b = workspace.FetchBlobs(["a", "b"])
    assert a.dtype == np.int64 and b[0] == 2.5
    assert "b" in workspace.blobs and "c" not in workspace.blobs
    assert len(workspace.blobs) == 2
    assert list(workspace.blobs) == ["a", "b"]
    np.testing.assert_array_equal(workspace.blobs["a"], [1])


def test_blobs_sorted_as_the_tutorial_prints():
    for name in ["Y", "b", "X", "W"]:
        workspace.FeedBlob(name, np.zeros(1, np.float32))
    assert workspace.Blobs() == ["W", "X", "Y", "b"]
    assert workspace.HasBlob("W") and not workspace.HasBlob("w")
    assert workspace.HasBlob(core.BlobReference("X"))


def test_reset_workspace():
    workspace.FeedBlob("x", np.zeros(1, np.float32))
    net = core.Net("reset_me")
    net.GaussianFill([], "g", shape=[2])
    workspace.CreateNet(net)
    assert workspace.ResetWorkspace() is True
    assert workspace.Blobs() == [] and workspace.Nets() == []
    assert workspace.CurrentWorkspace() == "default"
    assert workspace.ResetWorkspace("/some/root/folder") is True


def test_switch_workspace():
    assert workspace.CurrentWorkspace() == "default"
    workspace.FeedBlob("x", np.zeros(1, np.float32))
    with pytest.raises(RuntimeError, match="Workspace gutentag does not exist"):
        workspace.SwitchWorkspace("gutentag")
    assert workspace.SwitchWorkspace("gutentag", True) is None
    assert workspace.CurrentWorkspace() == "gutentag"
    assert workspace.Blobs() == []
    workspace.FeedBlob("y", np.zeros(1, np.float32))
    assert "default" in workspace.Workspaces() and "gutentag" in workspace.Workspaces()
    assert workspace.Workspaces() == sorted(workspace.Workspaces())
    workspace.SwitchWorkspace("default")
    assert workspace.Blobs() == ["x"]
    with workspace.WorkspaceGuard("guarded"):
        assert workspace.CurrentWorkspace() == "guarded"
        assert not workspace.HasBlob("x")
    assert workspace.CurrentWorkspace() == "default"
    with pytest.raises(TypeError):
        workspace.SwitchWorkspace(None)


def test_run_operator_once():
    x = np.random.RandomState(1).rand(1, 5, 2, 2).astype(np.float32)
    workspace.FeedBlob("X", x)
    op = lrn_op()
    assert workspace.RunOperatorOnce(op) is True
    assert workspace.RunOperatorOnce(op.SerializeToString()) is True
    y = workspace.FetchBlob("Y")
    assert y.shape == x.shape and np.all(np.abs(y) <= np.abs(x))
    ops = [lrn_op("X", "Y1"), lrn_op("Y1", "Y2")]
    assert workspace.RunOperatorsOnce(ops) is True
    assert workspace.HasBlob("Y2")


def test_operator_errors_name_op_blob_and_fix():
    with pytest.raises(RuntimeError, match=r"op #0 \(LRN\): input blob 'X' does not exist"):
        workspace.RunOperatorOnce(lrn_op())
    workspace.FeedBlob("X", np.random.rand(1, 3, 2, 2))  # float64, the classic mistake
    with pytest.raises(C2Error) as e:
        workspace.RunOperatorOnce(lrn_op())
    msg = str(e.value)
    assert "op #0 (LRN): input 'X' has dtype DOUBLE, expected FLOAT" in msg
    assert "astype(np.float32)" in msg
    assert e.value.status == "C2_ERR_TYPE" and e.value.op_index == 0
    workspace.FeedBlob("X", np.random.rand(1, 3, 2, 2).astype(np.float32))
    with pytest.raises(C2Error) as e:
        workspace.RunOperatorOnce(lrn_op(alpha=1))  # an int where a float belongs
    assert "argument 'alpha' must be a float (field f), but it is stored as an int" in str(e.value)
    assert "write alpha=1.0, not alpha=1" in str(e.value)
    with pytest.raises(RuntimeError, match="argument 'size' must be a positive odd integer"):
        workspace.RunOperatorOnce(lrn_op(size=4))
    with pytest.raises(RuntimeError, match="OperatorDef: "):
        workspace.RunOperatorOnce(b"\xff\xff\xff")
    with pytest.raises(TypeError):
        workspace.RunOperatorOnce(42)


def make_net(name="lrn_net"):
    net = core.Net(name)
    y = net.LRN(["X"], ["Y"], size=3, alpha=1e-2, beta=0.75)
    net.LRN([y], ["Z"], size=5, alpha=1e-2, beta=0.5)
    return net


def test_create_and_run_nets():
    workspace.FeedBlob("X", np.ones((1, 4, 2, 2), np.float32))
    net = make_net()
    assert workspace.CreateNet(net) is True
    assert workspace.Nets() == [net.Name()] and workspace.HasNet(net)
    with pytest.raises(RuntimeError, match="refuse to overwrite an existing net"):
        workspace.CreateNet(net)
    assert workspace.CreateNet(net, overwrite=True) is True
    assert workspace.RunNet(net.Name()) is True
    assert workspace.RunNet(net, num_iter=3) is True
    assert workspace.RunNet(net.Proto()) is True
    assert workspace.RunNet(net.Name(), 0) is True
    z = workspace.FetchBlob("Z")
    with pytest.raises(RuntimeError, match="net 'nope' does not exist"):
        workspace.RunNet("nope")
    assert workspace.RunNet("nope", allow_fail=True) is False
    with pytest.raises(ValueError):
        workspace.RunNet(net, -1)
    with pytest.raises(TypeError):
        workspace.RunNet(net, 1.5)
    workspace.ResetWorkspace()
    workspace.FeedBlob("X", np.ones((1, 4, 2, 2), np.float32))
    assert workspace.RunNetOnce(net) is True
    np.testing.assert_array_equal(workspace.FetchBlob("Z"), z)
    assert workspace.Nets() == []
    assert workspace.RunNetOnce(net.Proto().SerializeToString()) is True


def test_create_net_input_blobs():
    net = core.Net("with_inputs")
    net.StopGradient(["in"], ["out"])
    workspace.CreateNet(net, input_blobs=["in"])
    assert workspace.HasBlob("in")
    with pytest.raises(RuntimeError, match=r"op #0 \(StopGradient\): input 'in' is empty"):
        workspace.RunNet(net)


def test_net_failures_say_where_the_op_was_added():
    workspace.FeedBlob("X", np.ones((1, 4, 2, 2), np.float32))
    net = make_net("traced")
    workspace.CreateNet(net)
    workspace.FeedBlob("X", np.ones((1, 4, 2, 2), np.float64))
    with pytest.raises(C2Error) as e:
        workspace.RunNet(net)
    msg = str(e.value)
    assert "net 'traced': op #0 (LRN): input 'X' has dtype DOUBLE, expected FLOAT" in msg
    assert "op #0 of net 'traced' was added at" in msg and "test_workspace.py" in msg
    assert "in make_net" in msg
    workspace.FeedBlob("X", np.ones((1, 4, 2), np.float32))
    with pytest.raises(RuntimeError, match=r"op #0 \(LRN\): input 'X' must be a 4-D NCHW tensor"):
        workspace.RunNetOnce(net)
    bad = core.Net("bad_create")
    bad.LRN(["X"], ["Y"], size=2, alpha=1.0, beta=1.0)
    with pytest.raises(C2Error, match="size' must be a positive odd integer, got 2") as e:
        workspace.CreateNet(bad)
    assert "was added at" in str(e.value)


def test_registered_operators():
    ops = workspace.RegisteredOperators()
    for name in ["LRN", "LRNGradient", "Add", "UniformFill", "GaussianFill", "XavierFill",
                 "StopGradient", "Iter", "LearningRate"]:
        assert name in ops
    assert ops == sorted(ops)
    assert workspace.IsImmediate() is False


def test_workspace_objects_in_two_threads():
    """Two threads, two workspaces, at the same time: each gets what it gets alone."""
    net = make_net("threaded").Proto().SerializeToString()
    results, errors = {}, []

    def work(scale, key):
        try:
            ws = workspace.Workspace()
            ws.feed_blob("X", np.full((2, 6, 3, 3), scale, np.float32))
            ws.create_net(net, "threaded", False)
            for _ in range(300):
                st, err = ws.run_net("threaded")
                assert st == 0
            results[key] = ws.fetch_blob("Z")
        except Exception as e:  # reported below
            errors.append(e)

    threads = [threading.Thread(target=work, args=(s, s)) for s in (1.0, 2.0)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    for s in (1.0, 2.0):
        work(s, ("alone", s))
        np.testing.assert_array_equal(results[s], results[("alone", s)])


def test_library_calls_release_the_gil():
    """While one thread is inside a long RunNet, another thread keeps running Python."""
    net = core.Net("long")
    x = net.GaussianFill([], "x", shape=[256, 256], run_once=0)
    x.Add(x, "y")
    ws = workspace.Workspace()
    ws.create_net(net.Proto().SerializeToString(), "long", False)
    ticks = []
    inside = threading.Event()
    done = threading.Event()

    def ticker():
        inside.wait()
        while not done.is_set():
            ticks.append(time.perf_counter())
            time.sleep(0.001)

    t = threading.Thread(target=ticker)
    t.start()
    start = time.perf_counter()
    inside.set()
    st, _ = ws.run_net("long", 400)
    end = time.perf_counter()
    done.set()
    t.join()
    assert st == 0
    during = [x for x in ticks if start < x < end]
    assert end - start > 0.05, "the net ran too fast to tell"
    assert len(during) >= 5, "the other thread did not run while C was busy"


def test_workspace_object_caffe2_method_names():
    """The C.Workspace-style object: blobs dict, feed/fetch, create_net, run, remove_blob."""
    ws = workspace.Workspace()
    ws.blobs["X"] = np.ones((1, 3, 2, 2), np.float32)
    assert "X" in ws.blobs and list(ws.blobs) == ["X"] and len(ws.blobs) == 1
    net = make_net("object_net")
    ws.create_net(net.Proto().SerializeToString(), net.Name(), False)
    assert ws.run(net) is True and ws.run(net.Name(), 2) is True
    assert ws.has_net(net.Name()) and ws.net_names() == [net.Name()]
    np.testing.assert_array_equal(ws.fetch_blob("Z"), ws.blobs["Z"])
    with pytest.raises(C2Error, match="in use"):
        ws.remove_blob("Z")  # bound to the net
    ws.feed_blob("free", np.zeros(2, np.int8))
    ws.remove_blob("free")
    assert not ws.has_blob("free")
    assert workspace.Blobs() == []  # the module's current workspace is another one


def test_a_test_leaves_a_workspace_behind():
    # With the next test: each test starts with the "default" workspace only (conftest), so
    # `pytest python/tests` passes as a whole, not only file by file.
    workspace.SwitchWorkspace("left_behind", True)
    assert workspace.Workspaces() == ["default", "left_behind"]


def test_each_test_starts_with_only_the_default_workspace():
    assert workspace.Workspaces() == ["default"]
