#!/usr/bin/python3
"""Incremental training against retraining, on interactions as they arrived in time.

The interactions of a timestamped dataset, in time order, are cut into a base (the first
--base share) and --slices equal slices. Slice k's dataset holds every interaction up to the
end of slice k (old and new users and items by their original ids), split leave-last-out by
time as usual. On each dataset:
  - scratch: `ampcf train` from fresh rows, with the defaults;
  - incremental: `ampcf train --init-from` the previous incremental run's model (the scratch
    run's on the base), with --init-from's own defaults (its rows shrunk and perturbed) and
    --incremental-options (a short early-stopping patience: a warm model is near its best soon).
Prints per slice, as means over --seeds, the validation NDCG@10 (which chooses
--incremental-options), the test HR@10 and NDCG@10 (sampled) and full-ranking HR@10 of both,
and their wall times (the whole `ampcf train`, data loading and evaluation included); then
the gaps and the total time ratio.

  bench/incremental_benchmark.py --data ../shared/data/ml-latest-small/ratings.csv --work /tmp/inc
  bench/incremental_benchmark.py --data ../shared/data/ml-1m/partial/ratings.dat.gz --work /tmp/inc1m
Runs are kept under --work; a finished one is not run again (delete it to rerun).
"""
import argparse
import csv
import gzip
import os
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "experiments"))
from run_figures import final_figures  # noqa: E402


def read_interactions(path):
    """(user, item, timestamp) triples of a MovieLens ratings.csv or ratings.dat(.gz)."""
    opener = gzip.open if path.endswith(".gz") else open
    triples = []
    with opener(path, "rt") as f:
        if ".csv" in os.path.basename(path):
            rows = csv.reader(f)
            next(rows)  # header
            for user, item, _, stamp in rows:
                triples.append((user, item, int(stamp)))
        else:
            for line in f:
                user, item, _, stamp = line.strip().split("::")
                triples.append((user, item, int(stamp)))
    return triples


def write_slices(triples, base, slices, work):
    """slice-K.tsv for K = 0 (the base) .. slices; returns their paths."""
    ordered = sorted(triples, key=lambda t: t[2])  # stable: ties keep the file's order
    paths = []
    for k in range(slices + 1):
        end = int(len(ordered) * (base + (1 - base) * k / slices))
        path = os.path.join(work, f"slice-{k}.tsv")
        if not os.path.exists(path):
            with open(path + ".tmp", "w") as f:
                f.writelines(f"{u}\t{i}\t{s}\n" for u, i, s in ordered[:end])
            os.replace(path + ".tmp", path)
        paths.append(path)
    return paths


def train(args, seed, data, out, extra):
    """Runs `ampcf train` once (unless `out` holds a finished run); its figures and wall seconds."""
    done = os.path.join(out, "wall_seconds")
    if final_figures(out) is None or not os.path.exists(done):
        launcher = []
        if args.np > 1:
            launcher = ["mpirun", "--oversubscribe", "--bind-to", "none", "-np", str(args.np)]
            launcher += ["--allow-run-as-root"] if os.geteuid() == 0 else []
        command = launcher + [args.ampcf, "train", "--data", data, "--format", "delimited", "--delimiter", "\\t", "--columns", "0,1,2",
                   "--seed", str(seed), "--out", out, "--quiet"] + args.options.split() + extra
        start = time.monotonic()
        result = subprocess.run(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        if result.returncode != 0:
            sys.exit(f"failed: {' '.join(command)}\n{result.stdout}")
        with open(done, "w") as f:
            f.write(f"{time.monotonic() - start:.3f}\n")
    return final_figures(out), float(open(done).read())


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--ampcf", default=os.path.join(os.path.dirname(__file__), "..", "build", "ampcf"))
    parser.add_argument("--data", required=True, help="a MovieLens ratings.csv or ratings.dat(.gz)")
    parser.add_argument("--work", required=True)
    parser.add_argument("--base", type=float, default=0.7)
    parser.add_argument("--slices", type=int, default=5)
    parser.add_argument("--np", type=int, default=1, help="ranks of every run")
    parser.add_argument("--seeds", default="1", help="comma-separated; the table shows means")
    parser.add_argument("--options", default="", help="`ampcf train` options of every run")
    parser.add_argument("--incremental-options", default="--patience 5",
                        help="`ampcf train` options of the incremental runs")
    parser.add_argument("--from", dest="source", choices=["model", "checkpoint"], default="model",
                        help="start each incremental run from the previous one's model.h5 (the best rows) or its "
                             "last checkpoint (the last rows and Adam's state)")
    args = parser.parse_args()
    os.makedirs(args.work, exist_ok=True)
    slices = write_slices(read_interactions(args.data), args.base, args.slices, args.work)

    seeds = [int(seed) for seed in args.seeds.split(",")]
    runs = {}  # (seed, k) -> (scratch figures, seconds, incremental figures, seconds)
    for seed in seeds:
        work = os.path.join(args.work, f"seed-{seed}")
        previous = None
        for k, data in enumerate(slices):
            scratch = train(args, seed, data, os.path.join(work, f"scratch-{k}"), [])
            if k == 0:
                previous = os.path.join(work, "scratch-0")
                continue
            if args.source == "model":
                start = os.path.join(previous, "model.h5")
            else:
                checkpoints = os.path.join(previous, "checkpoints")
                start = os.path.join(checkpoints, sorted(os.listdir(checkpoints))[-1])
            tag = "-".join(args.incremental_options.replace("--", "").split())
            out = os.path.join(work, f"incremental-{args.source}-{tag}-{k}")
            incremental = train(args, seed, data, out, ["--init-from", start] + args.incremental_options.split())
            previous = out
            runs[seed, k] = scratch + incremental

    def mean(values):
        values = list(values)
        return sum(values) / len(values)

    print(f"{args.data}: base {args.base:.0%}, {args.slices} slices, {args.np} rank(s), seeds {args.seeds}; "
          f"incremental: {args.incremental_options} from the previous {args.source}")
    print("| slice | scratch val NDCG / test HR@10 / NDCG@10 / full HR@10 | s | incremental (the same) | s | best epochs |")
    print("|---|---|---|---|---|---|")
    figures = ("val_ndcg@10", "test_hr@10", "test_ndcg@10", "test_full_hr@10")
    for k in range(1, args.slices + 1):
        at = [runs[seed, k] for seed in seeds]
        cells = [" / ".join(f"{mean(r[side][f] for r in at):.4f}" for f in figures) for side in (0, 2)]
        seconds = [mean(r[side] for r in at) for side in (1, 3)]
        epochs = f"{mean(r[0]['best_epoch'] for r in at):.0f} / {mean(r[2]['best_epoch'] for r in at):.0f}"
        print(f"| {k} | {cells[0]} | {seconds[0]:.1f} | {cells[1]} | {seconds[1]:.1f} | {epochs} |")
    for f in figures:
        gaps = [mean(runs[seed, k][2][f] - runs[seed, k][0][f] for seed in seeds) for k in range(1, args.slices + 1)]
        print(f"{f}: incremental - scratch, mean over seeds, per slice from {min(gaps):+.4f} to {max(gaps):+.4f}; "
              f"over slices {mean(gaps):+.4f}")
    scratch_total = sum(r[1] for r in runs.values())
    incremental_total = sum(r[3] for r in runs.values())
    print(f"wall time over slices 1-{args.slices} and seeds: scratch {scratch_total:.1f} s, incremental "
          f"{incremental_total:.1f} s ({incremental_total / scratch_total:.2f}x)")


if __name__ == "__main__":
    main()
