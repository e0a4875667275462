"""The three examples, run with few steps: they finish, print what they found, write a PNG, and
find what they should."""
import importlib.util
import os
import struct

import numpy as np
import pytest

from conftest import SOURCE_ROOT


def load(name):
    path = os.path.join(SOURCE_ROOT, "examples", name + ".py")
    spec = importlib.util.spec_from_file_location("example_" + name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def png_size(path):
    with open(path, "rb") as f:
        head = f.read(24)
    assert head[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    return struct.unpack(">II", head[16:24])


def test_basics_lrn(tmp_path, capsys):
    found = load("basics_lrn").main(["--out", str(tmp_path), "--iters", "50"])
    out = capsys.readouterr().out
    assert "Can't find blob: invincible_pink_unicorn" in out
    assert 'type: "LRN"' in out and "== Found" in out
    assert found["lrn_error"] < 1e-5
    assert found["doc_diff"] < 1e-6  # Caffe2's printed doc-example outputs
    assert found["curve_error"] < 1e-5
    assert "astype(np.float32)" in found["dtype_message"]
    assert found["run_us"] < found["once_us"]
    w, h = png_size(found["png"])
    assert w >= 800 and h >= 400


def test_lrn_gradcheck(tmp_path, capsys):
    found = load("lrn_gradcheck").main(["--out", str(tmp_path), "--steps", "10",
                                        "--probes", "12"])
    out = capsys.readouterr().out
    assert "LRNGradient" in out and "X -> X_grad" in out
    assert [c[1] for c in found["cases"]] == [True] * 4
    assert [c[0].split()[0] for c in found["cases"]] == ["NHWC", "NCHW", "NHWC", "NCHW"]
    assert found["net_ok"]
    assert found["losses"][-1] < 0.5 * found["losses"][0]
    assert png_size(found["png"])[0] >= 800


@pytest.mark.parametrize("name", ["basics_lrn", "lrn_gradcheck"])
def test_examples_need_out(name):
    with pytest.raises(SystemExit):
        load(name).main([])
