#!/usr/bin/python3
"""Where personas win on real data: MF(d), MF(r x d) (the same floats per user as r personas of
d) and AMP-r(d), at several d, in the sampled protocol (all users and warm test items only) and
in full ranking (Recall@20, Recall@50, NDCG@50 over every unseen item). Every model trains with
ampcf's defaults but --personas, --dim and --att-dim (= the model's dim); runs are kept under
--work and a finished one is not run again.

  experiments/persona_width.py --data ../shared/data/ml-latest-small --dims 16,32,64 --personas 2 --seeds 1
Prints one row per (d, model) with the mean (and sample standard deviation) over the seeds.
"""
import argparse
import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor

from run_figures import final_figures
from table_cells import mean_cell

FIGURES = [("test_hr@10", "HR@10"), ("test_ndcg@10", "NDCG@10"), ("test_warm_hr@10", "warm HR@10"),
           ("test_full_recall@20", "full Recall@20"), ("test_full_recall@50", "full Recall@50"),
           ("test_full_ndcg@50", "full NDCG@50")]


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--ampcf", default=os.path.join(os.path.dirname(__file__), "..", "build", "ampcf"))
    parser.add_argument("--data", required=True)
    parser.add_argument("--dims", default="16,32,64")
    parser.add_argument("--personas", type=int, default=2, help="r")
    parser.add_argument("--seeds", default="1")
    parser.add_argument("--work", required=True, help="where the runs are kept")
    parser.add_argument("--parallel", type=int, default=2)
    parser.add_argument("extra", nargs="*", help="more `ampcf train` options for every run, after --")
    args = parser.parse_args()
    r = args.personas
    dims = [int(d) for d in args.dims.split(",")]
    seeds = [int(s) for s in args.seeds.split(",")]
    models = [("MF(d)", 1, 1), (f"MF({r} x d)", 1, r), (f"AMP-{r}(d)", r, 1)]

    def directory(job):
        d, (_, personas, widen), seed = job
        return os.path.join(args.work, f"r{personas}-d{d * widen}-s{seed}")

    def run(job):
        d, (label, personas, widen), seed = job
        dim = d * widen
        out = directory(job)
        if final_figures(out) is None:
            argv = [args.ampcf, "train", "--data", args.data, "--personas", str(personas), "--dim", str(dim),
                    "--att-dim", str(dim), "--seed", str(seed), "--quiet", "--threads", "1", "--out", out] + args.extra
            result = subprocess.run(argv, capture_output=True, text=True)
            if result.returncode != 0:
                sys.exit(f"{' '.join(argv)} failed: {result.stderr.strip()[-400:]}")
            print(f"  done: d {d} {label} seed {seed}", file=sys.stderr, flush=True)

    jobs = [(d, m, s) for d in dims for m in models for s in seeds]
    # MF(r x d) at one d is MF(d) at another: each folder is trained once, by one job.
    unique = list({directory(job): job for job in jobs}.values())
    with ThreadPoolExecutor(args.parallel) as pool:
        list(pool.map(run, unique))
    results = [(job, final_figures(directory(job))) for job in jobs]

    print(f"{args.data}: r = {r}, seeds {args.seeds}; extra: {' '.join(args.extra)}")
    print("| d | model | " + " | ".join(name for _, name in FIGURES) + " |")
    print("|---" * (2 + len(FIGURES)) + "|")
    for d in dims:
        for label, _, _ in models:
            mine = [f for (jd, (jl, _, _), _), f in results if jd == d and jl == label]
            cells = [mean_cell([f[key] for f in mine if key in f]) for key, _ in FIGURES]
            print(f"| {d} | {label} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
