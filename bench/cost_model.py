#!/usr/bin/env python3
"""The cost model of a training step (docs/scale-out.md), fitted on bench/cost_model.sh's runs.

    bench/cost_model.py DIR     DIR: NAME.jsonl files of bench/cost_model.sh

A clock is one step of every worker (W workers, b positives each in the fast mode, b/W in
synchronous mode). Its time is the largest of

  CPU    T_cpu  = T_node + (alpha * M + beta * B) / P   the one-node time (all ranks on P cores),
                  plus the CPU the TCP transport costs per message (M: messages per clock that
                  cross a link) and per byte (B: bytes per clock that cross a link);
  link   T_link = D_max / bandwidth                      D_max: bytes per clock through the busiest
                  direction of the server node's link;
  path   fast:   lambda_f * rtt                          a reply's round trip, hidden by the pulls
                                                         in flight unless it is long;
         synchronous: T_cpu + lambda_s * rtt + sigma * D_max / bandwidth   every clock waits
                  for the pushes of all workers, then the replies; sigma in [0, 1] is the share of
                  the transfer that does not overlap the ranks' computing.

T_node is the median of the mode's one-node runs; M, B and D_max are measured (the counters of
metrics.jsonl: core/counters.h); alpha,
beta, lambda_f, lambda_s and sigma are fitted to all runs at once (least squared log error, by a
coordinate search: no dependency). Prints each run against the model, then the model's
prediction for 16 and 64 nodes of 8 cores and what bounds the step there.
"""
import json
import math
import os
import sys

RATES = {"10gbit": 10e9, "1gbit": 1e9, "100mbit": 100e6}


def load(path):
    lines = [json.loads(line) for line in open(path)]
    placement = lines[0]["placement"]
    epoch = [line for line in lines if "epoch" in line][-1]
    ranks = epoch["ranks"]
    workers = [r for r in ranks if r["role"] != "server"]
    servers = [r for r in ranks if r["role"] == "server"]
    W, nodes = len(workers), placement["nodes"]
    pairs = epoch["pairs_per_s"] * epoch["seconds"]
    batch = 256 if placement["mode"].startswith("fast") else 256 / W  # positives per worker step
    clocks = pairs / (W * batch)
    node_of = lambda rank: rank % nodes  # --map-by node
    server_node = node_of(servers[0]["rank"])
    remote = [w for w in workers if node_of(w["rank"]) != server_node]
    run = {
        "name": os.path.basename(path)[:-6], "mode": placement["mode"], "nodes": nodes,
        "rate": RATES.get(placement["rate"]), "rtt": (placement["rtt_us"] or 0) * 1e-6,
        "cores": placement["cores"], "W": W, "batch": batch, "clocks": clocks,
        "T": 1.0 / (epoch["pairs_per_s"] / (W * batch)),  # seconds per clock
        "M": sum(w["messages_out"] + w["messages_in"] for w in remote) / clocks,
        "B": sum(w["bytes_out"] + w["bytes_in"] for w in remote) / clocks,
        "D": max(sum(w["bytes_out"] for w in remote), sum(w["bytes_in"] for w in remote)) / clocks,
        "worker_compute": sum(w["compute_s"] for w in workers) / W / clocks,
        "server_compute": sum(s["compute_s"] for s in servers) / clocks,
        "bytes_per_worker_step": sum(w["bytes_out"] + w["bytes_in"] for w in workers) / W / clocks,
        "messages_per_worker_step": sum(w["messages_out"] + w["messages_in"] for w in workers) / W / clocks,
    }
    return run


def predict(run, node_time, p):
    alpha, beta, lam_f, lam_s, sigma = p
    sigma = min(sigma, 1.0)
    cpu = node_time + (alpha * run["M"] + beta * run["B"]) / run["cores"]
    link = run["D"] / (run["rate"] / 8) if run["rate"] else 0.0
    if run["mode"].startswith("fast"):
        parts = {"cpu": cpu, "link": link, "path": lam_f * run["rtt"]}
    else:
        parts = {"cpu": cpu, "link": link, "path": cpu + lam_s * run["rtt"] + sigma * link}
    bound = max(parts, key=parts.get)
    return parts[bound], bound


def fit(runs, node_times):
    def loss(p):
        return sum(math.log(predict(r, node_times[r["mode"]], p)[0] / r["T"]) ** 2 for r in runs)

    p = [1e-5, 1e-9, 1.0, 1.0, 1.0]
    for scale in [4.0, 2.0, 1.5, 1.2, 1.1, 1.05]:
        for _ in range(30):
            improved = False
            for i in range(len(p)):
                for factor in (scale, 1 / scale):
                    trial = list(p)
                    trial[i] *= factor
                    if loss(trial) < loss(p):
                        p, improved = trial, True
            if not improved:
                break
    return p


def main():
    folder = sys.argv[1]
    runs = [load(os.path.join(folder, f)) for f in sorted(os.listdir(folder)) if f.endswith(".jsonl")]
    # The median of each mode's one-node runs.
    node_times = {}
    for mode in {r["mode"] for r in runs if r["nodes"] == 1}:
        times = sorted(r["T"] for r in runs if r["nodes"] == 1 and r["mode"] == mode)
        node_times[mode] = times[len(times) // 2]
    cluster = [r for r in runs if r["nodes"] > 1 and r["mode"] in node_times]
    p = fit(cluster, node_times)
    alpha, beta, lam_f, lam_s, sigma = p
    print(f"fitted: alpha = {alpha * 1e6:.1f} us of CPU per message, beta = {beta * 1e9:.2f} ns of CPU per byte, "
          f"lambda_f = {lam_f:.2f}, lambda_s = {lam_s:.2f} round trips, sigma = {min(sigma, 1.0):.2f}")
    print("\n| run | measured pairs/s | model pairs/s | error | bound | TCP messages / clock | TCP bytes / clock |")
    print("|---|---|---|---|---|---|---|")
    worst = 0.0
    for r in runs:
        T, bound = (node_times[r["mode"]], "one node: the median") if r["nodes"] == 1 else predict(r, node_times[r["mode"]], p)
        rate, model = r["W"] * r["batch"] / r["T"], r["W"] * r["batch"] / T
        error = model / rate - 1
        worst = max(worst, abs(error))
        print(f"| {r['name']} | {rate:,.0f} | {model:,.0f} | {100 * error:+.1f}% | {bound} | {r['M']:.1f} | {r['B']:,.0f} |")
    print(f"\nlargest error: {100 * worst:.1f}%")

    rtt = max(r["rtt"] for r in runs if r["nodes"] > 1)
    for mode in sorted(m for m in node_times if m.startswith("fast")):
        predict_scale(next(r for r in runs if r["nodes"] == 1 and r["mode"] == mode and r["T"] == node_times[mode]),
                      p, rtt)


def predict_scale(fast, p, rtt):
    """The prediction for 16 and 64 nodes of 8 cores from one fast-mode run on one node."""
    alpha, beta, lam_f, _, _ = p
    # One worker per core, each step taking what it takes on an idle core: the one-node run's
    # worker compute per step (its waits excluded). A server rank's CPU per worker step, its
    # bytes and messages per worker step, as measured.
    step = fast["worker_compute"]
    server_per_step = fast["server_compute"] / fast["W"]
    bytes_step, messages_step = fast["bytes_per_worker_step"], fast["messages_per_worker_step"]
    print(f"\nprediction ({fast['mode']}, 8 cores per node, 10 Gbit/s links, round trip {rtt * 1e6:.0f} us; per worker "
          f"step: {step * 1e3:.2f} ms compute, {bytes_step / 1e3:.0f} kB and {messages_step:.2f} messages; a server "
          f"rank: {server_per_step * 1e6:.0f} us of CPU per worker step)")
    print("\n| nodes | servers | workers | worker step | server CPU | server link | path | bound | pairs/s | x linear |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for nodes in (16, 64):
        cores = 8 * nodes
        for servers in sorted({1, nodes // 4, nodes // 2, nodes, 2 * nodes}):
            W = cores - servers
            worker = step + (alpha * messages_step + beta * bytes_step)  # its TCP costs on its own core
            server_cpu = W / servers * (server_per_step + alpha * messages_step + beta * bytes_step)
            server_link = W / servers * bytes_step / 2 / (10e9 / 8)  # each direction carries about half
            path = lam_f * rtt
            parts = {"worker": worker, "server CPU": server_cpu, "server link": server_link, "path": path}
            bound = max(parts, key=parts.get)
            rate = W * 256 / parts[bound]
            print(f"| {nodes} | {servers} | {W} | {worker * 1e3:.2f} ms | {server_cpu * 1e3:.2f} ms | "
                  f"{server_link * 1e3:.2f} ms | {path * 1e3:.2f} ms | {bound} | {rate / 1e6:.1f}M | "
                  f"{rate / (W * 256 / step):.2f} |")


if __name__ == "__main__":
    main()
