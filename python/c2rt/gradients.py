"""Gradients: Caffe2's GradientRegistry.GetGradientForOp over the library's gradient makers, and
the backward pass of Net.AddGradientOperators over the library's backward-net builder."""
from collections import namedtuple

from c2rt import _lib
from c2rt._lib import check, ffi, lib, new_error
from c2rt.proto import caffe2_pb2

# Caffe2's sparse gradient (indices, values). libc2rt's makers produce dense gradients only.
GradientSlice = namedtuple("GradientSlice", ["indices", "values"])


def _dense_name(grad, what):
    if grad is None:
        return ffi.NULL
    if isinstance(grad, GradientSlice):
        raise ValueError("%s: sparse gradients (GradientSlice) are not supported by c2rt" % what)
    return _lib.encode(str(grad))


def _op_from_cdata(opdef):
    data = ffi.new("uint8_t **")
    length = ffi.new("size_t *")
    err = new_error()
    check(lib.c2_opdef_pack(opdef, data, length, err), err)
    try:
        op = caffe2_pb2.OperatorDef()
        op.ParseFromString(ffi.buffer(data[0], length[0])[:])
        return op
    finally:
        lib.c2_free(data[0])


def _gradient_for_op_c(op, g_output):
    if len(g_output) != len(op.output):
        raise ValueError("GetGradientForOp: %d output gradients given for the %d outputs of %s"
                         % (len(g_output), len(op.output), op.type))
    names = [_dense_name(g, "GetGradientForOp(%s)" % op.type) for g in g_output]
    keep = [ffi.new("char[]", n) if n != ffi.NULL else ffi.NULL for n in names]
    arr = ffi.new("const char *[]", keep) if keep else ffi.NULL
    b = op.SerializeToString()
    out = ffi.new("c2_grad_result **")
    err = new_error()
    check(lib.c2_gradient_for_op_bytes(ffi.from_buffer("uint8_t[]", b), len(b), len(keep), arr,
                                       out, err), err)
    result = ffi.gc(out[0], lib.c2_grad_result_free)
    ops = [_op_from_cdata(lib.c2_grad_result_op(result, i))
           for i in range(lib.c2_grad_result_num_ops(result))]
    g_input = []
    for i in range(lib.c2_grad_result_num_inputs(result)):
        name = lib.c2_grad_result_input_grad(result, i)
        g_input.append(ffi.string(name).decode("utf-8") if name != ffi.NULL else None)
    return ops, g_input


class GradientRegistry(object):
    """Caffe2's GradientRegistry: the library's gradient makers, then makers registered in
    Python with @GradientRegistry.RegisterGradient("Type") (used by GetGradientForOp only: the
    backward-net builder runs in C and sees the library's makers)."""

    gradient_registry_ = {}

    @classmethod
    def RegisterGradient(cls, op_type):
        def wrapper(func):
            cls.gradient_registry_[op_type] = func
            return func
        return wrapper

    @classmethod
    def GetGradientForOp(cls, op, g_output):
        """(gradient OperatorDefs, gradient name of each input or None) of one forward op, given
        the gradient names of its outputs (None where an output has none)."""
        try:
            gradient_ops, g_input = _gradient_for_op_c(op, g_output)
        except Exception as e:
            maker = cls.gradient_registry_.get(op.type)
            if maker is None:
                raise Exception("Exception when creating gradient for [{}]:{}.\nOp: \n{}".format(
                    op.type, e, str(op))) from e
            try:
                gradient_ops, g_input = maker(op, g_output)
            except Exception as e2:
                raise Exception("Exception when creating gradient for [{}]:{}.\nOp: \n{}".format(
                    op.type, e2, str(op))) from e2
        if gradient_ops is None:
            return [], g_input
        if type(gradient_ops) is not list:
            gradient_ops = [gradient_ops]
        return gradient_ops, g_input


def _losses(ys):
    """[(loss name, given gradient name or None)] from a list of losses or a dict."""
    if isinstance(ys, dict):
        items = list(ys.items())
    elif isinstance(ys, (list, tuple)):
        items = [(y, None) for y in ys]
    else:
        raise TypeError("ys must be a list of blobs or a dict {blob: gradient or None}, got %s"
                        % type(ys).__name__)
    out = []
    for y, g in items:
        if isinstance(g, GradientSlice):
            raise ValueError("a sparse gradient (GradientSlice) for %s is not supported by c2rt"
                             % y)
        out.append((str(y), None if g is None else str(g)))
    return out


def GetBackwardPass(operators, ys):
    """(gradient OperatorDefs, {BlobReference(blob): BlobReference(gradient)}) of forward
    `operators` for the losses `ys`, built by the library's backward-net builder (Caffe2's IR
    algorithm and names). The map is ordered as Caffe2 fills it: losses first."""
    from c2rt.core import BlobReference
    forward = caffe2_pb2.NetDef()
    forward.op.extend(operators)
    fb = forward.SerializeToString()
    losses = _losses(ys)
    keep = []
    c_losses = ffi.new("c2_loss[]", len(losses))
    for i, (y, g) in enumerate(losses):
        keep.append(ffi.new("char[]", _lib.encode(y)))
        c_losses[i].blob = keep[-1]
        if g is not None:
            keep.append(ffi.new("char[]", _lib.encode(g)))
            c_losses[i].grad = keep[-1]
    opts = ffi.new("c2_backward_options *", {"backward_only": True, "skip": 0})
    net = ffi.new("c2_netdef **")
    err = new_error()
    check(lib.c2_netdef_parse(ffi.from_buffer("uint8_t[]", fb), len(fb), ffi.NULL, net, err), err)
    net = ffi.gc(net[0], lib.c2_netdef_free)
    out = ffi.new("c2_backward **")
    check(lib.c2_backward_new(net, len(losses), c_losses, opts, ffi.NULL, out, err), err)
    backward = ffi.gc(out[0], lib.c2_backward_free)
    data = ffi.new("uint8_t **")
    length = ffi.new("size_t *")
    check(lib.c2_netdef_pack(lib.c2_backward_net(backward), data, length, err), err)
    try:
        grad_net = caffe2_pb2.NetDef()
        grad_net.ParseFromString(ffi.buffer(data[0], length[0])[:])
    finally:
        lib.c2_free(data[0])
    input_to_grad = {}
    for i in range(lib.c2_backward_num_grads(backward)):
        blob = ffi.string(lib.c2_backward_grad_blob(backward, i)).decode("utf-8")
        grad = ffi.string(lib.c2_backward_grad_name(backward, i)).decode("utf-8")
        input_to_grad[BlobReference(blob)] = BlobReference(grad)
    return list(grad_net.op), input_to_grad
