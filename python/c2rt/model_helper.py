"""caffe2.python.model_helper.ModelHelper: a training net, its parameter-init net and the list
of parameters, for brew helpers to fill."""
import logging

from c2rt import core, scope

# Caffe2's list of ops that ModelHelper creates without a warning.
_known_working_ops = {
    "Accuracy", "Adam", "Add", "Adagrad", "SparseAdagrad", "AveragedLoss", "Cast",
    "Checkpoint", "ConstantFill", "Copy", "CopyGPUToCPU", "CopyCPUToGPU", "DequeueBlobs",
    "EnsureCPUOutput", "ExpandDims", "Flatten", "FlattenToVec", "LabelCrossEntropy",
    "LearningRate", "MakeTwoClass", "MatMul", "NCCLAllreduce", "NHWC2NCHW", "PackSegments",
    "Print", "PRelu", "ReduceFrontSum", "Scale", "ScatterWeightedSum", "Sigmoid",
    "SortedSegmentSum", "Snapshot", "Softmax", "SoftmaxWithLoss", "SquaredL2Distance",
    "Squeeze", "StopGradient", "Summarize", "Tanh", "Transpose", "UnpackSegments",
    "WeightedSum", "YellowFin",
}


class ModelHelper(object):
    """`net` (core.Net(name)), `param_init_net` (core.Net(name + "_init")), `params` (the
    parameter blobs brew helpers created) and, after AddGradientOperators, `grad_map` and
    `param_to_grad`."""

    def __init__(self, name=None, init_params=True, allow_not_known_ops=True,
                 skip_sparse_optim=False, param_model=None, arg_scope=None):
        self.name = name or "model"
        self.net = core.Net(self.name)
        if param_model is not None:
            self.param_init_net = param_model.param_init_net
            self.param_to_grad = param_model.param_to_grad
            self.params = param_model.params
        else:
            self.param_init_net = core.Net(self.name + "_init")
            self.param_to_grad = {}
            self.params = []
        self.init_params = init_params
        self.allow_not_known_ops = allow_not_known_ops
        self.skip_sparse_optim = skip_sparse_optim
        self.gradient_ops_added = False
        self.grad_map = {}
        self.weights = []
        self.biases = []
        self._arg_scope = {"order": "NCHW", "use_cudnn": True, "cudnn_exhaustive_search": False}
        if arg_scope is not None:
            self._arg_scope.update(arg_scope)

    @property
    def arg_scope(self):
        return self._arg_scope

    def get_name(self):
        return self.name

    def Proto(self):
        return self.net.Proto()

    def InitProto(self):
        return self.param_init_net.Proto()

    def AddParameter(self, param, tags=None):
        if not isinstance(param, core.BlobReference):
            raise TypeError("AddParameter takes a BlobReference, got %s" % type(param).__name__)
        self.params.append(param)
        tags = tags or []
        if "WEIGHT" in tags:
            self.weights.append(param)
        if "BIAS" in tags:
            self.biases.append(param)

    def create_param(self, param_name, shape, initializer, tags=None, **kwargs):
        """Adds `initializer` ("XavierFill", "ConstantFill", ... or (op, kwargs)) for a
        parameter of `shape` to param_init_net and records it. Returns its BlobReference."""
        name = scope.CurrentNameScope() + str(param_name) if isinstance(param_name, str) \
            else str(param_name)
        for p in self.params:
            if str(p) == name:
                return p
        op, op_kwargs = initializer if isinstance(initializer, tuple) else (initializer, {})
        op_kwargs = dict(op_kwargs, **kwargs)
        if self.init_params:
            blob = getattr(self.param_init_net, op)([], core.BlobReference(name),
                                                    shape=shape, **op_kwargs)
        else:
            blob = core.BlobReference(name, self.param_init_net)
        self.AddParameter(blob, tags)
        return blob

    def GetParams(self, namescope=None, top_scope=False):
        if namescope is None:
            namescope = scope.CurrentNameScope()
        elif namescope and not namescope.endswith(scope._NAMESCOPE_SEPARATOR):
            namescope += scope._NAMESCOPE_SEPARATOR
        return [p for p in self.params if str(p).startswith(namescope)] if namescope \
            else list(self.params)

    def AddGradientOperators(self, *args, **kwargs):
        if self.gradient_ops_added:
            raise RuntimeError("You cannot run AddGradientOperators twice.")
        self.gradient_ops_added = True
        self.grad_map = self.net.AddGradientOperators(*args, **kwargs)
        self.param_to_grad = {p: self.grad_map[p] for p in self.params if p in self.grad_map}
        return self.grad_map

    def get_param_to_grad(self, params):
        return {p: self.grad_map[p] for p in params if p in self.grad_map}

    def __getattr__(self, op_type):
        if op_type.startswith("__"):
            raise AttributeError(op_type)
        if not core.IsOperator(op_type):
            raise core._unknown_operator(op_type)
        if op_type not in _known_working_ops:
            if not self.allow_not_known_ops:
                raise AttributeError("Operator {} is not known to be safe".format(op_type))
            logging.warning("You are creating an op that the ModelHelper does not recognize: "
                            "{}.".format(op_type))
        return self.net.__getattr__(op_type)

    def __dir__(self):
        return sorted(set(dir(type(self)) + list(self.__dict__) + list(_known_working_ops)))
