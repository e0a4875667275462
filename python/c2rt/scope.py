"""Name and device scopes (caffe2.python.scope): thread-local, nestable."""
import contextlib
import threading

from c2rt.proto import caffe2_pb2

_NAMESCOPE_SEPARATOR = "/"
_threadlocal_scope = threading.local()


def CurrentNameScope():
    """The prefix blob names get inside `with NameScope(...)` blocks ("" outside)."""
    if not hasattr(_threadlocal_scope, "namescope"):
        _threadlocal_scope.namescope = ""
    return _threadlocal_scope.namescope


def CurrentDeviceScope():
    """The DeviceOption set by the innermost `with DeviceScope(...)`, or None."""
    if not hasattr(_threadlocal_scope, "devicescope"):
        _threadlocal_scope.devicescope = None
    return _threadlocal_scope.devicescope


@contextlib.contextmanager
def NameScope(prefix, reset=False):
    """Prefixes the names of blobs created inside the block with "prefix/" (nested scopes
    concatenate; reset=True starts from the top)."""
    if not (isinstance(prefix, str) or prefix is None):
        raise TypeError("NameScope takes in a string as its argument, got %s"
                        % type(prefix).__name__)
    old_scope = CurrentNameScope()
    prefix = prefix + _NAMESCOPE_SEPARATOR if prefix else ""
    _threadlocal_scope.namescope = prefix if reset else old_scope + prefix
    try:
        yield
    finally:
        _threadlocal_scope.namescope = old_scope


@contextlib.contextmanager
def DeviceScope(scope, node_name=None):
    """Operators created inside the block get a copy of `scope` as their device_option."""
    new_scope = caffe2_pb2.DeviceOption()
    if scope:
        new_scope.CopyFrom(scope)
    elif not node_name:
        raise ValueError("DeviceScope needs a DeviceOption or a node_name")
    if node_name:
        new_scope.node_name = node_name
    old_scope = CurrentDeviceScope()
    if old_scope is not None and old_scope.HasField("node_name") and \
            not new_scope.HasField("node_name"):
        new_scope.node_name = old_scope.node_name
    _threadlocal_scope.devicescope = new_scope
    try:
        yield
    finally:
        _threadlocal_scope.devicescope = old_scope
