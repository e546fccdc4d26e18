#!/usr/bin/python3
"""Where one model beats another in the sampled protocol and not in full ranking: per-user
figures of several runs' eval.h5, grouped by the user's history length, by the popularity of
the held-out test item (quartiles over the evaluated users) and by whether the test item was
ever trained on (model.h5's training counts), beside the popularity of each model's top-10
lists. Each DIR holds a run's eval.h5 and model.h5 (`ampcf train --out DIR`).

Popularity and history length are counted over every interaction of the raw file (Last.fm's
user_artists.dat or MovieLens' ratings.csv), held-out items included: they group users, they
are not a figure of the report.

  experiments/sampled_gap.py --data ../shared/data/hetrec2011-lastfm-2k MF=runs/mf AMP-2=runs/amp2 FISM=runs/fism
"""
import argparse
import collections
import os
import sys

import h5py
import numpy as np


def read_interactions(data):
    """Counts per user and per item, keyed by the original ids as the eval report writes them."""
    users, items = collections.Counter(), collections.Counter()
    lastfm = os.path.join(data, "user_artists.dat")
    movielens = os.path.join(data, "ratings.csv")
    if os.path.exists(lastfm):
        path, sep = lastfm, "\t"
    elif os.path.exists(movielens):
        path, sep = movielens, ","
    else:
        sys.exit(f"{data}: neither user_artists.dat nor ratings.csv")
    with open(path) as f:
        next(f)  # header
        for line in f:
            fields = line.rstrip("\n").split(sep)
            users[int(fields[0])] += 1
            items[int(fields[1])] += 1
    return users, items


def read_run(directory):
    with h5py.File(os.path.join(directory, "eval.h5"), "r") as f:
        u = f["users"]
        run = {name: u[name][()] for name in ("ids", "test_item", "sampled_hit", "full_hit", "sampled_rank",
                                              "full_rank", "top_items")}
    with h5py.File(os.path.join(directory, "model.h5"), "r") as f:
        trained = dict(zip(f["items/ids"][()].tolist(), f["items/train_counts"][()].tolist()))
    # Cold: the test item was never trained on (model.h5's training counts), as eval's cold_test_items.
    run["cold"] = np.array([trained.get(int(i), 0) == 0 for i in run["test_item"]])
    return run


def quartile_labels(values):
    """Each value's group by the quartiles of `values` (ties can leave a group empty) and its name."""
    edges = np.quantile(values, [0.25, 0.5, 0.75])
    bucket = np.searchsorted(edges, values, side="right")
    bounds = [values.min()] + list(edges) + [values.max()]
    names = [f"Q{q + 1} ({bounds[q]:.0f}-{bounds[q + 1]:.0f})" for q in range(4)]
    return bucket, names


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", required=True, help="the raw dataset folder")
    parser.add_argument("runs", nargs="+", help="LABEL=DIR, DIR holding eval.h5")
    args = parser.parse_args()
    user_count, item_count = read_interactions(args.data)
    runs = []
    for spec in args.runs:
        label, _, directory = spec.partition("=")
        runs.append((label, read_run(directory)))
    first = runs[0][1]
    for label, run in runs[1:]:
        if not np.array_equal(run["ids"], first["ids"]) or not np.array_equal(run["test_item"], first["test_item"]):
            sys.exit(f"{label}: not the same users and test items as {runs[0][0]}")

    history = np.array([user_count[int(u)] for u in first["ids"]], dtype=float)
    popularity = np.array([item_count[int(i)] for i in first["test_item"]], dtype=float)
    ranked = sorted(item_count.values())
    def percentile(count):
        return np.searchsorted(ranked, count, side="right") / len(ranked)

    for title, values in (("history length (interactions of the user)", history),
                          ("test item popularity (interactions of the item)", popularity)):
        bucket, names = quartile_labels(values)
        print(f"\nHR@10 by {title}: sampled / full ranking")
        print(f"| group | users | " + " | ".join(label for label, _ in runs) + " |")
        print("|---|---|" + "---|" * len(runs))
        for q, name in enumerate(names):
            mask = bucket == q
            if not mask.any():
                continue
            cells = [f"{run['sampled_hit'][mask].mean():.4f} / {run['full_hit'][mask].mean():.4f}" for _, run in runs]
            print(f"| {name} | {mask.sum()} | " + " | ".join(cells) + " |")
        cells = [f"{run['sampled_hit'].mean():.4f} / {run['full_hit'].mean():.4f}" for _, run in runs]
        print(f"| all | {len(values)} | " + " | ".join(cells) + " |")

    print("\nCold test items (never trained on) and the others: users, HR@10 sampled / full, median sampled rank")
    print(f"| group | users | " + " | ".join(label for label, _ in runs) + " |")
    print("|---|---|" + "---|" * len(runs))
    for name, mask in (("cold", first["cold"]), ("warm", ~first["cold"])):
        cells = [f"{run['sampled_hit'][mask].mean():.4f} / {run['full_hit'][mask].mean():.4f}, "
                 f"rank {np.median(run['sampled_rank'][mask]):.0f}" if mask.any() else "-" for _, run in runs]
        print(f"| {name} | {mask.sum()} | " + " | ".join(cells) + " |")

    print("\nPopularity of the lists: the mean percentile (share of items with at most as many "
          "interactions) of each model's top-10 unseen items, and of the test items")
    print(f"| | test items | " + " | ".join(label for label, _ in runs) + " |")
    print("|---|---|" + "---|" * len(runs))
    cells = []
    for _, run in runs:
        top = run["top_items"][:, :10].ravel()
        top = top[top >= 0]
        cells.append(f"{np.mean([percentile(item_count[int(i)]) for i in top]):.3f}")
    test = np.mean([percentile(c) for c in popularity])
    print(f"| mean percentile | {test:.3f} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
