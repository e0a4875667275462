"""c2rt: Caffe2's Python scripting API over the c2rt C library.

A Caffe2 script changes only its imports::

    from c2rt import core, workspace          # was: from caffe2.python import core, workspace
    from c2rt.proto import caffe2_pb2         # was: from caffe2.proto import caffe2_pb2

Importing the package loads libc2rt (see c2rt._lib for where it is looked for)."""
from c2rt._errors import C2Error
from c2rt._lib import __version__, library_path

__all__ = ["C2Error", "__version__", "library_path"]
