"""Shared fixtures: every test starts in a fresh "default" workspace."""
import os
import sys

import pytest

from c2rt import workspace

SOURCE_ROOT = os.environ.get("C2RT_SOURCE_ROOT",
                             os.path.dirname(os.path.dirname(os.path.dirname(__file__))))
BUILD_ROOT = os.environ.get("C2RT_BUILD_ROOT", "")


def _only_default():
    """A fresh "default" and no other workspace: workspaces live in the process, so one made by
    a test (the Basics tutorial's "gutentag") would otherwise leak into the tests after it when
    several files run in one pytest process."""
    workspace.SwitchWorkspace("default", True)
    workspace.ResetWorkspace()
    for name in [n for n in workspace.Workspaces() if n != "default"]:
        del workspace._workspaces[name]


@pytest.fixture(autouse=True)
def fresh_workspace():
    _only_default()
    yield
    _only_default()


def run_python(code, env_update=None, cwd=None):
    """Runs `code` in a fresh /usr/bin/python3 (same sys.path); returns CompletedProcess."""
    import subprocess
    env = dict(os.environ)
    env.update(env_update or {})
    env = {k: v for k, v in env.items() if v is not None}
    return subprocess.run([sys.executable, "-c", code], env=env, cwd=cwd, capture_output=True,
                          text=True, timeout=300)
