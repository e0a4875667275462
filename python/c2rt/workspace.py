"""caffe2.python.workspace: blobs and nets in named workspaces, over libc2rt.

Everything a Caffe2 script did through `workspace` works the same way: FeedBlob/FetchBlob copy
(dtype kept), operators and nets cross to C as serialized protobuf bytes, failures raise
C2Error (a RuntimeError) whose message names the op, blob or argument. Workspaces are global to
the process as in Caffe2; the first one is "default".

Threads: the library releases the GIL during every call. A Workspace object may be driven by
one thread while another thread drives another Workspace; calls into one Workspace from several
threads are serialized by its lock."""
import contextlib
import threading
from collections import defaultdict

import numpy as np
from google.protobuf.message import Message

from c2rt import _lib
from c2rt._errors import C2Error
from c2rt._lib import check, encode, ffi, lib, new_error
from c2rt.proto import caffe2_pb2

# NumPy dtype <-> c2rt dtype (Caffe2's TensorProto.DataType numbers).
_NP_TO_C2 = {
    np.dtype(np.float32): 1, np.dtype(np.int32): 2, np.dtype(np.bool_): 5,
    np.dtype(np.uint8): 6, np.dtype(np.int8): 7, np.dtype(np.uint16): 8, np.dtype(np.int16): 9,
    np.dtype(np.int64): 10, np.dtype(np.float16): 12, np.dtype(np.float64): 13,
}
_C2_TO_NP = {v: k for k, v in _NP_TO_C2.items()}
_C2_TO_NP[3] = np.dtype(np.uint8)  # BYTE

_ERROR_T = ffi.typeof("c2_error *")
_c_run_net = lib.c2_workspace_run_net  # the hot path of training loops: looked up once

# Where each op of each net was added (filled by core.Net), for error messages:
# {net name: {op index: (filename, line, function)}}.
operator_tracebacks = defaultdict(dict)


class Workspace(object):
    """One libc2rt workspace: blobs and the nets created in it."""

    __slots__ = ("_ws", "_lock", "__weakref__")

    def __init__(self):
        out = ffi.new("c2_workspace **")
        err = new_error()
        check(lib.c2_workspace_new(out, err), err)
        self._ws = ffi.gc(out[0], lib.c2_workspace_free)
        self._lock = threading.Lock()

    # -- blobs --

    def feed_blob(self, name, arr):
        if isinstance(arr, caffe2_pb2.TensorProto):
            from c2rt import utils
            arr = utils.Caffe2TensorToNumpyArray(arr)
        if not isinstance(arr, np.ndarray):
            if isinstance(arr, (bytes, str)):
                raise TypeError("FeedBlob('%s'): string blobs are not supported by c2rt; feed a "
                                "numpy.ndarray" % name)
            raise TypeError("FeedBlob('%s'): expected a numpy.ndarray, got %s; convert with "
                            "np.array(value, dtype=np.float32)" % (name, type(arr).__name__))
        if not arr.dtype.isnative:
            arr = arr.astype(arr.dtype.newbyteorder("="))
        dtype = _NP_TO_C2.get(arr.dtype)
        if dtype is None:
            raise TypeError("FeedBlob('%s'): dtype %s is not supported (float32, float64, "
                            "float16, int8/16/32/64, uint8/16 and bool are)" % (name, arr.dtype))
        if not arr.flags.c_contiguous:
            arr = arr.copy(order="C")  # (np.ascontiguousarray would turn a 0-d array into 1-d)
        err = new_error()
        with self._lock:
            st = lib.c2_workspace_feed_buffer(self._ws, encode(name), dtype, arr.ndim,
                                              list(arr.shape), ffi.from_buffer(arr), arr.nbytes,
                                              err)
        check(st, err)

    def fetch_blob(self, name):
        info = ffi.new("c2_blob_info *")
        err = new_error()
        b = encode(name)
        with self._lock:
            st = lib.c2_workspace_blob_info(self._ws, b, info, err)
            if st == 0 and info.nbytes:
                out = np.empty(tuple(info.dims[0:info.ndim]), _C2_TO_NP.get(info.dtype, np.uint8))
                ffi.memmove(ffi.from_buffer(out), info.data, info.nbytes)
        if st:
            if st == lib.C2_ERR_NOT_FOUND:
                raise C2Error("Can't find blob: %s" % name, "C2_ERR_NOT_FOUND")
            check(st, err)
        if info.dtype not in _C2_TO_NP:
            raise C2Error("blob '%s' is empty: it exists but was never written" % name,
                          "C2_ERR_INVALID_ARGUMENT")
        if not info.nbytes:
            out = np.empty(tuple(info.dims[0:info.ndim]), _C2_TO_NP[info.dtype])
        return out

    def create_blob(self, name):
        out = ffi.new("c2_tensor **")
        err = new_error()
        with self._lock:
            st = lib.c2_workspace_create_blob(self._ws, encode(name), out, err)
        check(st, err)

    def has_blob(self, name):
        with self._lock:
            return bool(lib.c2_workspace_has_blob(self._ws, encode(name)))

    def remove_blob(self, name):
        err = new_error()
        with self._lock:
            st = lib.c2_workspace_remove_blob(self._ws, encode(name), err)
        check(st, err)

    def blob_names(self):
        with self._lock:
            return _lib.string_list(lib.c2_workspace_blob_names, self._ws)

    # -- operators and nets --

    def run_operator_once(self, op_bytes):
        err = new_error()
        with self._lock:
            st = lib.c2_workspace_run_operator_bytes(
                self._ws, ffi.from_buffer("uint8_t[]", op_bytes), len(op_bytes), err)
        check(st, err)

    def run_net_once(self, net_bytes, net_name):
        err = new_error()
        with self._lock:
            st = lib.c2_workspace_run_net_once_bytes(
                self._ws, ffi.from_buffer("uint8_t[]", net_bytes), len(net_bytes), err)
        if st:
            raise _net_error(st, err, net_name)

    def create_net(self, net_bytes, net_name, overwrite):
        err = new_error()
        with self._lock:
            st = lib.c2_workspace_create_net_bytes(
                self._ws, ffi.from_buffer("uint8_t[]", net_bytes), len(net_bytes),
                bool(overwrite), err)
        if st:
            raise _net_error(st, err, net_name)

    def run_net(self, name, num_iter=1):
        """Runs net `name` num_iter times in one C call; returns (status, c2_error)."""
        err = ffi.new(_ERROR_T)
        with self._lock:
            st = _c_run_net(self._ws, encode(name), num_iter, err)
        return st, err

    def has_net(self, name):
        with self._lock:
            return bool(lib.c2_workspace_has_net(self._ws, encode(name)))

    def net_names(self):
        with self._lock:
            return _lib.string_list(lib.c2_workspace_net_names, self._ws)

    # Caffe2's C.Workspace method names, for scripts that used them.
    @property
    def blobs(self):
        return _BlobDict(self)

    def run(self, net, num_iter=1):
        st, err = self.run_net(StringifyNetName(net), num_iter)
        if st:
            raise _net_error(st, err, StringifyNetName(net))
        return True


def _net_error(status, err, net_name):
    """The C2Error of a failed net, with where the failing op was added to the net."""
    e = _lib.error(status, err)
    where = operator_tracebacks.get(net_name, {}).get(e.op_index) if e.op_index is not None \
        else None
    if where:
        msg = "%s\nop #%d of net '%s' was added at %s:%d (in %s)" % (
            e.args[0], e.op_index, net_name, where[0], where[1], where[2])
        e = C2Error(msg, e.status, e.op_index)
    return e


class _BlobDict(object):
    """workspace.blobs: blobs["x"] fetches, blobs["x"] = a feeds, `in`, len, iteration."""

    def __init__(self, ws=None):
        self._ws = ws

    def _target(self):
        return self._ws if self._ws is not None else _current

    def __getitem__(self, key):
        return self._target().fetch_blob(StringifyBlobName(key))

    def __setitem__(self, key, value):
        self._target().feed_blob(StringifyBlobName(key), value)

    def __contains__(self, key):
        return self._target().has_blob(StringifyBlobName(key))

    def __len__(self):
        return len(self._target().blob_names())

    def __iter__(self):
        return iter(self._target().blob_names())


blobs = _BlobDict()

_workspaces = {"default": Workspace()}
_current_name = "default"
_current = _workspaces["default"]


# ---- names and protos ----

def StringifyBlobName(name):
    """A blob name as str: str passes, a BlobReference gives its name."""
    from c2rt.core import BlobReference
    if isinstance(name, str):
        return name
    if isinstance(name, BlobReference):
        return str(name)
    if isinstance(name, bytes):
        return name.decode("utf-8")
    raise TypeError("a blob name must be a str or a BlobReference, got %s" % type(name).__name__)


def StringifyNetName(name):
    """A net name from a str, a core.Net or a NetDef."""
    if isinstance(name, str):
        return name
    if isinstance(name, caffe2_pb2.NetDef):
        return name.name
    if hasattr(name, "Name"):
        return name.Name()
    raise TypeError("a net must be named by a str, a core.Net or a NetDef, got %s"
                    % type(name).__name__)


def GetNetName(net):
    return StringifyNetName(net)


def StringifyProto(obj):
    """Serialized bytes of a message, of an object with .Proto(), or bytes as they are."""
    if isinstance(obj, bytes):
        return obj
    if isinstance(obj, str):
        return obj.encode("utf-8")
    if isinstance(obj, Message):
        return obj.SerializeToString()
    if hasattr(obj, "Proto"):
        return obj.Proto().SerializeToString()
    raise TypeError("expected a protobuf message, an object with .Proto() or bytes, got %s"
                    % type(obj).__name__)


# ---- blobs ----

def FeedBlob(name, arr, device_option=None):
    """Copies ndarray `arr` into blob `name` of the current workspace, keeping its dtype.
    Returns True."""
    if device_option is not None and device_option.device_type != caffe2_pb2.CPU:
        raise C2Error("FeedBlob('%s'): device type %d is not built in c2rt (CPU only)"
                      % (StringifyBlobName(name), device_option.device_type),
                      "C2_ERR_UNSUPPORTED")
    _current.feed_blob(StringifyBlobName(name), arr)
    return True


def FetchBlob(name):
    """A copy of blob `name` as an ndarray of its dtype and shape."""
    return _current.fetch_blob(StringifyBlobName(name))


def FetchBlobs(names):
    return [FetchBlob(name) for name in names]


def Blobs():
    """Names of the blobs of the current workspace, sorted."""
    return _current.blob_names()


def HasBlob(name):
    return _current.has_blob(StringifyBlobName(name))


def CreateBlob(name):
    """An empty blob (Caffe2 CreateBlob). Returns True."""
    _current.create_blob(StringifyBlobName(name))
    return True


# ---- operators and nets ----

def RunOperatorOnce(operator):
    """Creates, runs and frees one operator (an OperatorDef or its bytes). Returns True."""
    _current.run_operator_once(StringifyProto(operator))
    return True


def RunOperatorsOnce(operators):
    for op in operators:
        RunOperatorOnce(op)
    return True


def CreateNet(net, overwrite=False, input_blobs=None):
    """Instantiates a core.Net or NetDef in the current workspace under its name (blobs in
    input_blobs are created empty first). Returns True."""
    for blob in input_blobs or []:
        CreateBlob(blob)
    _current.create_net(StringifyProto(net), StringifyNetName(net), overwrite)
    return True


def RunNet(name, num_iter=1, allow_fail=False):
    """Runs a net created with CreateNet num_iter times (the loop is in C). Returns True, or
    False on failure when allow_fail is set."""
    if type(name) is not str:
        name = StringifyNetName(name)
    if type(num_iter) is not int:
        num_iter = _iterations(num_iter)
    if num_iter < 0 or num_iter > 0x7fffffff:
        raise ValueError("RunNet: num_iter must be in [0, 2^31), got %d" % num_iter)
    ws = _current
    err = ffi.new(_ERROR_T)
    with ws._lock:
        st = _c_run_net(ws._ws, encode(name), num_iter, err)
    if st:
        if allow_fail:
            return False
        raise _net_error(st, err, name)
    return True


def _iterations(n):
    if isinstance(n, (bool, float)) or not hasattr(n, "__index__"):
        raise TypeError("RunNet: num_iter must be an int, got %s" % type(n).__name__)
    return n.__index__()


def RunNetOnce(net):
    """Instantiates, runs and frees a net (a core.Net, NetDef or bytes). Returns True."""
    name = StringifyNetName(net) if not isinstance(net, bytes) else ""
    _current.run_net_once(StringifyProto(net), name)
    return True


def Nets():
    """Names of the nets created in the current workspace, sorted."""
    return _current.net_names()


def HasNet(name):
    return _current.has_net(StringifyNetName(name))


# ---- workspaces ----

def CurrentWorkspace():
    return _current_name


def Workspaces():
    """Names of all workspaces, sorted."""
    return sorted(_workspaces)


def SwitchWorkspace(name, create_if_missing=None):
    """Makes workspace `name` current; an unknown name is an error unless create_if_missing."""
    global _current, _current_name
    if not isinstance(name, str):
        raise TypeError("SwitchWorkspace: the name must be a str, got %s" % type(name).__name__)
    if name not in _workspaces:
        if not create_if_missing:
            raise C2Error("Workspace %s does not exist (pass create_if_missing=True to create it)"
                          % name, "C2_ERR_NOT_FOUND")
        _workspaces[name] = Workspace()
    _current_name = name
    _current = _workspaces[name]


def ResetWorkspace(root_folder=None):
    """Replaces the current workspace by an empty one of the same name (blobs and nets go).
    Returns True. root_folder (Caffe2's folder for DB paths) is accepted and unused."""
    global _current
    _current = _workspaces[_current_name] = Workspace()
    return True


def CurrentWorkspaceObject():
    """The Workspace object behind the current workspace (for threads that drive their own)."""
    return _current


@contextlib.contextmanager
def WorkspaceGuard(workspace_name):
    """Switches to workspace_name (created if missing) for the block, then back."""
    old = CurrentWorkspace()
    SwitchWorkspace(workspace_name, True)
    try:
        yield
    finally:
        SwitchWorkspace(old)


# ---- registry ----

def RegisteredOperators():
    """Sorted names of every op type the library knows."""
    return _lib.string_list(lib.c2_registry_types, _lib.default_registry())


def IsImmediate():
    """Caffe2's immediate mode is not supported: always False."""
    return False
