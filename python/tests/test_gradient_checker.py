"""gradient_checker.GradientChecker agrees with the library's checker as the c2gradcheck tool
runs it: the same inputs (the tool's generator, reproduced here), the same verdicts, the same
analytic gradients, numeric estimates within the float32 noise of the Python checker's loss."""
import os
import re
import subprocess

import numpy as np
import pytest

from c2rt import core, gradient_checker, workspace

TOOL = os.environ.get("C2GRADCHECK", "")
MASK = (1 << 64) - 1


def tool_inputs(shapes, step, seed):
    """c2gradcheck's inputs: xorshift64* uniforms, values in +-[2 step, 1] (away from kinks)."""
    state = (seed * 0x9E3779B97F4A7C15 + 1) & MASK
    lo = 2 * float(np.float32(step))

    def uniform():
        nonlocal state
        x = state
        x ^= x >> 12
        x = (x ^ (x << 25)) & MASK
        x ^= x >> 27
        state = x
        return (((x * 0x2545F4914F6CDD1D) & MASK) >> 11) * (1.0 / 9007199254740992.0)

    out = []
    for shape in shapes:
        n = int(np.prod(shape)) if shape else 1
        v = np.empty(n, np.float32)
        for i in range(n):
            u = uniform()
            sign = -1.0 if uniform() < 0.5 else 1.0
            v[i] = sign * (lo + (1.0 - lo) * u)
        out.append(v.reshape(shape))
    return out


LINE = re.compile(r"input (\d+) '[^']*' \[[^\]]*\]: (\d+) elements?(?:, worst \[([\d, ]*)\] "
                  r"analytic (\S+) numeric (\S+) .*?)?: (ok|FAIL)")


def run_tool(op_type, args, shapes, step, threshold, seed):
    cmd = [TOOL, "--op", op_type, "--step", repr(step), "--threshold", repr(threshold),
           "--seed", str(seed)]
    for k, v in args.items():
        cmd += ["--arg", "%s=%s" % (k, v)]
    for s in shapes:
        cmd += ["--shape", ",".join(map(str, s)) if s else "scalar"]
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
    assert r.returncode in (0, 2), r.stdout + r.stderr
    results = []
    for m in LINE.finditer(r.stdout):
        idx = tuple(int(i) for i in m.group(3).split(",")) if m.group(3) else None
        results.append({"ok": m.group(6) == "ok", "index": idx,
                        "analytic": float(m.group(4)) if m.group(4) else None,
                        "numeric": float(m.group(5)) if m.group(5) else None})
    assert len(results) == len(shapes), r.stdout
    return results, r.returncode


CASES = [
    ("LRN", {"size": 11, "alpha": 0.001, "beta": 0.5, "bias": 2.0, "order": "NHWC"},
     [(2, 6, 6, 10)], 0.01, 0.05),
    ("LRN", {"size": 5, "alpha": 0.001, "beta": 0.75, "bias": 2.0, "order": "NCHW"},
     [(2, 13, 3, 3)], 0.01, 0.05),
    ("FC", {}, [(4, 3), (2, 3), (2,)], 0.005, 0.005),
    ("Add", {}, [(2, 3), (3,)], 0.005, 0.005),
    ("Relu", {}, [(3, 4)], 0.005, 0.005),
]


@pytest.mark.parametrize("case", range(len(CASES)))
def test_python_checker_agrees_with_c2gradcheck(case):
    assert TOOL and os.path.exists(TOOL), "C2GRADCHECK must name the c2gradcheck tool"
    op_type, args, shapes, step, threshold = CASES[case]
    seed = 7 + case
    tool, status = run_tool(op_type, args, shapes, step, threshold, seed)
    inputs = tool_inputs(shapes, step, seed)
    op = core.CreateOperator(op_type, ["in%d" % i for i in range(len(shapes))], ["out"], **args)
    checker = gradient_checker.GradientChecker(step, threshold)
    for i, t in enumerate(tool):
        ok, grad, estimate = checker.CheckSimple(op, [x.copy() for x in inputs], i, [0])
        assert ok == t["ok"], (op_type, i, t)
        assert ok, "%s input %d should pass" % (op_type, i)
        a = grad[t["index"]]
        assert abs(a - t["analytic"]) <= 1e-5 * (1 + abs(a)), (a, t)
        assert abs(estimate[t["index"]] - t["numeric"]) <= 2e-3, (estimate[t["index"]], t)
    assert status == 0
    assert workspace.CurrentWorkspace() == "default"


def test_both_fail_a_threshold_nothing_meets():
    shapes = [(2, 4, 3, 3)]
    args = {"size": 3, "alpha": 0.5, "beta": 0.75, "bias": 1.0}
    tool, status = run_tool("LRN", args, shapes, 0.01, 1e-9, 3)
    assert status == 2 and not tool[0]["ok"]
    op = core.CreateOperator("LRN", ["x"], ["y"], **args)
    ok, _, _ = gradient_checker.GradientChecker(0.01, 1e-9).CheckSimple(
        op, tool_inputs(shapes, 0.01, 3), 0, [0])
    assert not ok


def test_reproduced_inputs_match_the_tool():
    """For a one-element Relu input the tool prints the analytic gradient of 0.5 y^2, which is
    max(x, 0): positive inputs show the reproduced value itself."""
    for seed in range(11, 19):
        tool, _ = run_tool("Relu", {}, [(1,)], 0.005, 0.005, seed)
        x = float(tool_inputs([(1,)], 0.005, seed)[0][0])
        assert 0.01 <= abs(x) <= 1.0
        assert abs(tool[0]["analytic"] - max(x, 0.0)) <= 1e-6 * (1 + abs(x)), (seed, x, tool)
