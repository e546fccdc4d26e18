#!/usr/bin/env bash
# python/report.py on a small generated run: it writes report.html with both figures, which render
# in headless Chromium without console errors, and the
# explanation HDF5 it reads agrees with eval.h5 on the user's top recommendation.
set -euo pipefail
ampcf=${1:?usage: report.sh path/to/ampcf}
root=$(cd "$(dirname "$0")/.." && pwd)
if ! /usr/bin/python3 -c "import matplotlib, h5py" 2> /dev/null; then
  echo "skipped: python3-matplotlib and python3-h5py are not installed (launch/setup.sh installs them)"; exit 0
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
data=(--data synthetic --synthetic-users 300 --synthetic-items 150)
"$ampcf" train "${data[@]}" --epochs 3 --quiet --out "$work/run" > /dev/null
/usr/bin/python3 "$root/python/report.py" "$work/run" --user 7 --ampcf "$ampcf" -- "${data[@]}"
test "$(grep -o 'data:image/png;base64' "$work/run/report.html" | wc -l)" -eq 2
/usr/bin/python3 - "$work/run" <<'PY'
import sys, h5py
run = sys.argv[1]
with h5py.File(f"{run}/eval.h5") as ev, h5py.File(f"{run}/explain-7.h5") as ex:
    row = list(ev["users/ids"][:]).index(7)
    assert ev["users/top_items"][row, 0] == ex["recommendations/items"][0], "explain and eval.h5 disagree"
    assert ev["users/top_persona"][row, 0] == ex["recommendations/persona"][0]
print("ok: report.html with 2 figures; explanation agrees with eval.h5")
PY
# The page in a real browser: it loads, both figures render, the console stays clean (skipped,
# with a message, where Chromium is not installed).
status=0
/usr/bin/python3 "$root/tests/browser_check.py" "$work/run/report.html" || status=$?
[ "$status" -eq 0 ] || [ "$status" -eq 77 ]
