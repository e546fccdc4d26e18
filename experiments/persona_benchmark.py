#!/usr/bin/python3
"""Planted-truth benchmark: do AMP-CF's personas recover the tastes planted in the data?

`ampcf generate` plants item clusters and gives every user 1..--max-tastes of them (truth.h5).
For each data seed, number of clusters and dimension d, this trains MF at d, MF at r x d (the
same parameter budget per user as r personas of d) and AMP-r at d with each --persona-tie value,
and reads eval.h5:

  hr, ndcg        test HR@10 / NDCG@10 (99 sampled negatives)
  full_recall@20, full_recall@50, full_ndcg@50   the same test item ranked against every unseen
                  item (full ranking)
  collapsed_hr    HR@10 with each user's personas replaced by their mean (the collapse ablation)
  overlap         mean Jaccard between a user's personas' own top-10 lists (1: copies)
  recovered       users with >= 2 tastes: the recommendations each persona explains (eval.h5's
                  persona_explained_items: of the user's top 200 unseen items, the best 10 whose
                  highest attention is persona k's) are matched one-to-one to the user's planted
                  tastes by an optimal assignment (the Hungarian problem, solved exactly by
                  enumeration since r, tastes <= 4) maximising the list items of the matched
                  taste; the share of min(r, tastes) matched pairs in which the taste is the
                  list's most frequent cluster
  recovered_own   the same with each persona's own top-10 list (persona k alone scoring)
  attributed      users with >= 2 tastes: the share whose held-out test item's taste is the one
                  matched (explained lists) to the persona that explains it (highest attention)
  single_purity   users with one taste: the share of the explained lists' items from that taste

Control "MF + random gate": the MF model at d with r random directions g_k as the gate in place
of the attention (item j goes to "persona" argmax_k g_k . v_j): persona k's list is the best 10
of the user's top 200 unseen items in its group, and the test item goes to its group. It shows
what the matching gives a model with no learned personas; a real persona structure must beat it.

  experiments/persona_benchmark.py --seeds 1,2,3 --clusters 10,40 --dims 8,16,32,64 --ties 0,0.1
Prints one row per (clusters, d, model) with mean +- sd over the seeds.
"""
import argparse
import itertools
import json
import os
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor

import h5py
import numpy as np

from table_cells import mean_cell


def best_assignment(counts):
    """Optimal one-to-one matching of rows (personas) to columns (tastes) maximising the sum."""
    r, t = counts.shape
    best, best_pairs = -1, []
    if r >= t:
        for rows in itertools.permutations(range(r), t):
            total = sum(counts[rows[c], c] for c in range(t))
            if total > best:
                best, best_pairs = total, [(rows[c], c) for c in range(t)]
    else:
        for cols in itertools.permutations(range(t), r):
            total = sum(counts[k, cols[k]] for k in range(r))
            if total > best:
                best, best_pairs = total, [(k, cols[k]) for k in range(r)]
    return best_pairs


def persona_figures(lists, test_persona, test_cluster, tastes, item_cluster):
    """recovered, attributed (users with >= 2 tastes) and single_purity from per-user lists.

    lists[u]: r lists of item ids (-1 absent); tastes[u]: planted clusters."""
    recovered, attributed, purity = [], [], []
    for u, user_lists in enumerate(lists):
        clusters = [[item_cluster[j] for j in items if j >= 0] for items in user_lists]
        planted = tastes[u]
        if len(planted) == 1:
            total = sum(len(c) for c in clusters)
            purity.append(sum(c.count(planted[0]) for c in clusters) / max(total, 1))
            continue
        counts = np.array([[c.count(t) for t in planted] for c in clusters], dtype=float)
        pairs = best_assignment(counts)
        hits = 0
        for k, t in pairs:
            if clusters[k] and max(set(clusters[k]), key=clusters[k].count) == planted[t] and counts[k, t] > 0:
                hits += 1
        recovered.append(hits / min(len(clusters), len(planted)))
        matched = dict(pairs)
        attributed.append(test_persona[u] in matched and planted[matched[test_persona[u]]] == test_cluster[u])
    mean = lambda xs: float(np.mean(xs)) if xs else float("nan")
    return {"recovered": mean(recovered), "attributed": mean(attributed), "single_purity": mean(purity)}


def read_truth(folder):
    with h5py.File(os.path.join(folder, "truth.h5")) as truth:
        item_cluster = truth["item_cluster"][:]
        offsets, flat = truth["user_taste_offsets"][:], truth["user_tastes"][:]
    tastes = [list(flat[offsets[u]:offsets[u + 1]]) for u in range(len(offsets) - 1)]
    return item_cluster, tastes


def amp_figures(run, item_cluster, tastes):
    with h5py.File(os.path.join(run, "eval.h5")) as e:
        ids = e["users/ids"][:]
        explained, own = e["users/persona_explained_items"][:], e["users/persona_top_items"][:]
        test_persona = e["users/test_persona"][:]
        test_item = e["users/test_item"][:]
    user_tastes = [tastes[u] for u in ids]
    figures = persona_figures(explained, test_persona, item_cluster[test_item], user_tastes, item_cluster)
    figures["recovered_own"] = persona_figures(own, test_persona, item_cluster[test_item], user_tastes,
                                               item_cluster)["recovered"]
    return figures


def finished(run):
    """Whether `run` holds a finished training run (its last metrics line is the final summary)."""
    try:
        lines = open(os.path.join(run, "metrics.jsonl")).read().splitlines()
        return bool(lines) and "test_hr@10" in json.loads(lines[-1]) and os.path.exists(os.path.join(run, "eval.h5"))
    except (OSError, ValueError):
        return False


def gate_figures(run, data, r, item_cluster, tastes, seed):
    """The control: an MF model's lists split by a random r-way gate over the item vectors."""
    with h5py.File(os.path.join(run, "model.h5")) as m:
        item_ids = m["items/ids"][:]
        embedding, bias = m["items/embedding"][:], m["items/bias"][:]
        users = m["users/ids"][:]
        vectors = m["users/personas"][:].reshape(len(users), -1)
    with h5py.File(os.path.join(run, "eval.h5")) as e:  # the evaluated users (all, or --eval-users' sample)
        test_item = dict(zip(e["users/ids"][:], e["users/test_item"][:]))
    d = vectors.shape[1]
    vectors_d = embedding
    gate = np.argmax(vectors_d @ np.random.default_rng(seed).normal(size=(d, r)), axis=1)
    row_of = {int(i): k for k, i in enumerate(item_ids)}
    seen = {}
    for line in open(os.path.join(data, "ratings.csv")).read().splitlines()[1:]:
        user, item = map(int, line.split(",")[:2])
        seen.setdefault(user, set()).add(item)
    lists, test_persona, test_cluster, user_tastes = [], [], [], []
    for row, user in enumerate(users):
        if user not in test_item:
            continue
        scores = vectors_d @ vectors[row] + bias
        test = int(test_item[user])
        banned = [row_of[j] for j in seen[user] if j != test]  # training and validation items
        scores[banned] = -np.inf
        pool = np.argsort(-scores, kind="stable")[:200]
        pool = pool[np.isfinite(scores[pool])]
        user_lists = []
        for k in range(r):
            top = [int(item_ids[j]) for j in pool[gate[pool] == k][:10]]
            user_lists.append(top + [-1] * (10 - len(top)))
        lists.append(user_lists)
        test_persona.append(int(gate[row_of[test]]))
        test_cluster.append(item_cluster[test])
        user_tastes.append(tastes[user])
    return persona_figures(lists, test_persona, test_cluster, user_tastes, item_cluster)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--ampcf", default=os.path.join(os.path.dirname(__file__), "..", "build", "ampcf"))
    parser.add_argument("--seeds", default="1,2,3", help="data and training seeds")
    parser.add_argument("--clusters", default="40")
    parser.add_argument("--dims", default="8")
    parser.add_argument("--personas", type=int, default=3)
    parser.add_argument("--ties", default="0,0.03,0.1", help="--persona-tie values for AMP-r")
    parser.add_argument("--users", type=int, default=4000)
    parser.add_argument("--items", type=int, default=3000)
    parser.add_argument("--max-tastes", type=int, default=3)
    parser.add_argument("--epochs", type=int, default=150)
    parser.add_argument("--patience", type=int, default=20)
    parser.add_argument("--parallel", type=int, default=2)
    parser.add_argument("--json", help="also write every run's figures to this file")
    parser.add_argument("--work", help="keep the data and runs here (default: a temporary folder); data and "
                        "runs already there are used again, so a stopped benchmark can be started again")
    parser.add_argument("extra", nargs="*", help="more `ampcf train` options for every run, after --")
    args = parser.parse_args()
    r = args.personas
    work = args.work or tempfile.mkdtemp(prefix="ampcf-personas-")
    os.makedirs(work, exist_ok=True)
    seeds = [int(s) for s in args.seeds.split(",")]
    cluster_counts = [int(c) for c in args.clusters.split(",")]
    dims = [int(d) for d in args.dims.split(",")]
    ties = args.ties.split(",")

    datasets = {}
    for clusters, seed in itertools.product(cluster_counts, seeds):
        folder = os.path.join(work, f"data-c{clusters}-s{seed}")
        datasets[clusters, seed] = folder
        if os.path.exists(os.path.join(folder, "truth.h5")):
            continue
        subprocess.run([args.ampcf, "generate", "--users", str(args.users), "--items", str(args.items),
                        "--clusters", str(clusters), "--max-tastes", str(args.max_tastes), "--seed", str(seed),
                        "--out", folder], check=True, stdout=subprocess.DEVNULL)

    models = [("MF", 1, 1, "0")] + [("MF r x d", 1, r, "0")] + [(f"AMP-{r} tie {t}", r, 1, t) for t in ties]
    jobs = [(c, d, m, s) for c in cluster_counts for d in dims for m in models for s in seeds]

    def run(job):
        clusters, d, (label, personas, widen, tie), seed = job
        data = datasets[clusters, seed]
        out = os.path.join(work, f"c{clusters}-d{d}-{label.replace(' ', '_')}-s{seed}")
        dim = d * widen
        if not finished(out):
            subprocess.run([args.ampcf, "train", "--data", os.path.join(data, "ratings.csv"), "--personas",
                            str(personas), "--dim", str(dim), "--att-dim", str(dim), "--persona-tie", tie, "--seed",
                            str(seed), "--epochs", str(args.epochs), "--patience", str(args.patience), "--quiet",
                            "--out", out] + args.extra, check=True, stdout=subprocess.DEVNULL)
        final = json.loads(open(os.path.join(out, "metrics.jsonl")).read().splitlines()[-1])
        item_cluster, tastes = read_truth(data)
        row = {"clusters": clusters, "d": d, "model": label, "seed": seed, "hr": final["test_hr@10"],
               "ndcg": final["test_ndcg@10"], "val_hr": final["val_hr@10"],
               "collapsed_hr": final.get("collapsed_test_hr@10", float("nan")),
               "overlap": final.get("persona_overlap", float("nan")),
               "full_recall@20": final["test_full_recall@20"], "full_recall@50": final["test_full_recall@50"],
               "full_ndcg@50": final["test_full_ndcg@50"]}
        if personas > 1:
            row.update(amp_figures(out, item_cluster, tastes))
        rows = [row]
        if label == "MF":
            control = dict(row, model="MF + random gate")
            control.update(gate_figures(out, data, r, item_cluster, tastes, seed))
            rows.append(control)
        print(f"  done: clusters {clusters} d {d} {label} seed {seed}: HR {row['hr']:.4f}", file=sys.stderr, flush=True)
        return rows

    with ThreadPoolExecutor(args.parallel) as pool:
        results = [row for rows in pool.map(run, jobs) for row in rows]
    if args.json:
        json.dump(results, open(args.json, "w"), indent=1)

    figures = ["hr", "ndcg", "full_recall@20", "full_recall@50", "full_ndcg@50", "collapsed_hr", "overlap", "recovered", "recovered_own", "attributed", "single_purity"]
    print(f"planted data: {args.users} users, {args.items} items, 1..{args.max_tastes} tastes a user; "
          f"r = {r}; seeds {args.seeds}; {args.epochs} epochs, patience {args.patience}; extra: {' '.join(args.extra)}")
    print("| clusters | d | model | " + " | ".join(figures) + " |")
    print("|---" * (3 + len(figures)) + "|")
    labels = [m[0] for m in models[:1]] + ["MF + random gate"] + [m[0] for m in models[1:]]
    for clusters, d, label in itertools.product(cluster_counts, dims, labels):
        mine = [x for x in results if x["clusters"] == clusters and x["d"] == d and x["model"] == label]
        cells = [mean_cell([x[f] for x in mine if f in x and x[f] == x[f]]) for f in figures]
        print(f"| {clusters} | {d} | {label} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
