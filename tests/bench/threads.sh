#!/usr/bin/env bash
# Where a frame's time goes, thread by thread (issue 19's "live first"): one shadowgate gateway at a
# fixed rate, shadow on and off, and for each run
# - every thread's CPU time, run-queue delay (time runnable but not running) and times scheduled,
#   per frame, from /proc/PID/task/TID/schedstat (no root, no perf);
# - from the gateway's own histograms (/metrics), the share of frames above 100/250/500/1000 µs
#   for the whole request (`shadowgate_request_duration_seconds`) and for each engine call
#   (`shadowgate_upstream_duration_seconds`, live and shadow): a tail the live engine's call has
#   too is made outside the gateway's work before and after that call;
# - loadgen's latency line (from each frame's intended send time).
# Pinned as tests/bench/compare.sh: the gateway on core $PROXY_CPU, the demo engines and
# `shadowgate loadgen` on core $LOAD_CPU. Runs alternate shadow on / off, $ROUNDS rounds.
# Knobs: BIN (built if not given), RATE (3000), SECS (5), ROUNDS (2), EXTRA (TOML lines appended
# to the shadow-on gateway's config, e.g. $'[shadow]\nworkers = 0'), SHADOW_CPU (the shadow
# engine's core, $LOAD_CPU by default), SHADOW_PREFIX (a command the shadow engine runs under,
# e.g. "chrt --idle 0"), BENCH_PORT (17800: it uses the ports above it up to +21), PROXY_CPU (0),
# LOAD_CPU (1), KEEP_WORK=1.
set -euo pipefail
cd "$(dirname "$0")/../.."
# shellcheck source=tests/bench/lib.sh
source tests/bench/lib.sh

RATE=${RATE:-3000}
SECS=${SECS:-5}
ROUNDS=${ROUNDS:-2}
PORT=${BENCH_PORT:-17800}
PROXY_CPU=${PROXY_CPU:-0}
LOAD_CPU=${LOAD_CPU:-1}
SHADOW_CPU=${SHADOW_CPU:-$LOAD_CPU}
read -r -a shadow_prefix <<<"${SHADOW_PREFIX:-}"
bench_binary
bench_workdir

live=127.0.0.1:$((PORT + 1))
shadow=127.0.0.1:$((PORT + 2))
taskset -c "$LOAD_CPU" "$BIN" demo-engine --kind legacy --listen "$live" 2>>"$work/engines.log" &
pids+=($!)
taskset -c "$SHADOW_CPU" "${shadow_prefix[@]}" "$BIN" demo-engine --kind modern --listen "$shadow" \
  2>>"$work/engines.log" &
pids+=($!)
wait_port "$live"
wait_port "$shadow"

# measure MODE(on|off) ROUND: one gateway, warmed up 1 s, measured for $SECS s at $RATE.
measure() {
  local mode=$1 round=$2 shadow_lines=() extra="" offset=0
  [ "$mode" = off ] && offset=1
  local ingress=127.0.0.1:$((PORT + 10 + offset)) admin=127.0.0.1:$((PORT + 20 + offset))
  local run=$work/$mode-$round
  if [ "$mode" = off ]; then shadow_lines=(shadow_lines=); else extra=${EXTRA:-}; fi
  bench_gateway_toml mci="$ingress" admin="$admin" live_name=live live_mci="$live" shadow="$shadow" \
    "${shadow_lines[@]}" store="$run.store" extra="$extra" >"$run.toml"
  bench_start_gateway "$run.toml" "$run.log" taskset -c "$PROXY_CPU" "$BIN"
  local gateway=$started
  wait_port "$ingress"
  wait_port "$admin"
  taskset -c "$LOAD_CPU" "$BIN" loadgen --address "$ingress" --rate "$RATE" --duration 1 \
    >/dev/null 2>&1 || true
  schedstat "$gateway" >"$run.s0"
  http_get "http://$admin/metrics" >"$run.m0"
  taskset -c "$LOAD_CPU" "$BIN" loadgen --address "$ingress" --rate "$RATE" --duration "$SECS" \
    >"$run.load" 2>&1 || true
  schedstat "$gateway" >"$run.s1"
  http_get "http://$admin/metrics" >"$run.m1"
  kill "$gateway"
  wait "$gateway" 2>/dev/null || true
  echo "shadow $mode, round $round: $(grep -m1 'latency µs' "$run.load" | sed 's/^ *//')"
  python3 - "$run" "$RATE" "$SECS" <<'EOF'
import collections, re, sys
run, rate, secs = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
frames = rate * secs

def threads(path):
    by_name = collections.defaultdict(lambda: [0, 0, 0])
    for line in open(path):
        name, *numbers = line.rsplit(None, 3)
        for i, n in enumerate(numbers):
            by_name[name][i] += int(n)
    return by_name

before, after = threads(run + ".s0"), threads(run + ".s1")
for name, (cpu, delay, slices) in sorted(after.items()):
    cpu0, delay0, slices0 = before.get(name, [0, 0, 0])
    if (cpu - cpu0) / frames < 50:  # below 0.05 µs a frame: idle threads
        continue
    print(f"  thread {name:<16} cpu {(cpu - cpu0) / 1000 / frames:7.1f} µs/frame"
          f"  run-queue delay {(delay - delay0) / 1000 / frames:6.1f} µs/frame"
          f"  scheduled {(slices - slices0) / frames:5.2f}/frame")

def buckets(path):
    found = {}
    for line in open(path):
        m = re.match(r'shadowgate_(request|upstream)_duration_seconds_bucket\{(.*)le="([^"]+)"\} (\S+)', line)
        if m:
            kind, labels, le, count = m.groups()
            found[(kind + " " + labels.rstrip(","), le)] = float(count)
    return found

b0, b1 = buckets(run + ".m0"), buckets(run + ".m1")
for series in sorted({s for s, _ in b1}):
    total = b1[(series, "+Inf")] - b0.get((series, "+Inf"), 0)
    if total == 0:
        continue
    shares = []
    for le in ("0.0001", "0.00025", "0.0005", "0.001"):
        above = total - (b1[(series, le)] - b0.get((series, le), 0))
        shares.append(f">{float(le) * 1e6:.0f} µs {100 * above / total:5.2f} %")
    print(f"  {series:<55} {'  '.join(shares)}")
EOF
}

# schedstat PID: "thread-name cpu_ns run_delay_ns timeslices" for every thread of PID.
schedstat() {
  local task
  for task in /proc/"$1"/task/*; do
    printf '%s %s\n' "$(cat "$task/comm")" "$(cat "$task/schedstat")" 2>/dev/null || true
  done
}

echo "threads.sh: $RATE frames/s, $SECS s, $ROUNDS rounds; load average $(cut -d' ' -f1-3 /proc/loadavg)"
for round in $(seq "$ROUNDS"); do
  measure on "$round"
  measure off "$round"
done
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
