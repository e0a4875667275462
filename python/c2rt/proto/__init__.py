"""Caffe2's protobuf messages, generated at build time from c2rt's proto/caffe2.proto.

Caffe2's later caffe2_pb2 wrapper exposed the device types under their old names
(caffe2_pb2.CPU, caffe2_pb2.CUDA, ...); the same aliases are added here."""
from c2rt.proto import caffe2_pb2

for _name in ("CPU", "CUDA", "MKLDNN", "OPENGL", "OPENCL", "IDEEP", "HIP"):
    setattr(caffe2_pb2, _name, getattr(caffe2_pb2, "PROTO_" + _name))
del _name
