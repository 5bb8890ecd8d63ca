#!/usr/bin/env bash
# Benchmark: wall time and request count of `scimcheck run` over the built-in suite against the
# reference server, of `run --profile all`, and of `scimcheck connect`, measured in one session so ratios are
# comparable on a noisy machine; then the suite with `--jobs 1` and with the default `--jobs`
# through a reference server that answers 5 ms late, as a network does (issue 9, item 1:
# target at most 40 % of requests × 5 ms). Usage: bench/run.sh [ITERATIONS] (default 20).
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-20}

cargo build --release --quiet
bin=target/release/scimcheck
export SCIMCHECK_TOKEN="bench-$(date +%s%N)"
log=$(mktemp)
"$bin" serve --port 0 >"$log" 2>&1 &
server=$!
slow_log=$(mktemp)
"$bin" serve --port 0 --delay-ms 5 >"$slow_log" 2>&1 &
slow=$!
trap 'kill $server $slow 2>/dev/null || true; rm -f "$log" "$slow_log"' EXIT
for _ in $(seq 1 100); do grep -q listening "$log" && break; sleep 0.05; done
url=$(grep -o 'http://[^ ]*' "$log" | head -n1)
[ -n "$url" ] || { echo "the reference server did not start" >&2; cat "$log" >&2; exit 1; }
for _ in $(seq 1 100); do grep -q listening "$slow_log" && break; sleep 0.05; done
slow_url=$(grep -o 'http://[^ ]*' "$slow_log" | head -n1)
[ -n "$slow_url" ] || { echo "the delaying server did not start" >&2; cat "$slow_log" >&2; exit 1; }

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

# --jobs 1 against the default, alternating, through the 5 ms server.
seq_times=(); par_times=(); seq_requests=""; par_requests=""
for _ in $(seq 1 "$n"); do
  t0=$(now); seq_out=$("$bin" run "$slow_url" --jobs 1 --color never 2>/dev/null) || { echo "$seq_out"; exit 1; }; t1=$(now)
  seq_times+=($(( (t1 - t0) / 1000 )))
  seq_requests=$(printf '%s\n' "$seq_out" | sed -n 's/.*: \([0-9]*\) requests in.*/\1/p' | tail -n1)
  t0=$(now); par_out=$("$bin" run "$slow_url" --color never 2>/dev/null) || { echo "$par_out"; exit 1; }; t1=$(now)
  par_times+=($(( (t1 - t0) / 1000 )))
  par_requests=$(printf '%s\n' "$par_out" | sed -n 's/.*: \([0-9]*\) requests in.*/\1/p' | tail -n1)
done
seq_us=$(printf '%s\n' "${seq_times[@]}" | median)
par_us=$(printf '%s\n' "${par_times[@]}" | median)
echo "through 5 ms per answer:"
echo "  run --jobs 1:          median $((seq_us / 1000)) ms wall, $seq_requests requests"
echo "  run (default --jobs):  median $((par_us / 1000)) ms wall, $par_requests requests"
awk -v s="$seq_us" -v p="$par_us" -v q="$par_requests" 'BEGIN {
  printf "  ratio default/jobs 1:  %.0f %%\n", 100 * p / s
  printf "  default vs requests x 5 ms: %.0f %% (target: at most 40 %%)\n", 100 * p / (q * 5000)
}'
