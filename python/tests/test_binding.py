"""How the package reaches the library: the search order, the error listing every path tried,
version checks, per-call errors from several threads, and the generated declarations."""
import os
import threading

import numpy as np
import pytest

import c2rt
from c2rt import C2Error, _config, _lib, workspace
from c2rt._c2rt_cffi import ffi

from conftest import run_python

LIBRARY = os.environ.get("C2RT_LIBRARY") or c2rt.library_path


def test_loaded_library_and_version():
    assert c2rt.__version__ == _config.VERSION
    assert ffi.string(_lib.lib.c2_version()).decode() == c2rt.__version__
    assert os.path.exists(c2rt.library_path) or c2rt.library_path == _config.SONAME
    assert _config.SONAME == "libc2rt.so.0" and _config.LIBRARY_PATH.endswith("/libc2rt.so.0")


def test_environment_variable_comes_first():
    r = run_python("import c2rt; print(c2rt.library_path)", {"C2RT_LIBRARY": LIBRARY})
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == LIBRARY


def test_failure_lists_every_path_tried():
    r = run_python("import c2rt", {"C2RT_LIBRARY": "/nonexistent/libc2rt.so.0",
                                   "LD_LIBRARY_PATH": None})
    if r.returncode == 0:
        pytest.skip("an installed libc2rt is reachable here, so the fallbacks succeed")
    err = r.stderr
    assert "ImportError: c2rt: cannot load libc2rt" in err
    assert "/nonexistent/libc2rt.so.0 ($C2RT_LIBRARY)" in err
    assert "%s (the path Meson configured)" % _config.LIBRARY_PATH in err
    assert "libc2rt.so.0 (the versioned soname, through the dynamic linker)" in err
    assert "meson devenv" in err


def test_soname_through_the_dynamic_linker():
    """With $C2RT_LIBRARY unset, LD_LIBRARY_PATH reaches the library by its versioned soname
    (after a warning that the earlier candidates failed, unless one is installed)."""
    r = run_python("import c2rt; print(c2rt.library_path)",
                   {"C2RT_LIBRARY": None, "LD_LIBRARY_PATH": os.path.dirname(LIBRARY)})
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() in (_config.LIBRARY_PATH, _config.SONAME)


def test_wrong_library_falls_back_with_a_warning():
    r = run_python("import warnings; warnings.simplefilter('always'); import c2rt; "
                   "print(c2rt.library_path)",
                   {"C2RT_LIBRARY": "/nonexistent/libc2rt.so.0",
                    "LD_LIBRARY_PATH": os.path.dirname(LIBRARY)})
    assert r.returncode == 0, r.stderr
    assert "RuntimeWarning: c2rt: using" in r.stderr and "/nonexistent/libc2rt.so.0" in r.stderr


def run_in_threads(fn, n):
    """fn(0) .. fn(n - 1), each on its own thread, all at once."""
    threads = [threading.Thread(target=fn, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()


def test_errors_are_per_call_across_threads():
    """Each call gets its own c2_error: errors raised concurrently keep their own messages."""
    errors = {}
    barrier = threading.Barrier(4)

    def fail(i):
        ws = workspace.Workspace()
        barrier.wait()
        for _ in range(200):
            try:
                ws.fetch_blob("missing_%d" % i)
            except C2Error as e:
                errors.setdefault(i, set()).add(str(e))

    run_in_threads(fail, 4)
    for i in range(4):
        assert errors[i] == {"Can't find blob: missing_%d" % i}


def test_declarations_cover_the_binding_api():
    for name in ["c2_workspace_blob_info", "c2_workspace_fetch", "c2_workspace_feed_buffer",
                 "c2_workspace_run_operator_bytes", "c2_workspace_run_net_once_bytes",
                 "c2_workspace_create_net_bytes", "c2_gradient_for_op_bytes",
                 "c2_workspace_run_net", "c2_registry_types", "c2_status_name"]:
        assert hasattr(_lib.lib, name), name
    assert ffi.sizeof("c2_error") == 4 + 1024
    assert ffi.typeof("c2_blob_info").fields[2][1].type.length == 8  # dims[C2_MAX_NDIM]
    assert _lib.lib.C2_ERR_TYPE == -8


def test_fetch_with_the_c_copy_agrees_with_memmove():
    x = np.arange(12, dtype=np.int16).reshape(3, 4)
    workspace.FeedBlob("x", x)
    out = np.empty_like(x)
    err = _lib.new_error()
    ws = workspace.CurrentWorkspaceObject()._ws
    _lib.check(_lib.lib.c2_workspace_fetch(ws, b"x", ffi.from_buffer(out), out.nbytes, err), err)
    np.testing.assert_array_equal(out, workspace.FetchBlob("x"))
    st = _lib.lib.c2_workspace_fetch(ws, b"x", ffi.from_buffer(out), 3, err)
    with pytest.raises(C2Error, match="holds 24 bytes, but the destination has 3"):
        _lib.check(st, err)


def test_library_messages_are_per_call_across_threads():
    """As above, with messages written by the library itself (FetchBlob's "Can't find blob" is
    made in Python): an op that fails in C, in four workspaces at once, must raise each
    thread's own message, never another thread's."""
    errors = {}
    barrier = threading.Barrier(4)

    def fail(i):
        ws = workspace.Workspace()
        op = workspace.caffe2_pb2.OperatorDef(type="Relu", input=["missing_%d" % i],
                                              output=["y"]).SerializeToString()
        barrier.wait()
        for _ in range(200):
            try:
                ws.run_operator_once(op)
            except C2Error as e:
                errors.setdefault(i, set()).add(str(e))

    run_in_threads(fail, 4)
    for i in range(4):
        assert errors[i] == {"op #0 (Relu): input blob 'missing_%d' does not exist in the "
                             "workspace" % i}
