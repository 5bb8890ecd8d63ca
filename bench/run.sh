#!/usr/bin/env bash
# Benchmark: wall time and request count of `scimcheck run` over the built-in suite against the
# reference server, of `run --profile all`, and of `scimcheck connect`, measured in one session so ratios are
# comparable on a noisy machine. Usage: bench/run.sh [ITERATIONS] (default 20).
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-20}

cargo build --release --quiet
bin=target/release/scimcheck
export SCIMCHECK_TOKEN="bench-$(date +%s%N)"
log=$(mktemp)
"$bin" serve --port 0 >"$log" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null || true; rm -f "$log"' EXIT
for _ in $(seq 1 100); do grep -q listening "$log" && break; sleep 0.05; done
url=$(grep -o 'http://[^ ]*' "$log" | head -n1)
[ -n "$url" ] || { echo "the reference server did not start" >&2; cat "$log" >&2; exit 1; }

now() { date +%s%N; }
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

run_times=(); connect_times=(); all_times=(); requests=""; all_requests=""
for _ in $(seq 1 "$n"); do
  t0=$(now); out=$("$bin" run "$url" --color never 2>/dev/null) || { echo "$out"; exit 1; }; t1=$(now)
  run_times+=($(( (t1 - t0) / 1000 )))
  requests=$(printf '%s\n' "$out" | sed -n 's/.*: \([0-9]*\) requests in.*/\1/p' | tail -n1)
  t0=$(now); "$bin" connect "$url" --color never >/dev/null; t1=$(now)
  connect_times+=($(( (t1 - t0) / 1000 )))
  t0=$(now); all=$("$bin" run "$url" --color never --profile all --attributes fixtures/entra-default.yaml 2>/dev/null) || { echo "$all"; exit 1; }; t1=$(now)
  all_times+=($(( (t1 - t0) / 1000 )))
  all_requests=$(printf '%s\n' "$all" | sed -n 's/.*: \([0-9]*\) requests in.*/\1/p' | tail -n1)
done
run_us=$(printf '%s\n' "${run_times[@]}" | median)
connect_us=$(printf '%s\n' "${connect_times[@]}" | median)
all_us=$(printf '%s\n' "${all_times[@]}" | median)
steps=$(printf '%s\n' "$out" | grep -Eo '^[0-9]+ passed, [0-9]+ failed.*' | tail -n1)

echo "iterations:            $n"
echo "run (built-in suite):  median $((run_us / 1000)) ms wall, $requests requests ($steps)"
echo "connect:               median $((connect_us / 1000)) ms wall"
echo "run --profile all:     median $((all_us / 1000)) ms wall, $all_requests requests (4 profiles, Entra default mappings)"
awk -v r="$run_us" -v c="$connect_us" -v q="$requests" -v a="$all_us" 'BEGIN {
  printf "ratio run/connect:     %.1fx\n", r / c
  printf "ratio all/run:         %.1fx\n", a / r
  printf "run per request:       %.2f ms (%.2fx one connect)\n", r / q / 1000, (r / q) / c
}'
