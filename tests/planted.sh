#!/usr/bin/env bash
# Planted tastes: on data from `ampcf generate` whose users have 2 tastes, AMP-CF with r = 2
# attributes each user's items to personas that follow the planted item clusters more purely
# than r = 1 can (purity of the dominant persona of each item against its cluster).
set -euo pipefail
ampcf=${1:?usage: planted.sh path/to/ampcf}
if ! /usr/bin/python3 -c "import numpy, h5py" 2> /dev/null; then
  echo "skipped: python3-numpy and python3-h5py are not installed (launch/setup.sh installs them)"; exit 0
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$ampcf" generate --users 1500 --items 400 --clusters 6 --max-tastes 2 --out "$work/data" > /dev/null
for r in 1 2; do
  "$ampcf" train --data "$work/data/ratings.csv" --personas $r --epochs 15 --patience 0 --quiet --out "$work/r$r" > /dev/null
done
/usr/bin/python3 - "$work" <<'PY'
import sys
from collections import Counter, defaultdict
import h5py
import numpy as np

work = sys.argv[1]
truth = h5py.File(f"{work}/data/truth.h5")
item_cluster = truth["item_cluster"][:]
offsets = truth["user_taste_offsets"][:]
two_tastes = {u for u in range(len(offsets) - 1) if offsets[u + 1] - offsets[u] == 2}
items_of = defaultdict(list)
for line in open(f"{work}/data/ratings.csv").read().splitlines()[1:]:
    user, item = map(int, line.split(",")[:2])
    items_of[user].append(item)

def purity(path):
    m = h5py.File(path)
    row_of_item = {i: k for k, i in enumerate(m["items/ids"][:])}
    embedding, au, av = m["items/embedding"][:], m["attention/A_u"][:], m["attention/A_v"][:]
    phi = embedding @ av
    scores = []
    for row, user in enumerate(m["users/ids"][:]):
        if user not in two_tastes:
            continue
        psi = m["users/personas"][row] @ au  # r x da
        rows = [row_of_item[i] for i in items_of[user]]
        persona = np.argmax(psi @ phi[rows].T, axis=0)  # dominant persona of each item
        by_persona = defaultdict(Counter)
        for p, item in zip(persona, items_of[user]):
            by_persona[p][item_cluster[item]] += 1
        scores.append(sum(max(c.values()) for c in by_persona.values()) / len(rows))
    return float(np.mean(scores))

one, two = purity(f"{work}/r1/model.h5"), purity(f"{work}/r2/model.h5")
print(f"purity of persona attribution, users with 2 planted tastes: r=1 {one:.3f}, r=2 {two:.3f}")
assert two > one + 0.05, "r=2 does not recover planted tastes better than r=1"
print("ok: r=2 recovers planted tastes better than r=1")
PY
