#!/usr/bin/python3
"""Intra-list diversity of the top-K lists in an eval.h5: per user, the mean pairwise cosine
distance (1 - cos) between the item vectors (the model's /items/embedding) of the first K items
of /users/top_items; prints the mean over users. DiRec's re-ranking (eval --rerank direc)
raises it.

usage: list_diversity.py EVAL.h5 MODEL.h5 [K]"""
import sys

import h5py
import numpy as np


def main():
    if len(sys.argv) not in (3, 4):
        sys.exit(__doc__)
    k = int(sys.argv[3]) if len(sys.argv) == 4 else 10
    with h5py.File(sys.argv[1], "r") as ev, h5py.File(sys.argv[2], "r") as model:
        top = ev["/users/top_items"][:, :k]
        ids = model["/items/ids"][:]
        vectors = model["/items/embedding"][:].astype(np.float64)
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    unit = vectors / np.where(norms > 0, norms, 1)
    row_of = {int(item): row for row, item in enumerate(ids)}
    values = []
    for items in top:
        rows = [row_of[int(i)] for i in items if int(i) in row_of]
        if len(rows) < 2:
            continue
        u = unit[rows]
        cos = u @ u.T
        n = len(rows)
        values.append((n * n - cos.sum()) / (n * (n - 1)))  # mean of 1 - cos off the diagonal
    print(f"{np.mean(values):.6f}")


if __name__ == "__main__":
    main()
