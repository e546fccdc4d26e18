#!/usr/bin/env python3
"""Prints one line of figures of a training run's last epoch (DIR/metrics.jsonl): pairs/s, as a
multiple of a kernel figure when one is given, the workers' share of time blocked on a peer, their
time outside the model's forward and backward pass as a share of the time in it, bytes per
positive pair and validation HR@10.  Used by bench/scaling_benchmark.sh and
bench/cluster_benchmark.sh.
    epoch_figures.py METRICS_JSONL LABEL [KERNEL_PAIRS_PER_S]"""
import json
import sys

lines = [json.loads(line) for line in open(sys.argv[1]) if line.startswith('{"epoch"')]
epoch = lines[-1]
workers = [r for r in epoch["ranks"] if r["role"] != "server"]
blocked = sum(r["blocked_s"] for r in workers) / len(workers) / epoch["seconds"]
in_kernel = sum(r.get("kernel_s", 0) for r in workers) / len(workers)
outside = f'{100 * (epoch["seconds"] - in_kernel) / in_kernel:4.0f}%' if in_kernel > 0 else '   -'
kernel = f'  {epoch["pairs_per_s"] / float(sys.argv[3]):5.2f} x kernel' if len(sys.argv) > 3 else ""
print(f'{sys.argv[2]:<52} {epoch["pairs_per_s"]:>9.0f} pairs/s{kernel}  workers blocked {100 * blocked:3.0f}%  '
      f'outside kernel {outside}  {epoch["bytes_per_pair"]:7.0f} B/pair  val HR@10 {epoch["val_hr@10"]:.4f}')
