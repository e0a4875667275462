"""caffe2.python.core: operators, blob references and nets as protobuf messages.

Nothing runs here: CreateOperator and core.Net build OperatorDef/NetDef messages exactly as
Caffe2 builds them (same fields, same argument order), which workspace then hands to libc2rt."""
import sys

import numpy as np

from c2rt import scope, utils, workspace
from c2rt.gradients import GradientRegistry, GradientSlice  # noqa: F401 (Caffe2 names)
from c2rt.proto import caffe2_pb2

DeviceScope = scope.DeviceScope
NameScope = scope.NameScope


class DataType:
    """TensorProto.DataType values under Caffe2's names (e.g. core.DataType.INT32)."""
    UNDEFINED = 0
    FLOAT = 1
    INT32 = 2
    BYTE = 3
    STRING = 4
    BOOL = 5
    UINT8 = 6
    INT8 = 7
    UINT16 = 8
    INT16 = 9
    INT64 = 10
    FLOAT16 = 12
    DOUBLE = 13


def _registered_operators():
    return frozenset(workspace.RegisteredOperators())


_REGISTERED_OPERATORS = _registered_operators()


def IsOperator(op_type):
    return op_type in _REGISTERED_OPERATORS


def IsOperatorWithEngine(op_type, engine):
    """c2rt has one implementation per op on CPU; other engines fall back to it, as in Caffe2."""
    return IsOperator(op_type)


def _edit_distance(a, b, limit):
    """Levenshtein distance, or limit + 1 once it exceeds limit."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i]
        for j, cb in enumerate(b, 1):
            cur.append(min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca != cb)))
        if min(cur) > limit:
            return limit + 1
        prev = cur
    return prev[-1]


def NearbyOpNames(op_type, limit=3):
    """Registered op types within `limit` edits of op_type (Caffe2's nearby_opnames)."""
    scored = []
    for name in _REGISTERED_OPERATORS:
        d = _edit_distance(op_type.lower(), name.lower(), limit)
        if d <= limit:
            scored.append((d, name))
    return [name for _, name in sorted(scored)]


class UnknownOperatorError(AttributeError, RuntimeError):
    """`net.NoSuchOp(...)`: an AttributeError (hasattr works) that is also a RuntimeError (what
    Caffe2 raised for BlobReference methods)."""


class NetValueError(ValueError, AssertionError):
    """A net used wrongly (a duplicate external input, an undefined external output). Caffe2
    asserted these: it is also an AssertionError, so Caffe2 scripts' handlers still catch it."""


class NetTypeError(TypeError, AssertionError):
    """A value of the wrong type given to a Net method (Caffe2 asserted; see NetValueError)."""


def _unknown_operator(op_type):
    return UnknownOperatorError(
        "Method %s is not a registered operator. Did you mean: [%s]"
        % (op_type, ",".join(NearbyOpNames(op_type))))


def DeviceOption(device_type, cuda_gpu_id=0, random_seed=None, node_name=None, device_id=None):
    """A DeviceOption message (device_id is the newer name of cuda_gpu_id)."""
    option = caffe2_pb2.DeviceOption()
    option.device_type = device_type
    option.device_id = cuda_gpu_id if device_id is None else device_id
    if node_name is not None:
        option.node_name = node_name
    if random_seed is not None:
        option.random_seed = random_seed
    return option


class BlobReference(object):
    """A blob name, optionally tied to the net that produces it (so that `blob.Relu(...)` adds a
    Relu to that net). Hashes and compares equal to its name as a str."""

    def __init__(self, name, net=None):
        if isinstance(name, str):
            self._name = name
        elif isinstance(name, bytes):
            self._name = name.decode("utf-8")
        else:
            self._name = str(name)
        self._from_net = net
        self.meta = {}

    def __hash__(self):
        return hash(self._name)

    def __eq__(self, other):
        if isinstance(other, str):
            return self._name == other
        if isinstance(other, bytes):
            return self._name == other.decode("utf-8")
        if isinstance(other, BlobReference):
            return self._name == other._name
        return False

    def __ne__(self, other):
        return not self == other

    def __str__(self):
        return self._name

    def __repr__(self):
        return 'BlobReference("{}")'.format(self._name)

    def __add__(self, other):
        if not isinstance(other, str):
            raise RuntimeError("Cannot add BlobReference to a non-string.")
        return BlobReference(self._name + other, self._from_net)

    def __radd__(self, other):
        if not isinstance(other, str):
            raise RuntimeError("Cannot add a non-string to BlobReference.")
        return BlobReference(other + self._name, self._from_net)

    def Net(self):
        return self._from_net

    def GetNameScope(self):
        return self._name[:self._name.rfind(scope._NAMESCOPE_SEPARATOR) + 1]

    def GetUnscopedName(self):
        return self._name[self._name.rfind(scope._NAMESCOPE_SEPARATOR) + 1:]

    def _CreateAndAddToNet(self, op_type, inputs=None, *args, **kwargs):
        inputs = [] if inputs is None else inputs
        if isinstance(inputs, (BlobReference, str)):
            inputs = [inputs]
        inputs = [self] + list(inputs)
        return self._from_net.__getattr__(op_type)(inputs, *args, **kwargs)

    def __getattr__(self, op_type):
        if op_type.startswith("__"):
            raise AttributeError(op_type)
        if self._from_net is None:
            raise RuntimeError(
                "You cannot use a blob reference that does not have a net source to create "
                "operators. Create the operator from an explicit net object.")
        if not IsOperator(op_type):
            raise _unknown_operator(op_type)
        return lambda *args, **kwargs: self._CreateAndAddToNet(op_type, *args, **kwargs)

    def __dir__(self):
        return sorted(set(dir(type(self)) + list(self.__dict__) + list(_REGISTERED_OPERATORS)))


def ScopedName(name):
    """name with the current NameScope prefix."""
    return scope.CurrentNameScope() + name


def ScopedBlobReference(name, *args, **kwargs):
    return BlobReference(scope.CurrentNameScope() + name, *args, **kwargs)


def _RectifyInputOutput(blobs, net=None):
    """A list of BlobReferences from a str, a BlobReference or a list/tuple of them (strings
    get the current NameScope prefix)."""
    if isinstance(blobs, (str, bytes)):
        return [ScopedBlobReference(blobs, net=net)]
    if type(blobs) is BlobReference:
        return [blobs]
    if type(blobs) in (list, tuple):
        rectified = []
        for blob in blobs:
            if isinstance(blob, (str, bytes)):
                rectified.append(ScopedBlobReference(blob, net=net))
            elif type(blob) is BlobReference:
                rectified.append(blob)
            else:
                raise TypeError("I/O blob #{} of unsupported type: {} of type {}".format(
                    len(rectified), str(blob), type(blob)))
        return rectified
    raise TypeError("Unknown input/output type: %s of type %s." % (str(blobs), type(blobs)))


def CreateOperator(operator_type, inputs, outputs, name="", control_input=None,
                   device_option=None, arg=None, engine=None, **kwargs):
    """An OperatorDef, field for field what Caffe2's CreateOperator makes (nothing runs).

    kwargs become Arguments through utils.MakeArgument, in call order; random_seed goes into the
    device option; kwargs whose value is None are skipped (as later Caffe2 versions do)."""
    operator = caffe2_pb2.OperatorDef()
    operator.type = operator_type
    operator.name = name
    inputs = _RectifyInputOutput(inputs)
    outputs = _RectifyInputOutput(outputs)
    operator.input.extend([str(i) for i in inputs])
    operator.output.extend([str(o) for o in outputs])
    if control_input:
        control_input = _RectifyInputOutput(control_input)
        operator.control_input.extend([str(i) for i in control_input])
    if device_option is not None:
        operator.device_option.CopyFrom(device_option)
    elif scope.CurrentDeviceScope() is not None:
        operator.device_option.CopyFrom(scope.CurrentDeviceScope())
    if engine is not None:
        operator.engine = engine
    if "random_seed" in kwargs:
        operator.device_option.random_seed = kwargs.pop("random_seed")
    if arg is not None:
        operator.arg.extend(arg)
    for key, value in kwargs.items():
        if value is not None:
            operator.arg.add().CopyFrom(utils.MakeArgument(key, value))
    return operator


def _caller_site():
    """(file, line, function) of the first frame outside this package: where a script added
    an op."""
    frame = sys._getframe(2)
    package = __name__.rsplit(".", 1)[0] + "."
    while frame is not None and frame.f_globals.get("__name__", "").startswith(package):
        frame = frame.f_back
    if frame is None:
        return None
    return (frame.f_code.co_filename, frame.f_lineno, frame.f_code.co_name)


class Net(object):
    """A NetDef under construction. `net.<OpType>(inputs, outputs=None, **args)` appends an
    operator and returns BlobReference(s) to its outputs."""

    _net_names_used = set()

    @staticmethod
    def _get_next_net_name(basename):
        name = basename
        next_idx = 1
        while name in Net._net_names_used:
            name = basename + "_" + str(next_idx)
            next_idx += 1
        Net._net_names_used.add(name)
        return name

    def __init__(self, name_or_proto):
        self._op_outputs = set()
        self._external_input_map = set()
        if isinstance(name_or_proto, caffe2_pb2.NetDef):
            self._net = caffe2_pb2.NetDef()
            self._net.CopyFrom(name_or_proto)
            self._external_input_map.update(self._net.external_input)
            for op in self._net.op:
                self._op_outputs.update(op.output)
            prefix = self._net.name + "_blob_"
            indices = []
            for op in self._net.op:
                for s in list(op.input) + list(op.output):
                    if s.startswith(prefix) and s[len(prefix):].isdigit():
                        indices.append(int(s[len(prefix):]))
            self._next_name_index = max(indices) + 1 if indices else 0
            name = self._net.name
        elif isinstance(name_or_proto, str):
            self._net = caffe2_pb2.NetDef()
            self._next_name_index = 0
            name = name_or_proto
        else:
            raise TypeError("core.Net takes a name or a NetDef, got %s"
                            % type(name_or_proto).__name__)
        self._net.name = Net._get_next_net_name(name)
        workspace.operator_tracebacks.pop(self._net.name, None)

    def __str__(self):
        return self._net.name

    def Name(self):
        return self._net.name

    def Proto(self):
        """The NetDef itself (not a copy): print it for its text form."""
        return self._net

    @property
    def external_inputs(self):
        return [BlobReference(i, self) for i in self._net.external_input]

    @property
    def external_outputs(self):
        return [BlobReference(o, self) for o in self._net.external_output]

    def BlobIsDefined(self, blob):
        """True when `blob` is produced by an op of this net or is an external input."""
        name = str(blob)
        return name in self._op_outputs or name in self._external_input_map

    def UsesBlob(self, blob):
        name = str(blob)
        return any(name in op.input or name in op.output for op in self._net.op)

    def NextName(self, prefix=None, output_id=None):
        """A fresh output name: "<net>/<prefix>" (then _2, _3, ...; ":i" per output), or
        "<net>_blob_<n>" without a prefix."""
        if prefix:
            base = self._net.name + "/" + prefix
            name = base + (":" + str(output_id) if output_id is not None else "")
            index = 2
            while self.BlobIsDefined(str(ScopedBlobReference(name))):
                name = base + "_" + str(index)
                if output_id is not None:
                    name += ":" + str(output_id)
                index += 1
        else:
            name = self._net.name + "_blob_" + str(self._next_name_index)
            self._next_name_index += 1
        return str(name)

    def NextBlob(self, prefix=None):
        return BlobReference(self.NextName(prefix), self)

    def NextScopedBlob(self, prefix=None):
        return self.NextBlob(ScopedName(prefix) if prefix else prefix)

    def AddExternalInput(self, *inputs):
        """Declares external inputs (a name already declared is an error). Returns the
        BlobReference, or a list of them for several."""
        if not inputs:
            raise NetValueError("AddExternalInput needs at least one blob")
        refs = []
        for input in inputs:
            input_name = str(input)
            if input_name in self._external_input_map:
                raise NetValueError("Net already contains an input named %s" % input_name)
        for input in inputs:
            input_name = str(input)
            self._net.external_input.append(input_name)
            self._external_input_map.add(input_name)
            refs.append(input if isinstance(input, BlobReference) else BlobReference(input_name))
        return refs[0] if len(refs) == 1 else refs

    def AddExternalOutput(self, *outputs):
        """Declares outputs: BlobReferences that this net defines."""
        for output in outputs:
            if not isinstance(output, BlobReference):
                raise NetTypeError("AddExternalOutput takes BlobReferences, got %s"
                                   % type(output).__name__)
            if not self.BlobIsDefined(output):
                raise NetValueError("blob %s is not defined in net %s" % (output, self.Name()))
        for output in outputs:
            self._net.external_output.append(str(output))

    def AddExternalOutputs(self, *outputs):
        self.AddExternalOutput(*outputs)

    def AddScopedExternalInputs(self, *inputs):
        return self.AddExternalInput(*[ScopedBlobReference(str(b)) for b in inputs])

    def AddScopedExternalOutputs(self, *outputs):
        return self.AddExternalOutput(*[ScopedBlobReference(str(b), self) for b in outputs])

    def Clone(self, name, blob_remap=None, op_id_mask=None, remap_funcs=None, keep_schema=True):
        """A copy named `name` (made unique), blobs renamed through blob_remap, keeping only the
        ops whose indices are in op_id_mask."""
        remap_funcs = remap_funcs or {}
        blob_remap = blob_remap or {}
        proto = self._net
        new_proto = caffe2_pb2.NetDef()
        new_proto.CopyFrom(proto)
        new_proto.name = name
        if op_id_mask is None:
            op_id_mask = list(range(len(proto.op)))

        def remap_list(proto_list):
            new_list = [str(blob_remap.get(str(b), str(b))) for b in proto_list]
            del proto_list[:]
            proto_list.extend(new_list)

        def remap_op(op):
            new_op = caffe2_pb2.OperatorDef()
            new_op.CopyFrom(op)
            remap_list(new_op.input)
            remap_list(new_op.output)
            if new_op.type in remap_funcs:
                remap_funcs[new_op.type](new_op, (name + "/") if name else "", blob_remap)
            return new_op

        del new_proto.op[:]
        new_proto.op.extend([remap_op(proto.op[i]) for i in op_id_mask])
        remap_list(new_proto.external_input)
        remap_list(new_proto.external_output)
        return Net(new_proto)

    def Const(self, array, blob_out=None, dtype=None):
        """A GivenTensor*Fill (ConstantFill for a bool scalar) holding `array`, as Caffe2's
        Net.Const: int32 -> GivenTensorIntFill, int64 -> GivenTensorInt64Fill, bool ->
        GivenTensorBoolFill, anything else -> GivenTensorFill (float)."""
        if isinstance(array, bool):
            return self.ConstantFill([], blob_out or 1, dtype=DataType.BOOL, value=array)
        array = np.array(array) if dtype is None else np.array(array, dtype=dtype)
        if array.dtype == np.int32:
            fill = self.GivenTensorIntFill
        elif array.dtype == np.int64:
            fill = self.GivenTensorInt64Fill
        elif array.dtype == np.bool_:
            fill = self.GivenTensorBoolFill
        elif array.dtype.kind in "SUO":
            raise TypeError("Net.Const: string constants are not supported by c2rt")
        else:
            fill = self.GivenTensorFill
        return fill([], blob_out or 1, shape=array.shape, values=array.flatten().tolist())

    def AddGradientOperators(self, ys, skip=0):
        """Appends the gradient ops of this net's ops (from op `skip` on) for losses `ys` (a list,
        seeded with ones, or a dict {y: gradient blob or None}) and returns the map {input blob:
        gradient blob} (Caffe2's names: X_grad, _X_grad_autosplit_i, y_autogen_grad)."""
        from c2rt import gradients
        grad_ops, input_to_grad = gradients.GetBackwardPass(self._net.op[skip:], ys)
        self._ExtendOps(grad_ops)
        return input_to_grad

    def _ExtendOps(self, new_ops):
        self._net.op.extend(new_ops)
        for op in new_ops:
            self._op_outputs.update(str(o) for o in op.output)

    def _CreateAndAddToSelf(self, op_type, inputs, outputs=None, **kwargs):
        inputs = _RectifyInputOutput(inputs)
        for input in inputs:
            if not self.BlobIsDefined(input):
                assert input.Net() is not self, "blob %s of this net is not defined" % input
                self.AddExternalInput(input)
        if outputs is None:
            outputs = self.NextName(prefix=op_type)
        elif type(outputs) is int:
            outputs = [self.NextName(prefix=op_type, output_id=i) for i in range(outputs)]
        outputs = _RectifyInputOutput(outputs, net=self)
        op = CreateOperator(op_type, inputs, outputs, **kwargs)
        self._ExtendOps([op])
        site = _caller_site()
        if site is not None:
            workspace.operator_tracebacks[self._net.name][len(self._net.op) - 1] = site
        if len(op.output) == 0:
            return None
        if len(op.output) == 1:
            return BlobReference(op.output[0], self)
        return tuple(BlobReference(o, self) for o in op.output)

    def __getattr__(self, op_type):
        if op_type.startswith("__"):
            raise AttributeError(op_type)
        if not IsOperator(op_type):
            raise _unknown_operator(op_type)
        return lambda *args, **kwargs: self._CreateAndAddToSelf(op_type, *args, **kwargs)

    def __dir__(self):
        return sorted(set(dir(type(self)) + list(self.__dict__) + list(_REGISTERED_OPERATORS)))
