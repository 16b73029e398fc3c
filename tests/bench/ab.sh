#!/usr/bin/env bash
# A/B of the gateway's CPU per request or frame at its ceiling (issue 19): two shadowgate
# binaries, same config, same engines, measured alternately in one run, so their ratio holds on a
# noisy machine where absolute numbers do not.
#
# PROTOCOL=http (default), as compare.sh's HTTP closed loop: the demo's legacy policy behind the
# HTTP contract as the live engine, the demo's new engine as the shadow (compare + store at ~10 %
# mismatches), each gateway serving `POST /v1/strategies/loan-screening` on its own port; load:
# `wrk` with $HTTP_CONNECTIONS connections (bodies from `demo-engine --kind legacy
# --print-requests`).
# PROTOCOL=mci, as compare.sh's MCI closed loop: the demo's legacy MCI engine live, the same HTTP
# shadow, each gateway serving MCI frames; load: `shadowgate loadgen` (16 connections × 4 in
# flight). With SHADOW_MCI=1 the shadow is `demo-engine --kind modern-mci` instead.
# Each gateway is pinned to core $PROXY_CPU, the engines and the load to $LOAD_CPU. Per round,
# each gateway gets one load run of $SECS seconds (the order flips every round); its CPU per
# request is utime + stime from /proc/PID/stat over the run ÷ requests (frames) answered.
# TOGETHER=1 runs both gateways' load at the same time instead (both gateways on $PROXY_CPU): on a
# shared, noisy machine whatever else runs then slows both alike, so their ratio varies less
# between rounds, at the price of the two contending with each other.
# Prints one line per round, the median ratio B/A (below 1: B spends less CPU per request) and
# the comparisons each gateway made and skipped.
# Usage: BASE=path/to/baseline/shadowgate [BIN=path/to/candidate] tests/bench/ab.sh
# Knobs: BASE (A, required), BIN (B; default: builds this checkout's release binary), PROTOCOL
# (http), SHADOW_MCI (0), ROUNDS (3), SECS (5), HTTP_CONNECTIONS (32), BENCH_PORT (base port,
# 17900), PROXY_CPU (0), LOAD_CPU (1), TOGETHER (0), LEVEL (error: both gateways' [logging]
# level; info is the product's default), BASE_EXTRA / NEW_EXTRA (TOML lines appended to
# gateway A's / B's config, as idle.sh's: a config A/B with BIN=BASE, e.g.
# NEW_EXTRA=$'[shadow]\nworkers = 0'), KEEP_WORK=1 (keep logs). Requires wrk (for http),
# taskset, python3, Linux /proc.
set -euo pipefail
cd "$(dirname "$0")/../.."
# shellcheck source=tests/bench/lib.sh
source tests/bench/lib.sh

: "${BASE:?set BASE to the baseline shadowgate binary}"
ROUNDS=${ROUNDS:-3}
SECS=${SECS:-5}
HTTP_CONNECTIONS=${HTTP_CONNECTIONS:-32}
PROTOCOL=${PROTOCOL:-http}
SHADOW_MCI=${SHADOW_MCI:-0}
PORT=${BENCH_PORT:-17900}
TOGETHER=${TOGETHER:-0}
LEVEL=${LEVEL:-error}
PROXY_CPU=${PROXY_CPU:-0}
LOAD_CPU=${LOAD_CPU:-1}
case "$PROTOCOL" in
  http) tools=(wrk taskset python3) ;;
  mci) tools=(taskset python3) ;;
  *) echo "PROTOCOL must be http or mci, found $PROTOCOL" >&2; exit 1 ;;
esac
for tool in "${tools[@]}"; do
  command -v "$tool" >/dev/null || { echo "missing $tool" >&2; exit 1; }
done
bench_binary
bench_workdir
proxy=(taskset -c "$PROXY_CPU")
load=(taskset -c "$LOAD_CPU")
live=127.0.0.1:$((PORT + 1))
shadow=127.0.0.1:$((PORT + 2))
path=/v1/strategies/loan-screening

live_kind=legacy-http shadow_kind=modern
[ "$PROTOCOL" = mci ] && live_kind=legacy
[ "$SHADOW_MCI" = 1 ] && shadow_kind=modern-mci
"${load[@]}" "$BIN" demo-engine --kind "$live_kind" --listen "$live" 2>>"$work/engines.log" & pids+=($!)
"${load[@]}" "$BIN" demo-engine --kind "$shadow_kind" --listen "$shadow" 2>>"$work/engines.log" & pids+=($!)
"$BIN" demo-engine --print-requests 1000 >"$work/requests.jsonl"

# gateway NAME INDEX BINARY: starts one gateway on port PORT+10+INDEX; its pid is in $started.
gateway() {
  local name=$1 index=$2 binary=$3 ingress live_engine shadow_engine=shadow="$shadow" extra
  extra=$([ "$name" = a ] && printf '%s' "${BASE_EXTRA:-}" || printf '%s' "${NEW_EXTRA:-}")
  if [ "$PROTOCOL" = mci ]; then
    ingress=mci="127.0.0.1:$((PORT + 10 + index))" live_engine=live_mci="$live"
  else
    ingress=http="127.0.0.1:$((PORT + 10 + index))" live_engine=live_http="$live"
  fi
  [ "$SHADOW_MCI" = 1 ] && shadow_engine=shadow_mci="$shadow"
  bench_gateway_toml "$ingress" admin="127.0.0.1:$((PORT + 20 + index))" live_name=live \
    "$live_engine" "$shadow_engine" store="$work/store-$name" level="$LEVEL" extra="$extra" >"$work/$name.toml"
  bench_start_gateway "$work/$name.toml" "$work/$name.log" "${proxy[@]}" "$binary"
}
gateway a 0 "$BASE"
a_pid=$started
gateway b 1 "$BIN"
b_pid=$started
for a in "$live" "$shadow" "127.0.0.1:$((PORT + 10))" "127.0.0.1:$((PORT + 11))"; do wait_port "$a"; done
bench_check_alive

bench_wrk_script "$work/post.lua"
# load_run SECS PORT: one closed-loop run; prints "WRK {..requests..errors..}" as wrk's script
# does, for loadgen too (answered frames, frames not answered ok).
load_run() {
  if [ "$PROTOCOL" = mci ]; then
    "${load[@]}" "$BIN" loadgen --address "127.0.0.1:$2" --duration "$1" --connections 16 \
      --pipeline 4 --json --max-failed-ratio 1 |
      python3 -c 'import json,sys; t=json.load(sys.stdin)["targets"][0]; print("WRK", json.dumps({"requests": t["ok"], "duration_us": int(t["seconds"] * 1e6), "errors": t["sent"] - t["ok"]}))'
  else
    "${load[@]}" wrk -t1 -c"$HTTP_CONNECTIONS" -d"${1}s" -s "$work/post.lua" \
      "http://127.0.0.1:$2$path" -- "$work/requests.jsonl"
  fi
}
# measure NAME PID PORT ROUND: one load run; appends "ROUND NAME TICKS REQUESTS ERRORS".
measure() {
  local before after
  before=$(cpu_ticks "$2")
  load_run "$SECS" "$3" >"$work/out.txt" 2>&1 || { cat "$work/out.txt" >&2; exit 1; }
  after=$(cpu_ticks "$2")
  echo "$4 $1 $((after - before)) $(awk '/^WRK / {gsub(/[^0-9]+/, " "); print $1, $3}' "$work/out.txt")" >>"$work/results.txt"
}

# measure_together ROUND: both load runs at once; appends a line per gateway as measure does.
measure_together() {
  local a0 b0 a1 b1 wrk_a
  a0=$(cpu_ticks "$a_pid") b0=$(cpu_ticks "$b_pid")
  load_run "$SECS" $((PORT + 10)) >"$work/out-a.txt" 2>&1 & wrk_a=$!
  load_run "$SECS" $((PORT + 11)) >"$work/out-b.txt" 2>&1 || { cat "$work/out-b.txt" >&2; exit 1; }
  wait "$wrk_a" || { cat "$work/out-a.txt" >&2; exit 1; }
  a1=$(cpu_ticks "$a_pid") b1=$(cpu_ticks "$b_pid")
  echo "$1 a $((a1 - a0)) $(awk '/^WRK / {gsub(/[^0-9]+/, " "); print $1, $3}' "$work/out-a.txt")" >>"$work/results.txt"
  echo "$1 b $((b1 - b0)) $(awk '/^WRK / {gsub(/[^0-9]+/, " "); print $1, $3}' "$work/out-b.txt")" >>"$work/results.txt"
}

echo "load before: $(cat /proc/loadavg)" >&2
load_run 1 $((PORT + 10)) >/dev/null
load_run 1 $((PORT + 11)) >/dev/null
for round in $(seq "$ROUNDS"); do
  echo "round $round/$ROUNDS" >&2
  if [ "$TOGETHER" = 1 ]; then
    measure_together "$round"
  elif [ $((round % 2)) = 1 ]; then
    measure a "$a_pid" $((PORT + 10)) "$round"
    measure b "$b_pid" $((PORT + 11)) "$round"
  else
    measure b "$b_pid" $((PORT + 11)) "$round"
    measure a "$a_pid" $((PORT + 10)) "$round"
  fi
done
bench_check_alive
echo "load after: $(cat /proc/loadavg)" >&2
for index in 0 1; do
  http_get "http://127.0.0.1:$((PORT + 20 + index))/api/v1/summary" |
    python3 -c 'import json,sys; s=json.load(sys.stdin)["strategies"][0]; print("ab"[int(sys.argv[1])].upper(), "comparisons", s["comparisons"], "skipped", s["skipped"], s.get("skipped_by_reason") or "")' "$index" >&2
done

python3 - "$work/results.txt" "$(getconf CLK_TCK)" "$BASE" "$BIN" <<'EOF'
import statistics, sys
path, tck, base, cand = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
rounds = {}
for line in open(path):
    r, name, ticks, requests, errors = line.split()
    rounds.setdefault(int(r), {})[name] = (int(ticks) / tck, int(requests), int(errors))
print(f"A = {base}\nB = {cand}")
print("round  A µs/req  B µs/req  B/A    requests A/B  errors A/B")
ratios = []
for r in sorted(rounds):
    a, b = rounds[r]["a"], rounds[r]["b"]
    ua, ub = a[0] / a[1] * 1e6, b[0] / b[1] * 1e6
    ratios.append(ub / ua)
    print(f"{r:5}  {ua:8.1f}  {ub:8.1f}  {ub / ua:5.3f}  {a[1]}/{b[1]}  {a[2]}/{b[2]}")
print(f"median B/A: {statistics.median(ratios):.3f} over {len(ratios)} rounds")
EOF
