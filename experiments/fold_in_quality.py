#!/usr/bin/env python3
"""Measures fold-in's quality as issue 19 states it: users held out of training entirely, then
folded in from their training items, against the same users trained normally.

The dataset's users are shuffled (Python's random.Random(--split-seed)) and dealt into --folds
folds of about 1/k of them each. For each fold run (all by default, so every user is held out
once) a model is trained with `--exclude-users` that fold; the fold's users are then evaluated
three ways: from that model as it is (never trained: the floor), folded in (`eval --fold-in`), and
from models trained normally on every user, one per --seeds (their spread is the noise the
fold-in's gap is read against). Figures are test HR@10 / NDCG@10 (sampled) and full-ranking
HR@10, averaged over users. Runs land in OUT and are kept: a run or evaluation that finished
with the same command (options included) is not run again, so the script can be stopped and
started again; a changed option reruns what it changes.

  experiments/fold_in_quality.py --data ../shared/data/ml-latest-small --out runs/fold-in-mls

Options after `--` go to every `train` (e.g. `--personas 3`); --eval-options to every `eval`
(e.g. `--fold-in-steps 50`).
"""
import argparse
import json
import os
import random
import shlex
import subprocess
from concurrent.futures import ThreadPoolExecutor

import h5py

FIGURES = [("test_hr@10", "HR@10"), ("test_ndcg@10", "NDCG@10"), ("test_full_hr@10", "full HR@10")]


def run(argv, log):
    """Runs one ampcf command; its last stdout line (a JSON summary) is returned."""
    result = subprocess.run(argv, capture_output=True, text=True)
    with open(log, "w") as f:
        f.write(shlex.join(argv) + "\n" + result.stdout + result.stderr)
    if result.returncode != 0:
        raise SystemExit(f"failed ({shlex.join(argv)}): {result.stderr.strip()[-400:]}")
    return result.stdout.strip().splitlines()[-1] if result.stdout.strip() else ""


def finished(marker, argv):
    """Whether `marker` records that this very command (options included) finished."""
    if not os.path.exists(marker):
        return None
    with open(marker) as f:
        done = json.load(f)
    return done if done.get("command") == shlex.join(argv[1:]) else None


def train(args, run_dir, seed, exclude=None):
    argv = [args.ampcf, "train", "--data", args.data, "--out", run_dir, "--seed", str(seed), "--quiet"]
    argv += shlex.split(args.data_options) + (["--exclude-users", exclude] if exclude else []) + args.extra
    marker = os.path.join(run_dir, "done.json")
    if finished(marker, argv):
        return
    os.makedirs(run_dir, exist_ok=True)
    run(argv, os.path.join(run_dir, "train.log"))
    with open(marker, "w") as f:
        json.dump({"command": shlex.join(argv[1:])}, f)


def evaluate(args, model_dir, users_file, name, fold_in):
    """eval's summary of `users_file`'s users under the model in `model_dir`, kept in NAME.json."""
    argv = [args.ampcf, "eval", "--data", args.data, "--model", os.path.join(model_dir, "model.h5"),
            "--users", users_file, "--out", os.path.join(args.out, "eval", name)]
    argv += shlex.split(args.data_options) + (["--fold-in"] if fold_in else []) + shlex.split(args.eval_options)
    marker = os.path.join(args.out, "eval", name + ".json")
    done = finished(marker, argv)
    if done:
        return done["figures"]
    figures = json.loads(run(argv, os.path.join(args.out, "eval", name + ".log")))
    with open(marker, "w") as f:
        json.dump({"command": shlex.join(argv[1:]), "figures": figures}, f)
    return figures


def user_ids(model_path):
    """The dataset's users as the model names them (ids, or names for text-id datasets)."""
    with h5py.File(model_path, "r") as f:
        if "users/names" in f:
            return bytes(f["users/names"][:]).decode().split("\n")[:-1]
        return [str(int(i)) for i in f["users/ids"][:]]


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--ampcf", default=os.path.join(os.path.dirname(__file__), "..", "build", "ampcf"))
    parser.add_argument("--data", required=True)
    parser.add_argument("--data-options", default="", help="options of the dataset, given to every command")
    parser.add_argument("--out", required=True)
    parser.add_argument("--folds", type=int, default=10, help="k: each fold holds about 1/k of the users")
    parser.add_argument("--run-folds", type=int, default=0, help="run the first N folds only (0: all)")
    parser.add_argument("--split-seed", type=int, default=1)
    parser.add_argument("--seeds", default="1,2", help="seeds of the normally trained models; held-out models use the first")
    parser.add_argument("--eval-options", default="", help="options of every eval (e.g. --fold-in-steps 50)")
    parser.add_argument("--tolerance", type=float, default=0.02, help="the gap the issue allows")
    parser.add_argument("--parallel", type=int, default=2)
    parser.add_argument("extra", nargs="*", help="options of every train, after --")
    args = parser.parse_args()
    seeds = [int(s) for s in args.seeds.split(",")]
    if args.folds < 2:
        parser.error("--folds: at least 2")
    folds = range(args.run_folds or args.folds)
    if len(folds) > args.folds:
        parser.error("--run-folds: at most --folds")
    os.makedirs(os.path.join(args.out, "eval"), exist_ok=True)

    normal = {s: os.path.join(args.out, f"normal-s{s}") for s in seeds}
    train(args, normal[seeds[0]], seeds[0])
    users = user_ids(os.path.join(normal[seeds[0]], "model.h5"))
    if len(users) < args.folds:
        raise SystemExit(f"--folds {args.folds}: the dataset has {len(users)} users")
    random.Random(args.split_seed).shuffle(users)
    fold_files = []
    for f in range(args.folds):
        path = os.path.join(args.out, f"fold{f}.txt")
        with open(path, "w") as out:
            out.write("".join(u + "\n" for u in sorted(users[f::args.folds])))
        fold_files.append(path)
    held = {f: os.path.join(args.out, f"held{f}") for f in folds}
    jobs = [(normal[s], s, None) for s in seeds[1:]] + [(held[f], seeds[0], fold_files[f]) for f in folds]
    with ThreadPoolExecutor(args.parallel) as pool:
        list(pool.map(lambda job: train(args, *job), jobs))

    # Rows of the table: (label, [(model folder, eval name prefix, fold in?)]), one figure per fold each.
    rows = [(f"trained normally, seed {s}", normal[s], f"normal-s{s}", False) for s in seeds]
    rows += [("held out, not folded in", None, "held", False), ("held out, folded in", None, "folded", True)]
    evals = []
    for label, model_dir, prefix, fold_in in rows:
        for f in folds:
            evals.append((label, model_dir or held[f], fold_files[f], f"{prefix}-fold{f}", fold_in))
    with ThreadPoolExecutor(args.parallel) as pool:
        results = list(pool.map(lambda e: (e[0], evaluate(args, e[1], e[2], e[3], e[4])), evals))

    def pooled(label):
        runs = [r for l, r in results if l == label]
        n = sum(r["users"] for r in runs)
        return n, {key: sum(r[key] * r["users"] for r in runs) / n for key, _ in FIGURES}

    print(f"| users ({len(folds)} of {args.folds} folds) | " + " | ".join(t for _, t in FIGURES) + " |")
    print("|---|" + "---|" * len(FIGURES))
    table = {}
    for label, *_ in rows:
        n, figures = pooled(label)
        table[label] = figures
        print(f"| {label} ({n}) | " + " | ".join(f"{figures[k]:.4f}" for k, _ in FIGURES) + " |")
    normal_mean = {k: sum(table[f"trained normally, seed {s}"][k] for s in seeds) / len(seeds) for k, _ in FIGURES}
    gaps = {k: table["held out, folded in"][k] - normal_mean[k] for k, _ in FIGURES}
    print("folded in minus trained normally (mean of the seeds): " +
          ", ".join(f"{t} {gaps[k]:+.4f}" for k, t in FIGURES))
    within = all(abs(gaps[k]) <= args.tolerance for k, _ in FIGURES[:2])
    print(f"HR@10 and NDCG@10 within {args.tolerance}: {'yes' if within else 'no'}")


if __name__ == "__main__":
    main()
