#!/usr/bin/env bash
# Instructions per request (issue 19): each given shadowgate binary runs alone under callgrind
# with the demo's engines, and the instructions it executes for a fixed number of requests are
# counted. Unlike CPU time, the count barely moves with the machine's load (about 1 % between
# runs of one build on a shared VM), so it compares two builds where a 3 % change is inside the
# spread of `compare.sh` and `ab.sh`. It says nothing about the kernel's share (system calls,
# wake-ups): those are `compare.sh`'s.
#
# MODE=http (default): the HTTP ingress, `POST /v1/strategies/loan-screening`, with the demo's
# legacy policy behind the HTTP contract live and its new engine as the HTTP shadow (compare +
# store, ~10 % mismatches); requests from `demo-engine --kind legacy --print-requests`, sent on 4
# keep-alive connections in turn. MODE=mci: MCI frames from `shadowgate loadgen` (4 connections)
# to the legacy MCI engine live, the same HTTP shadow. Each run: the gateway under `taskset -c
# $PROXY_CPU valgrind --tool=callgrind`, $WARMUP requests, `callgrind_control -z` (counts
# zeroed), $REQUESTS requests, `callgrind_control -d` (dumped); the printed number is the dump's
# total ÷ $REQUESTS. Binaries are measured in turn, $ROUNDS times (A B A B …).
#
# Usage: tests/bench/callgrind.sh BINARY... (e.g. the base build's and this checkout's)
# Knobs: MODE (http), ROUNDS (1), WARMUP (200), REQUESTS (2000), PROXY_CPU (0), BENCH_PORT (18400:
# it uses the 5 ports above it), OUT (a directory to keep the callgrind files in, for
# `callgrind_annotate --inclusive=yes FILE`; default: removed with the work dir), KEEP_WORK=1.
# Installs valgrind with `apt-get install --no-install-recommends` when it is missing; needs
# python3, taskset, Linux /proc.
set -euo pipefail
cd "$(dirname "$0")/../.."
# shellcheck source=tests/bench/lib.sh
source tests/bench/lib.sh

[ "$#" -ge 1 ] || { echo "usage: $0 BINARY..." >&2; exit 2; }
MODE=${MODE:-http}
ROUNDS=${ROUNDS:-1}
WARMUP=${WARMUP:-200}
REQUESTS=${REQUESTS:-2000}
PROXY_CPU=${PROXY_CPU:-0}
PORT=${BENCH_PORT:-18400}
case $MODE in http | mci) ;; *) echo "MODE is http or mci, not $MODE" >&2; exit 2 ;; esac
if ! command -v valgrind >/dev/null || ! command -v callgrind_control >/dev/null; then
  sudo_cmd=""; [ "$(id -u)" -ne 0 ] && sudo_cmd="sudo"
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq --no-install-recommends valgrind
fi

bench_workdir
live_http=127.0.0.1:$((PORT + 1)) live_mci=127.0.0.1:$((PORT + 2)) shadow=127.0.0.1:$((PORT + 3))
gateway=127.0.0.1:$((PORT + 4)) admin=127.0.0.1:$((PORT + 5))
engine=$1
"$engine" demo-engine --kind legacy-http --listen "$live_http" 2>>"$work/engines.log" & pids+=($!)
"$engine" demo-engine --kind legacy --listen "$live_mci" 2>>"$work/engines.log" & pids+=($!)
"$engine" demo-engine --kind modern --listen "$shadow" 2>>"$work/engines.log" & pids+=($!)
"$engine" demo-engine --kind legacy --print-requests 1000 >"$work/requests.jsonl"
for a in "$live_http" "$live_mci" "$shadow"; do wait_port "$a"; done

# drive COUNT BINARY: sends COUNT requests (or frames) to the gateway and checks every answer.
drive() {
  if [ "$MODE" = http ]; then
    python3 - "$gateway" "$work/requests.jsonl" "$1" <<'EOF'
import http.client, sys
host, port = sys.argv[1].rsplit(":", 1)
lines = open(sys.argv[2], encoding="utf-8").read().splitlines()
connections = [http.client.HTTPConnection(host, int(port), timeout=60) for _ in range(4)]
for i in range(int(sys.argv[3])):
    connection = connections[i % 4]
    connection.request("POST", "/v1/strategies/loan-screening",
                       body=lines[i % len(lines)].encode(),
                       headers={"content-type": "application/json"})
    answer = connection.getresponse()
    answer.read()
    if answer.status != 200:
        sys.exit(f"request {i}: HTTP {answer.status}")
EOF
  else
    "$2" loadgen --address "$gateway" --connections 4 --requests "$1" --timeout-ms 60000 \
      --max-failed-ratio 0 >/dev/null
  fi
}

# measure BINARY INDEX: one run; prints instructions per request.
measure() {
  local bin=$1 out="$work/callgrind.$2" gw_pid total
  if [ "$MODE" = http ]; then
    bench_gateway_toml http="$gateway" admin="$admin" live_name=live live_http="$live_http" \
      shadow="$shadow" store="$work/store.$2" >"$work/gateway.toml"
  else
    bench_gateway_toml mci="$gateway" admin="$admin" live_name=live live_mci="$live_mci" \
      shadow="$shadow" store="$work/store.$2" >"$work/gateway.toml"
  fi
  taskset -c "$PROXY_CPU" valgrind --tool=callgrind --callgrind-out-file="$out" \
    "$bin" run --config "$work/gateway.toml" 2>"$work/gateway.$2.log" &
  gw_pid=$!
  pids+=("$gw_pid")
  # Under valgrind the gateway starts in seconds, not milliseconds.
  for _ in $(seq 600); do (exec 3<>"/dev/tcp/${gateway%:*}/${gateway#*:}") 2>/dev/null && break; sleep 0.1; done
  wait_port "$gateway"
  drive "$WARMUP" "$bin"
  callgrind_control -z "$gw_pid" >/dev/null 2>&1
  drive "$REQUESTS" "$bin"
  callgrind_control -d "$gw_pid" >/dev/null 2>&1
  kill "$gw_pid"
  wait "$gw_pid" 2>/dev/null || true
  # `-d` wrote "$out.1"; "$out" itself is written at exit and counts the shutdown too.
  total=$(awk '/^summary:/ {print $2}' "$out.1")
  if [ -n "${OUT:-}" ]; then mkdir -p "$OUT" && cp "$out".* "$OUT/"; fi
  echo $((total / REQUESTS))
}

echo "instructions per $MODE request ($REQUESTS after $WARMUP warm-up), by binary:"
index=0
for round in $(seq "$ROUNDS"); do
  for bin in "$@"; do
    index=$((index + 1))
    echo "round $round  $(measure "$bin" "$index")  $bin"
  done
done
