"""Loads libc2rt through cffi's ABI mode (no compiled extension) and checks its results.

Search order: $C2RT_LIBRARY (a full path), the path Meson configured at build time, then the
versioned soname through the dynamic linker (so LD_LIBRARY_PATH and ld.so.conf apply). A failure
lists every path tried and why it failed. A library of another version than this package is
refused, since the declarations would not match."""
import os
import warnings

from c2rt import _config
from c2rt._c2rt_cffi import ffi
from c2rt._errors import make_error

__version__ = _config.VERSION


def _candidates():
    env = os.environ.get("C2RT_LIBRARY")
    if env:
        yield env, "$C2RT_LIBRARY"
    yield _config.LIBRARY_PATH, "the path Meson configured"
    yield _config.SONAME, "the versioned soname, through the dynamic linker"


def _load():
    tried = []
    for path, why in _candidates():
        try:
            handle = ffi.dlopen(path)
        except OSError as e:
            tried.append("  %s (%s): %s" % (path, why, e))
            continue
        version = ffi.string(handle.c2_version()).decode()
        if version != __version__:
            tried.append("  %s (%s): library version %s, this package needs %s"
                         % (path, why, version, __version__))
            continue
        if tried:
            warnings.warn("c2rt: using %s; earlier candidates failed:\n%s"
                          % (path, "\n".join(tried)), RuntimeWarning, stacklevel=3)
        return handle, path
    raise ImportError(
        "c2rt: cannot load libc2rt %s. Tried, in order:\n%s\n"
        "Set C2RT_LIBRARY to the full path of libc2rt.so.0, or run uninstalled through "
        "`meson devenv -C BUILDDIR /usr/bin/python3 ...`." % (__version__, "\n".join(tried)))


lib, library_path = _load()

OK = 0


_ERROR_T = ffi.typeof("c2_error *")


def new_error():
    """A fresh c2_error for one call (the library keeps no error state of its own)."""
    return ffi.new(_ERROR_T)


def error(status, err):
    """The C2Error for a failed call."""
    message = ffi.string(err.message).decode("utf-8", "replace")
    name = ffi.string(lib.c2_status_name(status)).decode()
    return make_error(message or name, name)


def check(status, err):
    if status != OK:
        raise error(status, err)


_encoded = {}


def encode(name):
    """Blob/net names cross as UTF-8 NUL-terminated strings (kept in a small cache: scripts use
    the same few names over and over)."""
    b = _encoded.get(name)
    if b is None:
        b = name.encode("utf-8")
        if b"\0" in b:
            raise ValueError("name %r contains a NUL character" % (name,))
        if len(_encoded) >= 4096:
            _encoded.clear()
        _encoded[name] = b
    return b


def default_registry():
    out = ffi.new("const c2_registry **")
    err = new_error()
    check(lib.c2_registry_default(out, err), err)
    return out[0]


def string_list(getter, *args):
    """Calls a C function that returns a c2_free'd array of borrowed strings."""
    arr = ffi.new("const char ***")
    n = ffi.new("size_t *")
    err = new_error()
    check(getter(*args, arr, n, err), err)
    try:
        return [ffi.string(arr[0][i]).decode("utf-8") for i in range(n[0])]
    finally:
        lib.c2_free(arr[0])
