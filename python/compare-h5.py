#!/usr/bin/python3
"""Says whether two HDF5 files (model.h5, eval.h5, checkpoints) hold bitwise-identical arrays.

usage: python/compare-h5.py A.h5 B.h5
Compares every dataset's name, type, shape and bytes (attributes, such as the --out path a file
records, are left out). Exit status 0 when identical, 1 otherwise, naming each array that differs.
Used to check that a change keeps deterministic training bitwise the same (docs/design.md: Distributed
design).
"""
import sys

import h5py


def arrays(path):
    found = {}
    with h5py.File(path, "r") as f:
        f.visititems(lambda name, obj: found.__setitem__(name, obj[()]) if isinstance(obj, h5py.Dataset) else None)
    return found


def main():
    a, b = arrays(sys.argv[1]), arrays(sys.argv[2])
    differ = sorted(set(a) ^ set(b))
    for name in sorted(set(a) & set(b)):
        x, y = a[name], b[name]
        if getattr(x, "dtype", None) != getattr(y, "dtype", None) or getattr(x, "shape", None) != getattr(y, "shape", None) \
                or (x.tobytes() if hasattr(x, "tobytes") else bytes(x)) != (y.tobytes() if hasattr(y, "tobytes") else bytes(y)):
            differ.append(name)
    for name in differ:
        print(f"differs: /{name}")
    print(f"{'identical' if not differ else 'different'}: {len(set(a) | set(b))} arrays")
    return 1 if differ else 0


if __name__ == "__main__":
    sys.exit(main())
