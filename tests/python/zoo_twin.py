"""The PyTorch twin of a Caffe2 NetDef, built op by op from the NetDef itself, in float64.

Each Caffe2 op becomes the PyTorch expression that computes the same thing (written from
Caffe2's definitions in shared/reference/caffe2_zoo_ops.md, independently of c2rt's C code):
Caffe2's floor output-size rule with explicit (possibly asymmetric) pads is F.pad followed by
an unpadded conv/pool; the legacy_pad modes compute their pads first; MaxPool pads with -inf;
AveragePool divides by the in-image cell count unless count_include_pad.

Also: running c2rt through the `c2run` tool with .npy files (no binding code), and reading
weights from init nets with the protobuf module generated from proto/caffe2.proto.
"""
import math
import os
import subprocess
import sys
import tempfile

import numpy as np
import torch
import torch.nn.functional as F

NOTSET, VALID, SAME, CAFFE_LEGACY = 0, 1, 2, 3


def load_pb2(proto_dir, out_dir):
    """Generates caffe2_pb2.py from proto/caffe2.proto with protoc and imports it."""
    subprocess.run(["protoc", "--python_out=" + out_dir, "--proto_path=" + proto_dir,
                    "caffe2.proto"], check=True)
    sys.path.insert(0, out_dir)
    import caffe2_pb2  # noqa: E402
    return caffe2_pb2


def args_of(op):
    """Argument name -> value (int, float, bytes, list) with Caffe2's field rules."""
    out = {}
    for a in op.arg:
        if a.HasField("i"):
            out[a.name] = a.i
        elif a.HasField("f"):
            out[a.name] = a.f
        elif a.HasField("s"):
            out[a.name] = a.s.decode()
        elif len(a.ints):
            out[a.name] = list(a.ints)
        elif len(a.floats):
            out[a.name] = list(a.floats)
        else:
            out[a.name] = []
    return out


def read_init_net(pb2, path):
    """Blob name -> numpy array for the GivenTensorFill ops of an init net."""
    net = pb2.NetDef()
    with open(path, "rb") as f:
        net.ParseFromString(f.read())
    blobs = {}
    for op in net.op:
        if op.type != "GivenTensorFill":
            continue
        shape = values = None
        for a in op.arg:
            if a.name == "shape":
                shape = list(a.ints)
            elif a.name == "values":
                values = np.fromiter(a.floats, np.float32, count=len(a.floats))
        blobs[op.output[0]] = values.reshape(shape)
    return blobs


# ---- Caffe2's ConvPoolOpBase, in Python ----

def pair(args, single, h, w, plural, default):
    if single in args:
        return [args[single]] * 2
    if h in args and w in args:
        return [args[h], args[w]]
    if plural in args:
        return list(args[plural])
    return [default, default]


def conv_pool_params(args):
    kernel = pair(args, "kernel", "kernel_h", "kernel_w", "kernels", 0)
    stride = pair(args, "stride", "stride_h", "stride_w", "strides", 1)
    dilation = pair(args, "dilation", "dilation_h", "dilation_w", "dilations", 1)
    if "pad" in args:
        pads = [args["pad"]] * 4
    elif all(k in args for k in ("pad_t", "pad_l", "pad_b", "pad_r")):
        pads = [args["pad_t"], args["pad_l"], args["pad_b"], args["pad_r"]]
    elif "pads" in args:
        pads = list(args["pads"])
    else:
        pads = [0, 0, 0, 0]
    return kernel, stride, dilation, pads, args.get("legacy_pad", NOTSET)


def size_and_pads(in_size, k, s, d, head, tail, legacy):
    """Caffe2 ComputeSizeAndPad: (out, head, tail)."""
    dk = d * (k - 1) + 1
    if legacy == NOTSET:
        return (in_size + head + tail - dk) // s + 1, head, tail
    if legacy == VALID:
        return (in_size - dk) // s + 1, 0, 0
    if legacy == SAME:
        out = -(-in_size // s)
        needed = (out - 1) * s + k - in_size
        h = int(needed / 2)  # C division truncates toward zero
        return (in_size + needed - dk) // s + 1, h, needed - h
    out = math.ceil((in_size + 2 * head - k) / s) + 1
    if head > 0 and (out - 1) * s >= in_size + head:
        out -= 1
    standard = (in_size + 2 * head - k) // s + 1
    return out, head, head + s * (out - standard)


def geometry(x, args, kernel_override=None):
    kernel, stride, dilation, pads, legacy = conv_pool_params(args)
    if kernel_override:
        kernel = kernel_override
    H, W = x.shape[2], x.shape[3]
    ho, t, b = size_and_pads(H, kernel[0], stride[0], dilation[0], pads[0], pads[2], legacy)
    wo, l, r = size_and_pads(W, kernel[1], stride[1], dilation[1], pads[1], pads[3], legacy)
    return kernel, stride, dilation, (l, r, t, b), (ho, wo)


def padded(x, lrtb, value=0.0):
    return F.pad(x, lrtb, value=value) if any(lrtb) else x


def crop(y, out):
    return y[:, :, :out[0], :out[1]]


def conv(x, w, b, args):
    kernel, stride, dilation, lrtb, out = geometry(x, args)
    y = F.conv2d(padded(x, lrtb), w, b, stride=tuple(stride), dilation=tuple(dilation),
                 groups=args.get("group", 1))
    assert tuple(y.shape[2:]) == out, (y.shape, out)
    return y


def pool(x, args, is_max):
    if args.get("global_pooling", 0):
        return x.amax((2, 3), keepdim=True) if is_max else x.mean((2, 3), keepdim=True)
    kernel, stride, _, lrtb, out = geometry(x, args)
    if is_max:
        y = F.max_pool2d(padded(x, lrtb, -math.inf), tuple(kernel), tuple(stride))
    elif args.get("count_include_pad", 0):  # divides by kh*kw
        y = F.avg_pool2d(padded(x, lrtb), tuple(kernel), tuple(stride))
    else:
        ones = torch.ones_like(x[:1, :1])
        y = F.avg_pool2d(padded(x, lrtb), tuple(kernel), tuple(stride)) / \
            F.avg_pool2d(padded(ones, lrtb), tuple(kernel), tuple(stride))
    y = crop(y, out)
    assert tuple(y.shape[2:]) == out, (y.shape, out)
    return y


def lrn(x, args):
    n, alpha, beta, bias = args["size"], args["alpha"], args["beta"], args.get("bias", 1.0)
    sq = F.pad(x * x, (0, 0, 0, 0, (n - 1) // 2, n // 2))
    window = sum(sq[:, c:c + x.shape[1]] for c in range(n))
    scale = bias + alpha / n * window
    return x * scale.pow(-beta), scale


def fc(x, w, b, args):
    axis = args.get("axis", 1) % x.dim()
    axis_w = args.get("axis_w", 1) % w.dim()
    m = int(np.prod(x.shape[:axis]))
    n = int(np.prod(w.shape[:axis_w]))
    y = x.reshape(m, -1) @ w.reshape(n, -1).T + b
    return y.reshape(*x.shape[:axis], n)


def softmax(x, args):
    axis = args.get("axis", 1) % x.dim()
    rows = int(np.prod(x.shape[:axis]))
    return F.softmax(x.reshape(rows, -1), dim=1).reshape(x.shape)


def concat(xs, args):
    if "axis" in args:
        axis, add = args["axis"], args.get("add_axis", 0)
    else:
        axis, add = (3 if args.get("order", "NCHW") == "NHWC" else 1), 0
    if add:
        axis = axis % (xs[0].dim() + 1)
        y = torch.stack(xs, axis)
        split = [1] * len(xs)
    else:
        axis = axis % xs[0].dim()
        y = torch.cat(xs, axis)
        split = [t.shape[axis] for t in xs]
    return y, torch.tensor(split, dtype=torch.int32)


def run_twin(net, blobs):
    """Runs the NetDef's ops in order on blobs (name -> float64 tensor), in place."""
    for op in net.op:
        a = args_of(op)
        i = [blobs[name] for name in op.input]
        t = op.type
        if t == "Conv":
            outs = [conv(i[0], i[1], i[2] if len(i) > 2 else None, a)]
        elif t == "MaxPool":
            outs = [pool(i[0], a, True)]
        elif t == "AveragePool":
            outs = [pool(i[0], a, False)]
        elif t == "LRN":
            y, scale = lrn(i[0], a)
            outs = [y, scale]
        elif t == "Relu":
            outs = [torch.clamp(i[0], min=0)]
        elif t == "FC":
            outs = [fc(i[0], i[1], i[2], a)]
        elif t == "Dropout":
            assert a.get("is_test", 0), "the twin covers inference only"
            outs = [i[0]]  # the mask is not written
        elif t == "Softmax":
            outs = [softmax(i[0], a)]
        elif t == "Concat":
            outs = list(concat(i, a))
        else:
            raise NotImplementedError(t)
        for name, value in zip(op.output, outs):
            blobs[name] = value
    return blobs


# ---- c2rt through c2run ----

def file_name(blob):
    return blob.replace("/", "__") + ".npy"


def run_c2rt(c2run, predict_pb, init_pb, inputs, outputs, workdir, threads=None):
    """Runs c2run; returns blob name -> numpy array for `outputs`."""
    cmd = [c2run, predict_pb]
    if init_pb:
        cmd += ["--init", init_pb]
    for name, value in inputs.items():
        path = os.path.join(workdir, "in_" + file_name(name))
        np.save(path, value)
        cmd += ["--input", f"{name}={path}"]
    for name in outputs:
        cmd += ["--output", f"{name}={os.path.join(workdir, file_name(name))}"]
    if threads:
        cmd += ["--threads", str(threads)]
    res = subprocess.run(cmd, capture_output=True, text=True)
    if res.returncode != 0:
        raise RuntimeError(f"c2run failed: {res.stderr.strip()}")
    return {name: np.load(os.path.join(workdir, file_name(name))) for name in outputs}


def rel_l2(got, want):
    got = np.asarray(got, dtype=np.float64)
    want = np.asarray(want, dtype=np.float64)
    norm = np.linalg.norm(want)
    return np.linalg.norm(got - want) / (norm if norm > 0 else 1.0)
