"""core / utils / scope: OperatorDefs byte-identical to Caffe2's, BlobReference, Net, scopes,
GradientRegistry."""
import numpy as np
import pytest
from google.protobuf import text_format

from c2rt import core, utils, workspace
from c2rt.proto import caffe2_pb2


def op_from_text(text):
    op = caffe2_pb2.OperatorDef()
    text_format.Parse(text, op)
    return op


NET = caffe2_pb2.NetDef(name="sub")
SEEDED_CPU = core.DeviceOption(caffe2_pb2.CPU, 0, random_seed=3)

# (call, Caffe2's OperatorDef for that call in protobuf text). What Caffe2's core.CreateOperator
# and utils.MakeArgument produce: name always set, arguments in keyword order, ints stay ints.
CREATE_OPERATOR_TABLE = [
    (lambda: core.CreateOperator("Relu", ["X"], ["Y"]),
     'input: "X" output: "Y" name: "" type: "Relu"'),
    (lambda: core.CreateOperator("Relu", "X", "Y", name="relu1"),
     'input: "X" output: "Y" name: "relu1" type: "Relu"'),
    (lambda: core.CreateOperator("LRN", ["X"], ["Y", "Y_scale"], size=5, alpha=1e-4, beta=0.75,
                                 bias=1.0, order="NCHW"),
     'input: "X" output: "Y" output: "Y_scale" name: "" type: "LRN" '
     'arg { name: "size" i: 5 } arg { name: "alpha" f: 0.0001 } arg { name: "beta" f: 0.75 } '
     'arg { name: "bias" f: 1.0 } arg { name: "order" s: "NCHW" }'),
    (lambda: core.CreateOperator("LRN", ["X"], ["Y"], alpha=1, beta=True),
     'input: "X" output: "Y" name: "" type: "LRN" arg { name: "alpha" i: 1 } '
     'arg { name: "beta" i: 1 }'),
    (lambda: core.CreateOperator("GaussianFill", [], ["Z"], shape=[100, 100], mean=1.0, std=1.0),
     'output: "Z" name: "" type: "GaussianFill" arg { name: "shape" ints: 100 ints: 100 } '
     'arg { name: "mean" f: 1.0 } arg { name: "std" f: 1.0 }'),
    (lambda: core.CreateOperator("GivenTensorFill", [], "W", shape=(1, 2),
                                 values=np.array([2.0, 1.5], np.float32)),
     'output: "W" name: "" type: "GivenTensorFill" arg { name: "shape" ints: 1 ints: 2 } '
     'arg { name: "values" floats: 2.0 floats: 1.5 }'),
    (lambda: core.CreateOperator("Op", [], [], a=np.array([[1, 2], [3, 4]], np.int32),
                                 b=np.array([0.5, 2.0]), c=np.float32(0.25), d=np.int64(7),
                                 e=np.bool_(True)),
     'name: "" type: "Op" arg { name: "a" ints: 1 ints: 2 ints: 3 ints: 4 } '
     'arg { name: "b" floats: 0.5 floats: 2.0 } arg { name: "c" f: 0.25 } '
     'arg { name: "d" i: 7 } arg { name: "e" i: 1 }'),
    (lambda: core.CreateOperator("Op", [], [], s=b"raw\x00", u="na\u00efve",
                                 l=["a", b"b"], f=[1.0, np.float64(2.5)], i=[1, True, np.int64(3)],
                                 empty=[]),
     'name: "" type: "Op" arg { name: "s" s: "raw\\000" } arg { name: "u" s: "na\\303\\257ve" } '
     'arg { name: "l" strings: "a" strings: "b" } arg { name: "f" floats: 1.0 floats: 2.5 } '
     'arg { name: "i" ints: 1 ints: 1 ints: 3 } arg { name: "empty" }'),
    (lambda: core.CreateOperator("Op", [], [], net=NET, nets=[NET, NET],
                                 msg=core.DeviceOption(caffe2_pb2.CPU, 0),
                                 msgs=[core.DeviceOption(caffe2_pb2.CPU, 1)]),
     'name: "" type: "Op" arg { name: "net" n { name: "sub" } } '
     'arg { name: "nets" nets { name: "sub" } nets { name: "sub" } } '
     'arg { name: "msg" s: "\\010\\000\\020\\000" } arg { name: "msgs" strings: "\\010\\000\\020\\001" }'),
    (lambda: core.CreateOperator("Relu", ["X"], ["Y"], device_option=SEEDED_CPU, engine="CUDNN"),
     'input: "X" output: "Y" name: "" type: "Relu" '
     'device_option { device_type: 0 device_id: 0 random_seed: 3 } engine: "CUDNN"'),
    (lambda: core.CreateOperator("UniformFill", [], ["W"], min=-1.0, max=1.0, random_seed=7),
     'output: "W" name: "" type: "UniformFill" arg { name: "min" f: -1.0 } '
     'arg { name: "max" f: 1.0 } device_option { random_seed: 7 }'),
    (lambda: core.CreateOperator("Sum", ["a", core.BlobReference("b")], "c", control_input=["d"],
                                 arg=[utils.MakeArgument("first", 1)], second=2.0),
     'input: "a" input: "b" output: "c" name: "" type: "Sum" '
     'arg { name: "first" i: 1 } arg { name: "second" f: 2.0 } control_input: "d"'),
    (lambda: core.CreateOperator("Relu", ["X"], ["Y"], skipped=None, kept=0),
     'input: "X" output: "Y" name: "" type: "Relu" arg { name: "kept" i: 0 }'),
]


@pytest.mark.parametrize("case", range(len(CREATE_OPERATOR_TABLE)))
def test_create_operator_is_byte_identical_to_caffe2(case):
    make, text = CREATE_OPERATOR_TABLE[case]
    op = make()
    expected = op_from_text(text)
    assert op.SerializeToString() == expected.SerializeToString(), \
        "got:\n%s\nexpected:\n%s" % (op, expected)


def test_create_operator_scopes():
    with core.NameScope("a"):
        with core.NameScope("b"):
            op = core.CreateOperator("Relu", "X", core.BlobReference("Y"))
        assert core.ScopedName("Z") == "a/Z"
        with core.NameScope("c", reset=True):
            assert core.ScopedName("Z") == "c/Z"
    assert list(op.input) == ["a/b/X"] and list(op.output) == ["Y"]
    assert core.ScopedName("Z") == "Z"
    with core.DeviceScope(core.DeviceOption(caffe2_pb2.CPU, 0, random_seed=9)):
        op = core.CreateOperator("Relu", "X", "Y")
        inner = core.CreateOperator("Relu", "X", "Y", device_option=caffe2_pb2.DeviceOption())
    assert op.device_option.random_seed == 9
    assert not inner.device_option.HasField("random_seed")
    assert not core.CreateOperator("Relu", "X", "Y").HasField("device_option")
    with pytest.raises(TypeError):
        with core.NameScope(3):
            pass


def test_make_argument_errors():
    with pytest.raises(ValueError, match="Unknown iterable argument type: key=mix"):
        utils.MakeArgument("mix", [1, 2.0])
    with pytest.raises(ValueError, match="Unknown iterable argument type"):
        utils.MakeArgument("f32s", [np.float32(1.0)])
    with pytest.raises(ValueError, match="Unknown argument type: key=obj"):
        utils.MakeArgument("obj", object())
    with pytest.raises(ValueError, match="Unknown argument type: key=none"):
        utils.MakeArgument("none", None)


def test_create_operator_io_errors():
    with pytest.raises(TypeError, match="I/O blob #1 of unsupported type: 3"):
        core.CreateOperator("Relu", ["X", 3], ["Y"])
    with pytest.raises(TypeError, match="Unknown input/output type: 5"):
        core.CreateOperator("Relu", 5, ["Y"])


def test_blob_reference():
    w = core.BlobReference("scope/W")
    assert str(w) == "scope/W" and repr(w) == 'BlobReference("scope/W")'
    assert w == "scope/W" and w == b"scope/W" and w != "W" and w != 3
    assert {w: 1}["scope/W"] == 1 and {"scope/W": 1}[w] == 1
    assert str(w + "_grad") == "scope/W_grad" and str("pre_" + w) == "pre_scope/W"
    assert w.GetNameScope() == "scope/" and w.GetUnscopedName() == "W"
    assert core.BlobReference(b"x") == "x"
    with pytest.raises(RuntimeError, match="does not have a net source"):
        w.Relu([], "Y")
    with pytest.raises(RuntimeError):
        w + 3


def test_net_names_are_unique_per_process():
    a, b = core.Net("train"), core.Net("train")
    assert a.Name() == "train" or a.Name().startswith("train_")
    assert b.Name() != a.Name() and b.Name().startswith("train_")
    assert str(b) == b.Name()
    c = core.Net(a.Proto())
    assert c.Name() not in (a.Name(), b.Name())


def test_net_attribute_ops():
    net = core.Net("my_first_net")
    name = net.Name()
    X = net.GaussianFill([], ["X"], mean=0.0, std=1.0, shape=[2, 3], run_once=0)
    assert isinstance(X, core.BlobReference) and X.Net() is net
    auto = net.UniformFill([], None, shape=[2])
    auto2 = net.UniformFill([], None, shape=[2])
    assert str(auto) == name + "/UniformFill" and str(auto2) == name + "/UniformFill_2"
    two = net.LRN(X, 2, size=1, alpha=1.0, beta=1.0)
    assert [str(t) for t in two] == [name + "/LRN:0", name + "/LRN:1"]
    Y = X.Add(["ext"], "Y")
    assert str(Y) == "Y"
    assert list(net.Proto().external_input) == ["ext"]
    Z = Y.StopGradient([], "Z")
    net.AddExternalOutput(Z)
    assert list(net.Proto().external_output) == ["Z"]
    ops = net.Proto().op
    assert [op.type for op in ops] == ["GaussianFill", "UniformFill", "UniformFill", "LRN",
                                      "Add", "StopGradient"]
    assert list(ops[4].input) == ["X", "ext"]
    assert ops[0].arg[3].name == "run_once" and ops[0].arg[3].i == 0
    assert net.BlobIsDefined("Y") and net.BlobIsDefined("ext") and not net.BlobIsDefined("Q")
    assert net.UsesBlob("X") and not net.UsesBlob("Q")
    assert "LRN" in dir(net) and "Add" in dir(X)


def test_net_external_blob_rules():
    net = core.Net("ext_rules")
    x = net.AddExternalInput("x")
    assert isinstance(x, core.BlobReference) and str(x) == "x"
    a, b = net.AddExternalInput("a", core.BlobReference("b"))
    assert str(a) == "a" and str(b) == "b"
    # ValueError / TypeError, and AssertionError as Caffe2 raised.
    with pytest.raises(ValueError, match="already contains an input named x") as e:
        net.AddExternalInput("x")
    assert isinstance(e.value, AssertionError)
    with pytest.raises(TypeError) as e:
        net.AddExternalOutput("x")  # not a BlobReference
    assert isinstance(e.value, AssertionError)
    with pytest.raises(ValueError, match="not defined"):
        net.AddExternalOutput(core.BlobReference("nowhere"))
    with pytest.raises(ValueError):
        net.AddExternalInput()
    net.AddExternalOutput(x)
    assert [str(e) for e in net.external_outputs] == ["x"]
    assert [str(e) for e in net.external_inputs] == ["x", "a", "b"]


def test_unknown_operator_did_you_mean():
    net = core.Net("typos")
    with pytest.raises(AttributeError, match=r"Method LNR is not a registered operator\. "
                                             r"Did you mean: \[.*LRN.*\]"):
        net.LNR
    assert not hasattr(net, "GaussianFil")
    with pytest.raises(RuntimeError, match="Did you mean: .*GaussianFill"):
        net.GaussianFill([], "x", shape=[1]).GausianFill([], "y")
    with pytest.raises(AttributeError):
        net.__nonexistent__
    assert "LRN" in core.NearbyOpNames("lrn")


def test_clone():
    net = core.Net("orig")
    x = net.GaussianFill([], "x", shape=[2])
    y = x.StopGradient([], "y")
    net.StopGradient([y], "z")
    net.AddExternalOutput(y)
    clone = net.Clone("copy", blob_remap={"y": "y2"}, op_id_mask=[0, 1])
    proto = clone.Proto()
    assert clone.Name().startswith("copy")
    assert [op.type for op in proto.op] == ["GaussianFill", "StopGradient"]
    assert list(proto.op[1].output) == ["y2"] and list(proto.external_output) == ["y2"]
    assert len(net.Proto().op) == 3  # the original is untouched
    assert clone.BlobIsDefined("y2")


def test_data_type_and_device_option():
    for name, value in caffe2_pb2.TensorProto.DataType.items():
        if hasattr(core.DataType, name):
            assert getattr(core.DataType, name) == value
    assert caffe2_pb2.CPU == 0 and caffe2_pb2.CUDA == 1
    opt = core.DeviceOption(caffe2_pb2.CPU, 0, random_seed=11, node_name="n")
    assert opt.device_type == 0 and opt.random_seed == 11 and opt.node_name == "n"
    assert opt.HasField("device_id")
    assert core.DeviceOption(caffe2_pb2.CUDA, device_id=2).device_id == 2


def test_gradient_registry_uses_the_library_makers():
    op = core.CreateOperator("LRN", ["X"], ["Y", "Y_scale"], size=5, alpha=1e-4, beta=0.75)
    ops, g_input = core.GradientRegistry.GetGradientForOp(op, ["Y_grad", None])
    assert g_input == ["X_grad"]
    expected = op_from_text(
        'input: "X" input: "Y" input: "Y_grad" output: "X_grad" name: "" type: "LRNGradient" '
        'arg { name: "size" i: 5 } arg { name: "alpha" f: 0.0001 } arg { name: "beta" f: 0.75 } '
        'is_gradient_op: true')
    assert len(ops) == 1 and ops[0].SerializeToString() == expected.SerializeToString()
    sg = core.CreateOperator("StopGradient", ["X"], ["X"])
    assert core.GradientRegistry.GetGradientForOp(sg, ["X_grad"]) == ([], [None])
    add = core.CreateOperator("Add", ["A", "B"], ["C"])
    ops, g_input = core.GradientRegistry.GetGradientForOp(add, [core.BlobReference("C_grad")])
    assert g_input == ["A_grad", "B_grad"] and ops[0].type == "AddGradient"
    assert list(ops[0].input) == ["C_grad", "A", "B"]
    with pytest.raises(Exception, match=r"Exception when creating gradient for \[LRN\]"):
        core.GradientRegistry.GetGradientForOp(op, [None, None])
    with pytest.raises(Exception, match="sparse gradients"):
        core.GradientRegistry.GetGradientForOp(op, [core.GradientSlice("i", "v"), None])


def test_gradient_registry_python_makers():
    op = core.CreateOperator("NoSuchGradOp", ["X"], ["Y"])
    with pytest.raises(Exception, match=r"Exception when creating gradient for \[NoSuchGradOp\]"):
        core.GradientRegistry.GetGradientForOp(op, ["Y_grad"])

    @core.GradientRegistry.RegisterGradient("NoSuchGradOp")
    def _maker(op, g_output):
        return core.CreateOperator("Copy", [g_output[0]], ["X_grad"]), ["X_grad"]

    try:
        ops, g_input = core.GradientRegistry.GetGradientForOp(op, ["Y_grad"])
        assert [o.type for o in ops] == ["Copy"] and g_input == ["X_grad"]
    finally:
        del core.GradientRegistry.gradient_registry_["NoSuchGradOp"]


def test_tensor_proto_round_trip():
    for arr in [np.arange(6, dtype=np.float32).reshape(2, 3), np.array([1, -2], np.int64),
                np.array([True, False]), np.array([0.5], np.float64), np.zeros((0, 2), np.int32)]:
        back = utils.Caffe2TensorToNumpyArray(utils.NumpyArrayToCaffe2Tensor(arr, "t"))
        assert back.dtype == arr.dtype and back.shape == arr.shape
        np.testing.assert_array_equal(back, arr)
    with pytest.raises(TypeError):
        utils.NumpyArrayToCaffe2Tensor(np.zeros(2, np.complex64))
    bad = caffe2_pb2.TensorProto(dims=[3], data_type=caffe2_pb2.TensorProto.FLOAT,
                                 float_data=[1.0])
    with pytest.raises(ValueError, match="need 3 values, it holds 1"):
        utils.Caffe2TensorToNumpyArray(bad)
    raw = caffe2_pb2.TensorProto(dims=[2], data_type=caffe2_pb2.TensorProto.FLOAT,
                                 raw_data=np.array([1.5, 2.5], "<f4").tobytes())
    np.testing.assert_array_equal(utils.Caffe2TensorToNumpyArray(raw), [1.5, 2.5])


def test_printed_op_text():
    op = core.CreateOperator("Relu", ["X"], ["Y"])
    assert str(op) == 'input: "X"\noutput: "Y"\nname: ""\ntype: "Relu"\n'
    workspace.FeedBlob("X", np.zeros(1, np.float32))  # (the fixture resets it)


def test_net_const():
    net = core.Net("consts")
    f = net.Const(np.array([[1.5, 2.0]], np.float32), "f")
    i = net.Const(np.array([1, 2, 3], np.int32), "i")
    l = net.Const([4, 5], "l")  # np.array of Python ints: int64
    b = net.Const(True, "b")
    auto = net.Const([0.5])
    ops = net.Proto().op
    assert [o.type for o in ops] == ["GivenTensorFill", "GivenTensorIntFill",
                                     "GivenTensorInt64Fill", "ConstantFill", "GivenTensorFill"]
    assert str(auto).startswith(net.Name() + "/GivenTensorFill")
    workspace.RunNetOnce(net)
    np.testing.assert_array_equal(workspace.FetchBlob(f), [[1.5, 2.0]])
    assert workspace.FetchBlob(i).dtype == np.int32
    assert workspace.FetchBlob(l).tolist() == [4, 5] and workspace.FetchBlob(l).dtype == np.int64
    assert workspace.FetchBlob(b).dtype == np.bool_ and workspace.FetchBlob(b).tolist()
    with pytest.raises(TypeError):
        net.Const(np.array(["a"]))
