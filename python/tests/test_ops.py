"""The ops this package's tutorials need, from Python: fillers (seeded as Caffe2 seeds them), Add
with NumPy and legacy broadcasting against NumPy, its gradient through GradientChecker,
StopGradient, Iter and LearningRate."""
import numpy as np
import pytest

from c2rt import core, gradient_checker, workspace
from c2rt.proto import caffe2_pb2


def run(op):
    workspace.RunOperatorOnce(op)


def test_uniform_fill_matches_caffe2_with_a_seed():
    # std::mt19937(42) through std::uniform_real_distribution<float>(-1, 1) (libstdc++).
    run(core.CreateOperator("UniformFill", [], "W", shape=[1000], min=-1.0, max=1.0,
                            random_seed=42))
    w = workspace.FetchBlob("W")
    assert w.dtype == np.float32 and w.shape == (1000,)
    assert w[0] == np.float32(-0.250919759) and w[999] == np.float32(-0.0935183167)


def test_gaussian_fill_is_the_basics_tutorial_histogram():
    op = core.CreateOperator("GaussianFill", [], "Z", shape=[100, 100], mean=1.0, std=1.0)
    run(op)
    z = workspace.FetchBlob("Z")
    assert z.shape == (100, 100) and z.dtype == np.float32
    assert abs(z.mean() - 1.0) < 0.05 and abs(z.std() - 1.0) < 0.05
    run(op)
    assert not np.array_equal(z, workspace.FetchBlob("Z"))  # no seed: new values each time
    seeded = core.CreateOperator("GaussianFill", [], "Z", shape=[4], mean=1.0, std=2.0,
                                 device_option=core.DeviceOption(caffe2_pb2.CPU, 0, 42))
    run(seeded)
    first = workspace.FetchBlob("Z")
    run(seeded)
    np.testing.assert_array_equal(first, workspace.FetchBlob("Z"))
    assert first[0] == np.float32(3.44384265)


def test_xavier_fill_bounds():
    run(core.CreateOperator("XavierFill", [], "w", shape=[64, 50], random_seed=1))
    w = workspace.FetchBlob("w")
    bound = np.sqrt(3.0 / 50)
    assert np.all(np.abs(w) < bound) and w.max() > 0.9 * bound and w.min() < -0.9 * bound


def test_fill_from_input_shape():
    workspace.FeedBlob("X", np.zeros((3, 2), np.float64))
    run(core.CreateOperator("UniformFill", ["X"], "Y", extra_shape=[4]))
    assert workspace.FetchBlob("Y").shape == (3, 2, 4)
    workspace.FeedBlob("S", np.array([2, 5], np.int64))
    run(core.CreateOperator("GaussianFill", ["S"], "Y", input_as_shape=1))
    assert workspace.FetchBlob("Y").shape == (2, 5)
    with pytest.raises(RuntimeError, match="argument 'shape' must be a list of ints"):
        run(core.CreateOperator("UniformFill", [], "Y", shape=3))


SHAPES = [((2, 3), (2, 3)), ((2, 3), (3,)), ((4, 1), (5,)), ((2, 1, 3), (4, 1)),
          ((1,), (3, 1, 2)), ((), (2, 2)), ((0, 3), (1, 3)), ((2, 3, 4, 5), (1, 1, 1, 1))]


@pytest.mark.parametrize("a_shape,b_shape", SHAPES)
@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.int32, np.int64])
def test_add_broadcasts_like_numpy(a_shape, b_shape, dtype):
    rng = np.random.RandomState(3)
    a = np.asarray(rng.randn(*a_shape) * 100).astype(dtype)
    b = np.asarray(rng.randn(*b_shape) * 100).astype(dtype)
    workspace.FeedBlob("A", a)
    workspace.FeedBlob("B", b)
    run(core.CreateOperator("Add", ["A", "B"], ["C"]))
    c = workspace.FetchBlob("C")
    assert c.dtype == np.dtype(dtype)
    np.testing.assert_array_equal(c, a + b)


@pytest.mark.parametrize("a_shape,b_shape,kw", [
    ((2, 3, 4, 5), (4, 5), {}),
    ((2, 3, 4, 5), (3, 4), {"axis": 1}),
    ((2, 3, 4, 5), (3,), {"axis_str": "C", "order": "NCHW"}),
    ((2, 3, 4, 5), (5,), {"axis_str": "C", "order": "NHWC"}),
    ((2, 3, 4, 5), (1, 4, 1), {"axis": 1}),
    ((2, 3), (1,), {}),
])
def test_add_legacy_broadcast(a_shape, b_shape, kw):
    rng = np.random.RandomState(4)
    a = rng.randn(*a_shape).astype(np.float32)
    b = rng.randn(*b_shape).astype(np.float32)
    workspace.FeedBlob("A", a)
    workspace.FeedBlob("B", b)
    run(core.CreateOperator("Add", ["A", "B"], ["C"], broadcast=1, **kw))
    axis = kw.get("axis", None)
    if "axis_str" in kw:
        axis = kw["order"].index(kw["axis_str"])
    if axis is None:
        axis = len(a_shape) - len(b_shape)
    shaped = b.reshape((1,) * axis + b.shape + (1,) * (len(a_shape) - axis - len(b_shape)))
    np.testing.assert_allclose(workspace.FetchBlob("C"), a + shaped, rtol=0, atol=0)


def test_add_errors():
    workspace.FeedBlob("A", np.zeros((2, 3), np.float32))
    workspace.FeedBlob("B", np.zeros((2,), np.float32))
    with pytest.raises(RuntimeError, match=r"op #0 \(Add\): input 'A' \[2, 3\] and input 'B' "
                                           r"\[2\] cannot be broadcast together"):
        run(core.CreateOperator("Add", ["A", "B"], ["C"]))
    with pytest.raises(RuntimeError, match="broadcast dimension mismatch"):
        run(core.CreateOperator("Add", ["A", "B"], ["C"], broadcast=1))
    workspace.FeedBlob("B", np.zeros((2, 3), np.float64))
    with pytest.raises(RuntimeError, match="input 'B' has dtype DOUBLE, expected FLOAT") as e:
        run(core.CreateOperator("Add", ["A", "B"], ["C"]))
    assert "astype(np.float32)" in str(e.value)


@pytest.mark.parametrize("a_shape,b_shape,kw", [
    ((2, 3), (2, 3), {}), ((2, 3), (3,), {}), ((3, 1), (1, 4), {}),
    ((2, 3, 2), (3,), {"broadcast": 1, "axis": 1}),
])
def test_add_gradient_checks(a_shape, b_shape, kw):
    rng = np.random.RandomState(5)
    op = core.CreateOperator("Add", ["A", "B"], ["C"], **kw)
    inputs = [rng.randn(*a_shape).astype(np.float32), rng.randn(*b_shape).astype(np.float32)]
    checker = gradient_checker.GradientChecker(0.01, 0.05)
    for i in range(2):
        ok, grad, estimate = checker.CheckSimple(op, inputs, i, [0])
        assert ok, (grad, estimate)
        assert grad.shape == inputs[i].shape
    assert workspace.CurrentWorkspace() == "default"


def test_stop_gradient_iter_learning_rate():
    workspace.FeedBlob("X", np.arange(4, dtype=np.int32))
    run(core.CreateOperator("StopGradient", "X", "Y"))
    np.testing.assert_array_equal(workspace.FetchBlob("Y"), np.arange(4))
    # The original Toy Regression tutorial: ITER filled as INT32, counted by Iter.
    workspace.FeedBlob("ITER", np.array([0], np.int32))
    net = core.Net("lr")
    net.Iter("ITER", "ITER")
    net.LearningRate("ITER", "LR", base_lr=-0.1, policy="step", stepsize=20, gamma=0.9)
    workspace.CreateNet(net)
    lrs = []
    for _ in range(45):
        workspace.RunNet(net)
        lrs.append(workspace.FetchBlob("LR"))
    it = workspace.FetchBlob("ITER")
    assert it.dtype == np.int64 and it.tolist() == [45]
    assert lrs[0].shape == () and lrs[0].dtype == np.float32
    expected = [np.float32(-0.1) * np.float32(0.9) ** np.float32(i // 20) for i in range(1, 46)]
    np.testing.assert_allclose(lrs, expected, rtol=1e-6)


@pytest.mark.parametrize("policy,kw,formula", [
    ("fixed", {}, lambda i: 1.0),
    ("exp", {"gamma": 0.95}, lambda i: 0.95 ** i),
    ("inv", {"gamma": 0.01, "power": 0.5}, lambda i: (1 + 0.01 * i) ** -0.5),
    ("poly", {"power": 2.0, "max_iter": 100}, lambda i: (1 - i / 100) ** 2),
    ("linearWarmup", {"start_multiplier": 0.1, "num_iter": 10},
     lambda i: 1.0 if i >= 10 else 0.1 + 0.9 * i / 10),
    ("constantWarmup", {"multiplier": 0.5, "num_iter": 10}, lambda i: 1.0 if i >= 10 else 0.5),
])
def test_learning_rate_policies(policy, kw, formula):
    op = core.CreateOperator("LearningRate", "it", "lr", base_lr=0.5, policy=policy, **kw)
    for i in [0, 1, 5, 9, 10, 50]:
        workspace.FeedBlob("it", np.array([i], np.int64))
        run(op)
        assert workspace.FetchBlob("lr") == pytest.approx(0.5 * formula(i), rel=2e-6)
    with pytest.raises(RuntimeError, match="unknown learning rate policy"):
        run(core.CreateOperator("LearningRate", "it", "lr", base_lr=0.5, policy="nope"))
