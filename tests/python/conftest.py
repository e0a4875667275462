"""Paths from meson (environment) and session-wide fixtures for the PyTorch comparisons."""
import os
import tempfile

import pytest

import zoo_twin


def pytest_addoption(parser):
    parser.addoption("--zoo-full", action="store_true", default=False,
                     help="run every AlexNet size/batch combination and thread count "
                          "(also: C2RT_ZOO_FULL=1)")


def pytest_configure(config):
    config.addinivalue_line("markers", "full: only with --zoo-full / C2RT_ZOO_FULL=1 (CI runs a subset)")


def pytest_collection_modifyitems(config, items):
    if config.getoption("--zoo-full") or os.environ.get("C2RT_ZOO_FULL") == "1":
        return
    skip = pytest.mark.skip(reason="part of the full run: pytest --zoo-full or C2RT_ZOO_FULL=1")
    for item in items:
        if "full" in item.keywords:
            item.add_marker(skip)


def env_path(name):
    value = os.environ.get(name)
    if not value:
        pytest.skip(f"{name} is not set (run through meson test)")
    return value


@pytest.fixture(scope="session")
def paths():
    return {
        "c2run": env_path("C2RUN"),
        "c2mkinit": env_path("C2MKINIT"),
        "proto_dir": env_path("C2RT_PROTO_DIR"),
        "models": env_path("C2RT_MODELS_DIR"),
    }


@pytest.fixture(scope="session")
def workdir():
    with tempfile.TemporaryDirectory(prefix="c2rt-twin-") as d:
        yield d


@pytest.fixture(scope="session")
def pb2(paths, workdir):
    out = os.path.join(workdir, "pb2")
    os.makedirs(out, exist_ok=True)
    return zoo_twin.load_pb2(paths["proto_dir"], out)
