#!/usr/bin/env python3
"""Trains the paper's baselines over seeds on one dataset and prints the rows of docs/results.md's
"Tables 2 and 3" table: test HR@10 and NDCG@10 (sampled and full ranking) and TDD, mean +- sd
(the sample standard deviation over seeds).

Each model trains with its own recipe (its folder's defaults: `ampcf train --model NAME --help`);
RECIPES below adds only what the table shares between runs: pretrained models
start from the same seed's run of the model they need (NeuMF from GMF and MLP, DeepICF+a from
FISM, ConvNCF from BPR-MF), and DiRec re-ranks the same seed's MF. Runs land in OUT/MODEL-sSEED
and are kept: a run whose metrics are already there is not run again, so the script can be
stopped and started again, and more seeds or models added later.

  experiments/paper_tables.py --data ../shared/data/hetrec2011-lastfm-2k --label Last.fm --out runs/t-lastfm \\
      --models mf,neumf,fism,deepicf --seeds 1,2,3 -- --epochs 100 --patience 10

Options after `--` go to every run of a baseline trained by NCF's recipe (its epoch budget, for
instance; MF and AMP-r keep ampcf's defaults); `--model-options
NAME="..."` adds options to one model's runs, after all others (e.g. convncf="--epochs 4").
"""
import argparse
import json
import os
import shlex
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor

from table_cells import mean_cell

# The baselines trained by NCF's recipe (docs/model.md, "Each model's recipe"): the options after
# `--` go to these.
NCF_FAMILY = {"bpr-mf", "gmf", "mlp", "neumf", "fism", "deepicf", "convncf"}

# name: (label, ampcf command, options, the runs it starts from). "{gmf}" and the like stand for
# the model.h5 of that run of the same seed, so that a pretrained model starts from the run in
# the table rather than from one of its own.
RECIPES = {
    "popularity": ("Popularity", "popularity", "", []),
    "mf": ("MF", "train", "--personas 1", []),
    "amp2": ("AMP-2", "train", "--personas 2", []),
    "bpr-mf": ("BPR-MF", "train", "--model bpr-mf", []),
    "gmf": ("GMF", "train", "--model gmf", []),
    "mlp": ("MLP", "train", "--model mlp", []),
    "neumf": ("NeuMF (pretrained)", "train", "--model neumf --pretrained {gmf},{mlp}", ["gmf", "mlp"]),
    "fism": ("FISM", "train", "--model fism", []),
    "deepicf": ("DeepICF+a (from FISM)", "train", "--model deepicf --pretrained {fism}", ["fism"]),
    "convncf": ("ConvNCF (from BPR-MF)", "train", "--model convncf --pretrained {bpr-mf}", ["bpr-mf"]),
    # TDD reads the top 30: a pool of 20 only re-orders them, so its TDD is the model's.
    "direc": ("DiRec over MF (pool 20)", "eval", "--model {mf} --rerank direc --rerank-pool 20", ["mf"]),
    "direc50": ("DiRec over MF (pool 50)", "eval", "--model {mf} --rerank direc --rerank-pool 50", ["mf"]),
}

COLUMNS = [("test_hr@10", "HR@10"), ("test_ndcg@10", "NDCG@10"), ("test_full_hr@10", "full HR@10"),
           ("test_full_recall@20", "full Recall@20"), ("test_full_recall@50", "full Recall@50"),
           ("test_full_ndcg@50", "full NDCG@50"),
           ("tdd_js", "TDD JS (paper)"), ("tdd_hellinger", "TDD Hellinger (paper)"),
           ("tdd_hist_js", "TDD JS (histogram)"), ("tdd_hist_hellinger", "TDD Hellinger (histogram)"),
           ("val_ndcg@10", "validation NDCG@10")]


def figures_of(run_dir):
    """The run's final figures, or None when it has not finished."""
    path = os.path.join(run_dir, "figures.json")
    if not os.path.exists(path):
        return None
    with open(path) as f:
        return json.load(f)


def run_one(args, name, seed, extra):
    label, command, options, needs = RECIPES[name]
    run_dir = os.path.join(args.out, f"{name}-s{seed}")
    if figures_of(run_dir) is not None:
        return
    options = options.format(**{need: os.path.join(args.out, f"{need}-s{seed}", "model.h5") for need in needs})
    argv = [args.ampcf, command, "--data", args.data, "--out", run_dir] + shlex.split(options)
    argv += shlex.split(args.data_options)
    if command == "train":
        argv += ["--seed", str(seed), "--quiet"] + (extra if name in NCF_FAMILY else [])
    argv += shlex.split(args.model_options.get(name, ""))  # last: ampcf takes an option's last value
    os.makedirs(run_dir, exist_ok=True)
    with open(os.path.join(run_dir, "command.txt"), "w") as f:
        f.write(shlex.join(argv) + "\n")
    result = subprocess.run(argv, capture_output=True, text=True)
    if result.returncode != 0:
        raise SystemExit(f"{name} seed {seed} failed ({shlex.join(argv)}): {result.stderr.strip()[-400:]}")
    if command == "train":
        with open(os.path.join(run_dir, "metrics.jsonl")) as f:
            figures = json.loads(f.read().strip().splitlines()[-1])
    else:  # eval and popularity print their summary as one JSON line, with train's names
        figures = json.loads(result.stdout.strip().splitlines()[-1])
    with open(os.path.join(run_dir, "figures.json"), "w") as f:
        json.dump(figures, f)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--ampcf", default=os.path.join(os.path.dirname(__file__), "..", "build", "ampcf"))
    parser.add_argument("--data", required=True)
    parser.add_argument("--data-options", default="", help="options of the dataset, given to every command")
    parser.add_argument("--label", required=True, help="the dataset's name in the table")
    parser.add_argument("--out", required=True)
    parser.add_argument("--models", default="popularity,mf,bpr-mf,gmf,mlp,neumf,fism,deepicf,direc,direc50")
    parser.add_argument("--seeds", default="1,2,3")
    parser.add_argument("--parallel", type=int, default=2)
    parser.add_argument("--model-options", action="append", default=[], metavar="NAME=OPTIONS")
    parser.add_argument("extra", nargs="*", help="options of every run of NCF's family, after --")
    args = parser.parse_args()
    args.model_options = dict(spec.split("=", 1) for spec in args.model_options)
    models = args.models.split(",")
    for name in models:
        if name not in RECIPES:
            parser.error(f"--models: no recipe named {name} ({', '.join(RECIPES)})")
    seeds = [int(s) for s in args.seeds.split(",")]

    # Every run after the runs it needs: one stage per depth, each stage's runs in parallel.
    def depth(name):
        return 1 + max((depth(n) for n in RECIPES[name][3]), default=-1)
    wanted = set()
    def want(name):
        wanted.add(name)
        for need in RECIPES[name][3]:
            want(need)
    for name in models:
        want(name)
    for level in range(max(depth(n) for n in wanted) + 1):
        jobs = [(n, s) for n in sorted(wanted) if depth(n) == level for s in seeds]
        with ThreadPoolExecutor(args.parallel) as pool:
            list(pool.map(lambda job: run_one(args, job[0], job[1], args.extra), jobs))

    print("| dataset | model | seeds | " + " | ".join(title for _, title in COLUMNS) + " |")
    print("|---|---|---|" + "---|" * len(COLUMNS))
    for name in models:
        runs = [figures_of(os.path.join(args.out, f"{name}-s{s}")) for s in seeds]
        cells = []
        for key, _ in COLUMNS:
            values = [r[key] for r in runs if key in r]
            cells.append("-" if len(values) < len(runs) else mean_cell(values))
        print(f"| {args.label} | {RECIPES[name][0]} | {len(runs)} | " + " | ".join(cells) + " |")
    sys.stdout.flush()


if __name__ == "__main__":
    main()
