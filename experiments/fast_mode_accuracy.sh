#!/usr/bin/env bash
# Test and validation accuracy of the training modes side by side: synchronous (--deterministic)
# against the per-worker modes, on every dataset in ../shared/data and several seeds, each run
# to early stopping on 1 server + 2 workers. Prints one line per run and a table of the means
# with each mode's difference from the first (docs/scale-out.md, "Accuracy of the fast mode").
#   experiments/fast_mode_accuracy.sh [SEEDS]      default "1 2 3"
# MODES: lines "label|flags" (default below); DATASETS: lines "path[|flags]" (flags added to
# every run on it, e.g. a shorter schedule); AMPCF_BUILD: the build folder.
set -euo pipefail
cd "$(dirname "$0")/.."
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_rmaps_base_oversubscribe=1
build=$(realpath "${AMPCF_BUILD:-build}")
seeds=${1:-1 2 3}
default_modes="synchronous|--deterministic
fast (the default)|"
modes=${MODES:-$default_modes}
datasets=${DATASETS:-}
if [ -z "$datasets" ]; then
  for d in ../shared/data/ml-latest-small ../shared/data/ml-1m/ncf ../shared/data/hetrec2011-lastfm-2k; do
    [ -e "$d" ] && datasets="$datasets$(realpath "$d")"$'\n'
  done
fi
[ -n "$datasets" ] || { echo "no dataset in ../shared/data (set DATASETS)" >&2; exit 77; }
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'); 1 server + 2 workers; seeds $seeds"
results="$out/results.tsv"
while IFS= read -r entry; do
  [ -n "$entry" ] || continue
  data=${entry%%|*}
  data_flags=
  [[ "$entry" == *"|"* ]] && data_flags=${entry#*|}
  for seed in $seeds; do
    while IFS= read -r mode; do
      label=${mode%%|*}
      # shellcheck disable=SC2086
      mpirun -np 3 "$build/ampcf" train --data "$data" --servers 1 --seed "$seed" --quiet --out "$out/run" \
        $data_flags ${mode#*|} < /dev/null > /dev/null
      python3 - "$out/run/metrics.jsonl" "$(basename "$data")" "$seed" "$label" >> "$results" <<'PY'
import json, sys
final = [json.loads(l) for l in open(sys.argv[1]) if l.startswith('{"best_epoch"')][-1]
epochs = [json.loads(l) for l in open(sys.argv[1]) if l.startswith('{"epoch"')]
rate = sum(e["pairs_per_s"] for e in epochs) / len(epochs)
print("\t".join([sys.argv[2], sys.argv[3], sys.argv[4]] + [f'{final[k]:.4f}' for k in
      ("val_hr@10", "val_ndcg@10", "test_hr@10", "test_ndcg@10", "test_full_hr@10")] + [f'{rate:.0f}', str(final["best_epoch"])]))
PY
      tail -1 "$results"
      rm -rf "$out/run"
    done <<< "$modes"
  done
done <<< "$datasets"
python3 - "$results" <<'PY'
import collections, sys
rows = [l.rstrip("\n").split("\t") for l in open(sys.argv[1])]
names = ["val HR@10", "val NDCG@10", "test HR@10", "test NDCG@10", "full HR@10"]
by = collections.defaultdict(list)
for r in rows:
    by[(r[0], r[2])].append([float(x) for x in r[3:8]] + [float(r[9])])
modes = list(dict.fromkeys(r[2] for r in rows))
print("\n| data | mode | " + " | ".join(names) + " | best epochs |\n|---|---|" + "---|" * (len(names) + 1))
for data in dict.fromkeys(r[0] for r in rows):
    base = [sum(c) / len(c) for c in zip(*by[(data, modes[0])])]
    for mode in modes:
        runs = by[(data, mode)]
        mean = [sum(c) / len(c) for c in zip(*runs)]
        cells = [f"{m:.4f}" if mode == modes[0] else f"{m:.4f} ({m - b:+.4f})" for m, b in zip(mean[:5], base[:5])]
        print(f"| {data} | {mode} | " + " | ".join(cells) + " | " + ", ".join(str(int(r[5])) for r in runs) + " |")
PY
