"""examples/toy_regression.py with 100 steps: it learns the truth, prints the gradient ops and
map, writes its PNG, and two runs with the same seed agree."""
import numpy as np
import pytest

from test_examples import load, png_size


def test_toy_regression(tmp_path, capsys):
    found = load("toy_regression").main(["--out", str(tmp_path), "--steps", "100"])
    out = capsys.readouterr().out
    assert "FCGradient(X, W, Y_pred_grad) -> W_grad, B_grad, X_grad" in out
    assert found["gradient_map"]["W"] == "W_grad" and found["gradient_map"]["B"] == "B_grad"
    np.testing.assert_allclose(found["W"], [2.0, 1.5], atol=0.15)
    assert abs(found["B"] - 0.5) < 0.15
    assert np.mean(found["losses"][-10:]) < np.mean(found["losses"][:3])
    assert found["path"].shape == (101, 2)
    assert png_size(found["png"])[0] >= 800
    # Seeded nets: the same run twice gives the same numbers.
    again = load("toy_regression").main(["--out", str(tmp_path), "--steps", "100"])
    np.testing.assert_array_equal(again["W"], found["W"])


def test_toy_regression_needs_out():
    with pytest.raises(SystemExit):
        load("toy_regression").main([])
