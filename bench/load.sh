#!/usr/bin/env bash
# Benchmark: `scimcheck load --mix lookups --rate max` against oha on the same URL, with the same
# headers and concurrency, side by side against one reference server, alternating so that both
# see the same machine (issue 9, item 4; target: scimcheck at least 90 % of oha's requests/s).
# Then one `load` of Entra's initial cycle for 10,000 users at --rate max, for its latency table.
# Usage: bench/load.sh [REQUESTS] [CONCURRENCY] [ROUNDS] (defaults 20000, 25, 3).
# Installs oha with `cargo install --locked oha` when it is not on PATH.
set -euo pipefail
cd "$(dirname "$0")/.."
requests=${1:-20000}
concurrency=${2:-25}
rounds=${3:-3}

command -v oha >/dev/null || cargo install --locked oha
cargo build --release --quiet
bin=target/release/scimcheck
export SCIMCHECK_TOKEN="bench-$(date +%s%N)"
work=$(mktemp -d)
"$bin" serve --port 0 >"$work/serve.log" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null || true; rm -rf "$work"' EXIT
for _ in $(seq 1 100); do grep -q listening "$work/serve.log" && break; sleep 0.05; done
url=$(grep -o 'http://[^ ]*' "$work/serve.log" | head -n1)
[ -n "$url" ] || { echo "the reference server did not start" >&2; cat "$work/serve.log" >&2; exit 1; }

# The request Entra's lookup sends (client-behaviour §1.4, §1.5): what `load --mix lookups` sends,
# with a value that matches nobody, as a new user's lookup does.
lookup="$url/Users?filter=userName+eq+%22bench-nobody%40example.com%22"
ours=(); theirs=()
for _ in $(seq 1 "$rounds"); do
  "$bin" load "$url" --mix lookups --rate max --users "$requests" --concurrency "$concurrency" \
    --json "$work/load.json" >/dev/null 2>&1
  ours+=("$(sed -n 's/^  "throughput_rps": \([0-9.]*\),$/\1/p' "$work/load.json")")
  oha --no-tui -n "$requests" -c "$concurrency" --output-format json \
    -H "Authorization: Bearer $SCIMCHECK_TOKEN" -H "ADSCIMVersion: 5.0" "$lookup" >"$work/oha.json"
  theirs+=("$(python3 -c 'import json,sys; print(round(json.load(open(sys.argv[1]))["summary"]["requestsPerSec"], 1))' "$work/oha.json")")
done
median() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
ours_rps=$(median "${ours[@]}"); oha_rps=$(median "${theirs[@]}")
echo "lookups at max rate, $requests requests, concurrency $concurrency, $rounds rounds (median):"
echo "  scimcheck load:  $ours_rps requests/s  (rounds: ${ours[*]})"
echo "  oha:             $oha_rps requests/s  (rounds: ${theirs[*]})"
awk -v a="$ours_rps" -v b="$oha_rps" 'BEGIN { printf "  ratio:           %.0f %% of oha (target: at least 90 %%)\n", 100 * a / b }'

echo
echo "Entra's initial cycle, 10,000 users, 10 groups × 100 members, --rate max:"
"$bin" load "$url" --users 10000 --groups 10 --members-per-group 100 --rate max \
  --concurrency "$concurrency" 2>/dev/null || true
