"""caffe2.python.brew: helpers that add layers (and their parameters) to a ModelHelper.

As in Caffe2, a helper receives the model's arg_scope ({'order': 'NCHW', 'use_cudnn': True,
'cudnn_exhaustive_search': False} by default) merged under its keyword arguments: helpers that
take **kwargs pass all of it on to their op."""
import contextlib
import copy
import inspect

from c2rt import core, scope
from c2rt.model_helper import ModelHelper
from c2rt.proto import caffe2_pb2

_threadlocal = {"scopes": [{}]}


@contextlib.contextmanager
def arg_scope(helpers, **kwargs):
    """Default keyword arguments for the given helpers inside the block."""
    if not isinstance(helpers, (list, tuple)):
        helpers = [helpers]
    new = copy.deepcopy(_threadlocal["scopes"][-1])
    for h in helpers:
        name = h if isinstance(h, str) else h.__name__
        new.setdefault(name, {}).update(kwargs)
    _threadlocal["scopes"].append(new)
    try:
        yield
    finally:
        _threadlocal["scopes"].pop()


def _FC_or_packed_FC(model, op_call, blob_in, blob_out, dim_in, dim_out, weight_init=None,
                     bias_init=None, WeightInitializer=None, BiasInitializer=None,
                     enable_tensor_core=False, float16_compute=False, **kwargs):
    weight_init = weight_init or ("XavierFill", {})
    bias_init = bias_init or ("ConstantFill", {})
    blob_out = blob_out or model.net.NextName()
    weight = model.create_param(blob_out + "_w", [dim_out, dim_in], weight_init, tags=["WEIGHT"])
    bias = model.create_param(blob_out + "_b", [dim_out, ], bias_init, tags=["BIAS"])
    if enable_tensor_core:
        kwargs["engine"] = "TENSORCORE"
    if float16_compute:
        kwargs["float16_compute"] = True
    return op_call([blob_in, weight, bias], blob_out, **kwargs)


def fc(model, blob_in, blob_out, dim_in, dim_out, **kwargs):
    """FC(blob_in, <blob_out>_w [dim_out, dim_in] (XavierFill), <blob_out>_b [dim_out]
    (ConstantFill)) -> blob_out."""
    return _FC_or_packed_FC(model, model.net.FC, blob_in, blob_out, dim_in, dim_out, **kwargs)


def relu(model, blob_in, blob_out, use_cudnn=False, order="NCHW", **kwargs):
    if use_cudnn:
        kwargs["engine"] = "CUDNN"
    return model.net.Relu(blob_in, blob_out, order=order, **kwargs)


def lrn(model, blob_in, blob_out, order="NCHW", use_cudnn=False, **kwargs):
    """LRN(blob_in) -> [blob_out, _<blob_out>_scale] on CPU; returns blob_out."""
    dev = kwargs["device_option"] if "device_option" in kwargs else scope.CurrentDeviceScope()
    is_cpu = dev is None or dev.device_type == caffe2_pb2.CPU
    if use_cudnn and not is_cpu:
        kwargs["engine"] = "CUDNN"
        blobs_out = blob_out
    else:
        blobs_out = [blob_out, "_" + blob_out + "_scale"]
    out = model.net.LRN(blob_in, blobs_out, order=order, **kwargs)
    return out if use_cudnn and not is_cpu else out[0]


_HELPERS = {"fc": fc, "relu": relu, "lrn": lrn}


def Register(helper):
    """Adds a helper function (its __name__ becomes brew.<name>)."""
    _HELPERS[helper.__name__] = helper
    globals()[helper.__name__] = _wrap(helper.__name__, helper)


def _wrap(name, func):
    params = inspect.signature(func).parameters
    takes_kwargs = any(p.kind == p.VAR_KEYWORD for p in params.values())

    def scope_wrapper(*args, **kwargs):
        if args and isinstance(args[0], ModelHelper):
            model = args[0]
        elif "model" in kwargs:
            model = kwargs["model"]
        else:
            raise RuntimeError("The first input of helper function should be model. Or you can "
                               "provide it in kwargs as model=<your_model>.")
        new_kwargs = copy.deepcopy(model.arg_scope)
        if not takes_kwargs:
            new_kwargs = {k: v for k, v in new_kwargs.items() if k in params}
        new_kwargs.update(_threadlocal["scopes"][-1].get(name, {}))
        new_kwargs.update(kwargs)
        return func(*args, **new_kwargs)

    scope_wrapper.__name__ = name
    scope_wrapper.__doc__ = func.__doc__
    return scope_wrapper


for _name, _func in list(_HELPERS.items()):
    globals()[_name] = _wrap(_name, _func)
del _name, _func


def has_helper(helper_or_name):
    name = helper_or_name if isinstance(helper_or_name, str) else helper_or_name.__name__
    return name in _HELPERS


__all__ = ["arg_scope", "fc", "relu", "lrn", "Register", "has_helper", "core"]
