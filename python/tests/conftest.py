"""Shared fixtures: every test starts in a fresh "default" workspace."""
import os
import sys

import pytest

from c2rt import workspace

SOURCE_ROOT = os.environ.get("C2RT_SOURCE_ROOT",
                             os.path.dirname(os.path.dirname(os.path.dirname(__file__))))
BUILD_ROOT = os.environ.get("C2RT_BUILD_ROOT", "")


@pytest.fixture(autouse=True)
def fresh_workspace():
    workspace.SwitchWorkspace("default", True)
    workspace.ResetWorkspace()
    yield
    workspace.SwitchWorkspace("default", True)
    workspace.ResetWorkspace()


def run_python(code, env_update=None, cwd=None):
    """Runs `code` in a fresh /usr/bin/python3 (same sys.path); returns CompletedProcess."""
    import subprocess
    env = dict(os.environ)
    env.update(env_update or {})
    env = {k: v for k, v in env.items() if v is not None}
    return subprocess.run([sys.executable, "-c", code], env=env, cwd=cwd, capture_output=True,
                          text=True, timeout=300)
