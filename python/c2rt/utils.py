"""caffe2.python.utils: arguments and tensors as protobuf messages.

MakeArgument follows Caffe2's rules exactly, in Caffe2's order, so that CreateOperator gives
byte-identical OperatorDefs: a float32 ndarray -> floats; other ndarrays -> flattened list;
NumPy scalars -> the Python scalar; float -> f; int or bool -> i; bytes/str -> s (UTF-8); NetDef
-> n; other messages -> s (serialized); lists of float/np.float64 -> floats; of int/bool/np.int64
-> ints; of str/bytes -> strings; of NetDefs -> nets; of messages -> strings (serialized)."""
from collections.abc import Iterable

import numpy as np
from google.protobuf.message import Message

from c2rt.proto import caffe2_pb2

_FLOAT_TYPES = (float, np.float64)
_INT_TYPES = (int, bool, np.int64)


def MakeArgument(key, value):
    """An Argument named `key` holding `value` (see the module doc for the mapping)."""
    argument = caffe2_pb2.Argument()
    argument.name = key
    iterable = isinstance(value, Iterable)

    if isinstance(value, np.ndarray) and value.dtype.type is np.float32:
        argument.floats.extend(value.flatten().tolist())
        return argument
    if isinstance(value, np.ndarray):
        value = value.flatten().tolist()
    elif isinstance(value, np.generic):
        value = value.item()

    if type(value) is float:
        argument.f = value
    elif type(value) is int or type(value) is bool:
        argument.i = value
    elif isinstance(value, bytes):
        argument.s = value
    elif isinstance(value, str):
        argument.s = value.encode("utf-8")
    elif isinstance(value, caffe2_pb2.NetDef):
        argument.n.CopyFrom(value)
    elif isinstance(value, Message):
        argument.s = value.SerializeToString()
    elif iterable and all(type(v) in _FLOAT_TYPES for v in value):
        argument.floats.extend(v.item() if type(v) is np.float64 else v for v in value)
    elif iterable and all(type(v) in _INT_TYPES for v in value):
        argument.ints.extend(v.item() if type(v) is np.int64 else v for v in value)
    elif iterable and all(isinstance(v, (bytes, str)) for v in value):
        argument.strings.extend(v.encode("utf-8") if isinstance(v, str) else v for v in value)
    elif iterable and all(isinstance(v, caffe2_pb2.NetDef) for v in value):
        argument.nets.extend(value)
    elif iterable and all(isinstance(v, Message) for v in value):
        argument.strings.extend(v.SerializeToString() for v in value)
    elif iterable:
        raise ValueError(
            "Unknown iterable argument type: key={} value={}, value type={}[{}]".format(
                key, value, type(value), set(type(v) for v in value)))
    else:
        raise ValueError("Unknown argument type: key={} value={}, value type={}".format(
            key, value, type(value)))
    return argument


# TensorProto.DataType <-> NumPy, as Caffe2's pybind_state and utils.
_TENSOR_FIELDS = {
    caffe2_pb2.TensorProto.FLOAT: ("float_data", np.float32),
    caffe2_pb2.TensorProto.DOUBLE: ("double_data", np.float64),
    caffe2_pb2.TensorProto.INT32: ("int32_data", np.int32),
    caffe2_pb2.TensorProto.INT64: ("int64_data", np.int64),
    caffe2_pb2.TensorProto.BOOL: ("int32_data", np.bool_),
    caffe2_pb2.TensorProto.UINT8: ("int32_data", np.uint8),
    caffe2_pb2.TensorProto.INT8: ("int32_data", np.int8),
    caffe2_pb2.TensorProto.UINT16: ("int32_data", np.uint16),
    caffe2_pb2.TensorProto.INT16: ("int32_data", np.int16),
}


def Caffe2TensorToNumpyArray(tensor):
    """The ndarray a TensorProto describes (raw_data, typed data fields, or byte_data)."""
    if tensor.data_type not in _TENSOR_FIELDS:
        raise ValueError("TensorProto '%s': data type %s is not supported"
                         % (tensor.name, caffe2_pb2.TensorProto.DataType.Name(tensor.data_type)))
    field, dtype = _TENSOR_FIELDS[tensor.data_type]
    if tensor.HasField("raw_data"):
        arr = np.frombuffer(tensor.raw_data, dtype=np.dtype(dtype).newbyteorder("<")).copy()
    elif tensor.data_type == caffe2_pb2.TensorProto.UINT8 and tensor.HasField("byte_data"):
        arr = np.frombuffer(tensor.byte_data, dtype=np.uint8).copy()
    else:
        arr = np.asarray(getattr(tensor, field), dtype=dtype)
    count = int(np.prod(tensor.dims)) if len(tensor.dims) else 1
    if arr.size != count:
        raise ValueError("TensorProto '%s': dims %s need %d values, it holds %d"
                         % (tensor.name, list(tensor.dims), count, arr.size))
    return arr.astype(dtype, copy=False).reshape(tuple(tensor.dims))


def NumpyArrayToCaffe2Tensor(arr, name=None):
    """A TensorProto holding a copy of arr (typed data fields, as Caffe2 writes them)."""
    tensor = caffe2_pb2.TensorProto()
    arr = np.asarray(arr)
    tensor.dims.extend(arr.shape)
    if name:
        tensor.name = name
    for data_type, (field, dtype) in _TENSOR_FIELDS.items():
        if arr.dtype == np.dtype(dtype):
            tensor.data_type = data_type
            getattr(tensor, field).extend(arr.flatten().astype(
                dtype if field != "int32_data" else np.int32).tolist())
            return tensor
    raise TypeError("NumpyArrayToCaffe2Tensor: dtype %s has no TensorProto counterpart" % arr.dtype)
