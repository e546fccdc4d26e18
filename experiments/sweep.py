#!/usr/bin/env python3
"""Runs `ampcf train` over a grid of options and seeds and prints validation (and test) figures.

Defaults are chosen on the validation columns only; the test columns are printed so that the
final report can quote them, never to pick a setting.

  experiments/sweep.py --data ../shared/data/ml-latest-small --grid "l2=0,1e-4,1e-3" --seeds 1,2,3 -- --epochs 60
"""
import argparse
import itertools
import json
import os
import statistics
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--ampcf", default=os.path.join(os.path.dirname(__file__), "..", "build", "ampcf"))
    parser.add_argument("--data", required=True)
    parser.add_argument("--grid", action="append", default=[], help="name=v1,v2,... (an ampcf long option)")
    parser.add_argument("--seeds", default="1")
    parser.add_argument("--parallel", type=int, default=2)
    parser.add_argument("extra", nargs="*", help="more ampcf options, after --")
    args = parser.parse_args()

    axes = []
    for spec in args.grid:
        name, values = spec.split("=", 1)
        axes.append([(name, v) for v in values.split(",")])
    combos = list(itertools.product(*axes)) if axes else [()]
    seeds = args.seeds.split(",")
    jobs = [(combo, seed) for combo in combos for seed in seeds]
    workdir = tempfile.mkdtemp(prefix="ampcf-sweep-")

    def run(job):
        combo, seed = job
        out = os.path.join(workdir, "_".join(f"{n}{v}" for n, v in combo) + f"_s{seed}")
        command = [args.ampcf, "train", "--data", args.data, "--seed", seed, "--out", out, "--quiet"]
        for name, value in combo:
            command += [f"--{name}", value]
        command += args.extra
        result = subprocess.run(command, capture_output=True, text=True)
        if result.returncode != 0:
            return job, {"error": result.stderr.strip()[-300:]}
        with open(os.path.join(out, "metrics.jsonl")) as f:
            return job, json.loads(f.read().strip().splitlines()[-1])

    with ThreadPoolExecutor(args.parallel) as pool:
        results = list(pool.map(run, jobs))

    keys = ["val_hr@10", "val_ndcg@10", "test_hr@10", "test_ndcg@10", "test_full_hr@10", "test_full_ndcg@10", "test_full_recall@20",
            "test_full_recall@50", "test_full_ndcg@50", "best_epoch"]
    print(" ".join(f"{k:>16}" for k in ["setting"] + keys))
    for combo in combos:
        rows = [r for (c, s), r in results if c == combo]
        errors = [r["error"] for r in rows if "error" in r]
        label = " ".join(f"{n}={v}" for n, v in combo) or "defaults"
        if errors:
            print(f"{label}: error: {errors[0]}")
            continue
        cells = []
        for k in keys:
            values = [r[k] for r in rows]
            mean = statistics.mean(values)
            spread = statistics.pstdev(values) if len(values) > 1 else 0.0
            cells.append(f"{mean:.4f}±{spread:.4f}" if k != "best_epoch" else f"{mean:.1f}")
        print(f"{label:>16} " + " ".join(f"{c:>16}" for c in cells))
    sys.stdout.flush()


if __name__ == "__main__":
    main()
