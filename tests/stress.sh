#!/usr/bin/env bash
# The multi-rank modes under load, as a cluster node runs them: each mode trains
# $AMPCF_STRESS_RUNS times (default 10) while two busy processes share the cores. Every run must
# end by itself, with status 0: none may reach --peer-timeout (a wait cycle ends there, naming
# what each rank waited for) or the time limit.
#   stress.sh path/to/ampcf [MODE ...]   (modes: see `modes` below; default all)
set -euo pipefail
ampcf=${1:?usage: stress.sh path/to/ampcf [MODE ...]}
shift
source "$(dirname "$0")/lib.sh"
runs=${AMPCF_STRESS_RUNS:-10}
busy=()
trap 'kill "${busy[@]}" 2> /dev/null || true; rm -rf "$work"' EXIT
for _ in 1 2; do
  yes > /dev/null &
  busy+=($!)
done

# Pull replies of all 300 items (78 kB) are above every transport's eager limit, so a reply
# completes only once its worker has posted the receive: the case where waits can form a cycle.
common=(--data synthetic --synthetic-users 300 --synthetic-items 300 --epochs 2 --quiet --peer-timeout 30)
declare -A modes=(
  [synchronous]="-np 3 -- --servers 1 --staleness 0"
  [bounded_staleness]="-np 3 -- --servers 1 --staleness 2"
  [fast]="-np 3 -- --servers 1 --cache-steps 8"
  [two_servers]="-np 4 -- --servers 2 --cache-steps 1 --wire-bits 32 --epochs 6"
  [averaging]="-np 4 -- --servers 2 --staleness -1 --average-decay 0.5 --epochs 6"
)
selected=("$@")
[ ${#selected[@]} -eq 0 ] && selected=(synchronous bounded_staleness fast two_servers averaging)

for name in "${selected[@]}"; do
  spec=${modes[$name]:?unknown mode $name}
  read -r -a mpi_args <<< "${spec%% -- *}"
  read -r -a train_args <<< "${spec#* -- }"
  ok=0 slowest=0 first_failure=
  for i in $(seq "$runs"); do
    start=$SECONDS status=0
    timeout -k 10 150 mpirun --oversubscribe "${mpi_args[@]}" "$ampcf" train "${common[@]}" "${train_args[@]}" \
      --out "$work/$name" > "$work/$name.log" 2>&1 || status=$?
    elapsed=$((SECONDS - start))
    [ "$elapsed" -gt "$slowest" ] && slowest=$elapsed
    if [ "$status" -eq 0 ]; then
      ok=$((ok + 1))
    elif [ -z "$first_failure" ]; then
      first_failure="run $i: status $status after ${elapsed}s: $(grep -m1 'ampcf' "$work/$name.log" | cut -c1-400)"
    fi
    rm -rf "${work:?}/$name"
  done
  check "$name: $ok of $runs runs ended by themselves (slowest ${slowest}s)${first_failure:+; $first_failure}" \
    test "$ok" -eq "$runs"
done
finish
