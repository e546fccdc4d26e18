#!/usr/bin/python3
"""Renders a training run as one HTML page: training curves, the evaluation summary, and a
Fig. 2 style explanation of one user (training items and recommendations in the taste space,
coloured by the persona that explains them).

  python/report.py runs/mls --user 1 -- --data ../shared/data/ml-latest-small
(after --: the data options given to train)

Reads DIR/metrics.jsonl, DIR/eval.h5 and DIR/taste.h5 (written by `ampcf train --out DIR`), runs
`ampcf explain` for the user (the options after -- go to it: the same data options as train),
and writes DIR/report.html with its figures embedded. Needs Debian's python3-matplotlib and
python3-h5py (launch/setup.sh installs them).
"""
import argparse
import base64
import html
import io
import json
import os
import subprocess
import sys

try:
    import h5py
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
except ImportError as missing:
    sys.exit(f"report.py: {missing}; install python3-matplotlib and python3-h5py (apt-get install -y ...)")


def figure_html(fig):
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=110, bbox_inches="tight")
    plt.close(fig)
    return '<img src="data:image/png;base64,' + base64.b64encode(buffer.getvalue()).decode() + '">'


def training_curves(epochs):
    fig, (left, right) = plt.subplots(1, 2, figsize=(10, 3.6))
    x = [e["epoch"] for e in epochs]
    left.plot(x, [e["loss"] for e in epochs], color="tab:gray")
    left.set(xlabel="epoch", ylabel="training loss", title="loss")
    right.plot(x, [e["val_hr@10"] for e in epochs], label="HR@10")
    right.plot(x, [e["val_ndcg@10"] for e in epochs], label="NDCG@10")
    right.set(xlabel="epoch", title="validation")
    right.legend()
    return figure_html(fig)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("run", help="the folder of ampcf train --out")
    parser.add_argument("--user", type=int, required=True, help="the user to explain (the dataset's own id)")
    parser.add_argument("--ampcf", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "build", "ampcf"))
    argv = sys.argv[1:]
    data_options = argv[argv.index("--") + 1:] if "--" in argv else []
    args = parser.parse_args(argv[:argv.index("--")] if "--" in argv else argv)
    args.data_options = data_options
    run = args.run
    for name in ("metrics.jsonl", "model.h5", "eval.h5", "taste.h5"):
        if not os.path.exists(os.path.join(run, name)):
            sys.exit(f"report.py: {os.path.join(run, name)}: missing (run ampcf train --out {run} first)")

    lines = [json.loads(line) for line in open(os.path.join(run, "metrics.jsonl")) if line.strip()]
    epochs = [line for line in lines if "epoch" in line]
    final = lines[-1] if lines and "best_epoch" in lines[-1] else {}

    explain_path = os.path.join(run, f"explain-{args.user}.h5")
    explained = subprocess.run([args.ampcf, "explain", "--model", os.path.join(run, "model.h5"), "--user", str(args.user),
                                "--out", explain_path] + args.data_options, capture_output=True, text=True)
    if explained.returncode != 0:
        sys.exit(f"report.py: ampcf explain failed: {explained.stderr.strip()}")

    # Fig. 2: the items in the first two PCA axes of the taste space, by persona.
    with h5py.File(explain_path, "r") as e, h5py.File(os.path.join(run, "taste.h5"), "r") as t, \
            h5py.File(os.path.join(run, "eval.h5"), "r") as ev:
        coordinates = t["item_coordinates"][:, :2]
        personas = int(e.attrs["personas"])
        history, history_persona = e["history/items"][:], e["history/persona"][:]
        recommended, recommended_persona = e["recommendations/items"][:], e["recommendations/persona"][:]
        summary = {k: float(v) for k, v in ev.attrs.items() if k not in ("format", "dataset", "model")}
    with h5py.File(os.path.join(run, "model.h5"), "r") as m:
        item_ids = list(m["items/ids"][:])
    row_of = {item: row for row, item in enumerate(item_ids)}
    fig, ax = plt.subplots(figsize=(7, 5.5))
    ax.scatter(coordinates[:, 0], coordinates[:, 1], s=3, color="#dddddd", label="all items")
    colours = plt.get_cmap("tab10")
    for k in range(personas):
        rows = [row_of[i] for i, p in zip(history, history_persona) if p == k]
        ax.scatter(coordinates[rows, 0], coordinates[rows, 1], s=14, color=colours(k), label=f"persona {k + 1}: history")
        rows = [row_of[i] for i, p in zip(recommended, recommended_persona) if p == k]
        ax.scatter(coordinates[rows, 0], coordinates[rows, 1], s=120, marker="*", edgecolor="black", color=colours(k),
                   label=f"persona {k + 1}: recommended")
    ax.set(xlabel="taste space axis 1", ylabel="taste space axis 2", title=f"user {args.user}: items by explaining persona")
    ax.legend(fontsize=8)
    persona_figure = figure_html(fig)

    rows = "".join(f"<tr><td>{html.escape(k)}</td><td>{v:.4f}</td></tr>" for k, v in sorted(summary.items()))
    page = f"""<!doctype html><html><head><meta charset="utf-8"><title>ampcf report: {html.escape(run)}</title>
<style>body{{font-family:sans-serif;max-width:1100px;margin:2em auto}} td{{padding:2px 10px}} pre{{background:#f6f6f6;padding:1em}}</style>
</head><body>
<h1>ampcf run {html.escape(run)}</h1>
<p>best epoch {final.get('best_epoch', '?')}: test HR@10 {final.get('test_hr@10', float('nan')):.4f},
NDCG@10 {final.get('test_ndcg@10', float('nan')):.4f}; full ranking HR@10 {final.get('test_full_hr@10', float('nan')):.4f};
TDD Jensen-Shannon {final.get('tdd_js', float('nan')):.4f}, Hellinger {final.get('tdd_hellinger', float('nan')):.4f}</p>
<h2>Training</h2>{training_curves(epochs)}
<h2>Evaluation (eval.h5)</h2><table>{rows}</table>
<h2>Why these recommendations? (user {args.user})</h2>{persona_figure}
<pre>{html.escape(explained.stdout)}</pre>
</body></html>"""
    out = os.path.join(run, "report.html")
    with open(out, "w") as f:
        f.write(page)
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
