#!/usr/bin/env bash
# Benchmark: the built-in suite (`scimcheck run`) against scim2-server, side by side with
# scim-sanity's `probe` on the same fresh scim2-server, alternating, several rounds (issue 9,
# item 4; target: scimcheck's wall time per judged step, passed + failed, no more than
# scim-sanity's per judged check, passed + failed). Wall time is the whole process, start-up
# included, as a user waits for it.
# Usage: bench/sanity.sh [ROUNDS] (default 5).
# Installs scim2-server (the version of .ci/run and tests/third_party.rs) and scim-sanity into
# the repository's .venv when they are missing.
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=${1:-5}
scim2_version=0.8.3
sanity_version=0.7.4

has() { .venv/bin/python -c "import importlib.metadata as m, sys; sys.exit(m.version('$1') != '$2')" 2>/dev/null; }
if ! has scim2-server "$scim2_version" || ! has scim-sanity "$sanity_version"; then
  .venv/bin/python -c '' 2>/dev/null || python3 -m venv --clear .venv
  .venv/bin/pip install --quiet --disable-pip-version-check \
    "scim2-server==$scim2_version" "scim-sanity==$sanity_version"
fi
cargo build --release --quiet
bin=target/release/scimcheck
export SCIMCHECK_TOKEN="bench-$(date +%s%N)"
work=$(mktemp -d)
port=$(.venv/bin/python -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
.venv/bin/scim2-server --hostname 127.0.0.1 --port "$port" --bearer-token "$SCIMCHECK_TOKEN" \
  >"$work/scim2.log" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null || true; rm -rf "$work"' EXIT
url="http://127.0.0.1:$port/v2"
up=""
for _ in $(seq 1 150); do
  if curl -fs -o /dev/null -H "Authorization: Bearer $SCIMCHECK_TOKEN" "$url/ServiceProviderConfig"; then
    up=1; break
  fi
  sleep 0.1
done
[ -n "$up" ] || { echo "scim2-server did not start" >&2; cat "$work/scim2.log" >&2; exit 1; }

now() { date +%s%N; }
# passed + failed from a JSON report: scimcheck's `summary`, scim-sanity's `summary`.
judged() { .venv/bin/python -c 'import json, sys; s = json.load(open(sys.argv[1]))["summary"]; print(s["passed"] + s["failed"])' "$1"; }
# The checks a scimcheck report judged (a step judges several: status, shape, each attribute).
checks() { .venv/bin/python -c 'import json, sys; d = json.load(open(sys.argv[1])); print(sum(len(st.get("checks", [])) for sc in d["scenarios"] for st in sc["steps"]))' "$1"; }
# Requests as scim2-server logged them (one access-log line each), to tell apart the number of
# requests from the time each takes.
served() { grep -cE '"(GET|POST|PUT|PATCH|DELETE) ' "$work/scim2.log" || true; }

ours=(); theirs=(); our_steps=""; our_checks=""; their_checks=""; our_requests=0; their_requests=0
our_total=0; their_total=0
for _ in $(seq 1 "$rounds"); do
  before=$(served); t0=$(now)
  # Exit 1 is scim2-server failing steps; anything else is a broken run.
  "$bin" run "$url" --color never --json "$work/run.json" >"$work/run.txt" 2>&1 || [ $? -eq 1 ] ||
    { cat "$work/run.txt" >&2; exit 1; }
  t1=$(now); after=$(served)
  our_steps=$(judged "$work/run.json"); our_checks=$(checks "$work/run.json")
  our_requests=$((our_requests + after - before)); our_total=$((our_total + (t1 - t0) / 1000))
  ours+=("$(( (t1 - t0) / 1000 / our_steps ))")
  before=$(served); t0=$(now)
  .venv/bin/scim-sanity probe "$url" --token "$SCIMCHECK_TOKEN" --i-accept-side-effects \
    --json-output >"$work/sanity.json" 2>"$work/sanity.err" || [ $? -eq 1 ] ||
    { cat "$work/sanity.err" >&2; exit 1; }
  t1=$(now); after=$(served)
  their_checks=$(judged "$work/sanity.json")
  their_requests=$((their_requests + after - before)); their_total=$((their_total + (t1 - t0) / 1000))
  theirs+=("$(( (t1 - t0) / 1000 / their_checks ))")
done
median() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
ours_us=$(median "${ours[@]}"); theirs_us=$(median "${theirs[@]}")
echo "built-in suite against scim2-server $scim2_version, $rounds rounds alternating (median):"
awk -v a="$ours_us" -v b="$theirs_us" -v s="$our_steps" -v k="$our_checks" -v c="$their_checks" -v r="$rounds" \
  -v qa="$our_requests" -v qb="$their_requests" -v ta="$our_total" -v tb="$their_total" -v o="${ours[*]}" -v t="${theirs[*]}" 'BEGIN {
  printf "  scimcheck run:      %.1f ms per judged step (%d steps, %.0f requests a run; rounds in us: %s)\n", a / 1000, s, qa / r, o
  printf "  scim-sanity probe:  %.1f ms per judged check (%d checks, %.0f requests a run; rounds in us: %s)\n", b / 1000, c, qb / r, t
  printf "  per request:        scimcheck %.2f ms, scim-sanity %.2f ms (whole wall time over requests)\n", ta / qa / 1000, tb / qb / 1000
  printf "  per judged check:   scimcheck %.2f ms (%d checks in its %d steps), scim-sanity %.2f ms\n", a * s / k / 1000, k, s, b / 1000
  printf "  ratio:              %.2fx scim-sanity per judged item (target: at most 1.00x)\n", a / b
}'
