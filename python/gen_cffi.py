"""Build step: turns the preprocessed C declarations into cffi's out-of-line ABI module.

Usage: gen_cffi.py DECLARATIONS.i OUTPUT.py

The output is pure Python (cffi's `set_source(name, None)` mode): importing it needs neither a
compiler nor pycparser, only cffi's backend. A declaration cffi cannot parse fails the build,
so the public headers stay binding-friendly."""
import sys

import cffi


def main(argv):
    src, out = argv[1], argv[2]
    with open(src, encoding="utf-8") as f:
        decls = f.read()
    ffi = cffi.FFI()
    ffi.cdef(decls)
    ffi.set_source("c2rt._c2rt_cffi", None)
    ffi.emit_python_code(out)


if __name__ == "__main__":
    main(sys.argv)
