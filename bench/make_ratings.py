#!/usr/bin/env python3
"""Writes a MovieLens-style ratings.csv of N lines for the parsing benchmark (docs/results.md, "Prepared data"):
userId,movieId,rating,timestamp with Zipf-skewed items and ~100 ratings per user.

  python3 bench/make_ratings.py 20000000 /tmp/big/ratings.csv
"""
import random
import sys

n, path = int(sys.argv[1]), sys.argv[2]
rng = random.Random(1)
items = 50000
weights = [1.0 / (i + 1) ** 0.8 for i in range(items)]
pool = rng.choices(range(1, items + 1), weights, k=1 << 20)
with open(path, "w") as out:
    out.write("userId,movieId,rating,timestamp\n")
    chunk = []
    for line in range(n):
        user = line // 100 + 1
        chunk.append(f"{user},{pool[line & ((1 << 20) - 1)] if line & 1 else pool[(line * 7919) & ((1 << 20) - 1)]},"
                     f"{(line % 10 + 1) / 2},{1000000000 + line}\n")
        if len(chunk) == 100000:
            out.write("".join(chunk))
            chunk.clear()
    out.write("".join(chunk))
