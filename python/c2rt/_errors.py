"""The exceptions of the package and the hints added to library errors.

Failures reported by libc2rt raise C2Error, a RuntimeError (what Caffe2 users catch). Its
message is the library's: it names the op (index and type), the blob or argument and what was
expected. For the mistakes Caffe2 users made most (float64 arrays reaching float ops, `alpha=1`
stored as an int) a line saying how to fix it is appended."""
import re

# c2rt dtype names -> the NumPy spelling of the fix.
_NUMPY_NAME = {
    "FLOAT": "np.float32", "DOUBLE": "np.float64", "INT32": "np.int32", "INT64": "np.int64",
    "BOOL": "np.bool_", "UINT8": "np.uint8", "INT8": "np.int8", "UINT16": "np.uint16",
    "INT16": "np.int16", "FLOAT16": "np.float16",
}

_WRONG_DTYPE = re.compile(r"input '([^']*)' has dtype (\w+), expected (\w+)")
_WRONG_FIELD = re.compile(
    r"argument '([^']*)' must be a float \(field f\), but it is stored as an int \(field i\)")


class C2Error(RuntimeError):
    """An error reported by libc2rt.

    `status` is the library's status name (e.g. "C2_ERR_TYPE"), `op_index` the index of the failing
    op in its net when the message names one, else None."""

    def __init__(self, message, status="C2_ERR_RUNTIME", op_index=None):
        super().__init__(message)
        self.status = status
        self.op_index = op_index


_OP_INDEX = re.compile(r"op #(\d+) \(")


def hint_for(message):
    """A line telling how to fix a common mistake the message shows, or ''."""
    m = _WRONG_DTYPE.search(message)
    if m and m.group(3) in _NUMPY_NAME:
        blob, have, want = m.groups()
        extra = ""
        if have == "DOUBLE" and want == "FLOAT":
            extra = " (np.random.rand, np.array([1.0]) and float literals give float64)"
        return ("hint: blob '%s' holds %s; feed it as arr.astype(%s)%s"
                % (blob, have, _NUMPY_NAME[want], extra))
    m = _WRONG_FIELD.search(message)
    if m:
        return ("hint: write %s=1.0, not %s=1: a Python int becomes an int argument"
                % (m.group(1), m.group(1)))
    return ""


def make_error(message, status):
    hint = hint_for(message)
    if hint:
        message = message + "\n" + hint
    m = _OP_INDEX.search(message)
    return C2Error(message, status, int(m.group(1)) if m else None)
