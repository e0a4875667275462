"""Configure step: the package directory under PREFIX that this interpreter searches.

Usage: site_dir.py PREFIX MESON_DEFAULT_DIR

Prints MESON_DEFAULT_DIR when the interpreter searches it (e.g. prefix /usr on Debian), else
the first of the interpreter's site directories under PREFIX (Debian's Python searches
/usr/local/lib/python3.X/dist-packages, not the /usr/local/lib/python3/dist-packages Meson 1.0
picks), else MESON_DEFAULT_DIR (a private prefix: put it on PYTHONPATH)."""
import os
import site
import sys


def main(prefix, default):
    searched = [os.path.normpath(p) for p in site.getsitepackages() + sys.path if p]
    if os.path.normpath(default) in searched:
        return default
    root = os.path.normpath(prefix) + os.sep
    for p in searched:
        if p.startswith(root) and ("dist-packages" in p or "site-packages" in p):
            return p
    return default


if __name__ == "__main__":
    print(main(sys.argv[1], sys.argv[2]))
