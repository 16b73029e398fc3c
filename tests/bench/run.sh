#!/usr/bin/env bash
# The live-path benchmark: what the gateway adds to a direct call, and what a slow or dead shadow
# changes. Builds the release binary, then starts in this process tree:
#   - the demo's legacy engine (MCI, live) and its new engine (HTTP, shadow), plus a copy of the
#     new engine slowed by +500 ms;
#   - three gateways on the same live engine: shadow on, shadow slowed, shadow down (a port
#     nobody listens on);
# and measures, with `shadowgate loadgen`:
#   1. open loop at $RATE frames/s, the four targets (direct, gateway with shadow on / slow / down)
#      in alternating rounds, so drift on the machine hits them alike;
#   2. the throughput ceiling through the gateway with shadow and comparison on (closed loop),
#      and the same load straight to the live engine for reference;
#   3. the gateway's CPU time per frame, from /proc/<pid>/stat (utime + stime).
# Requires: cargo, python3 (for the tables), Linux /proc. Takes about 3 minutes after the build.
# Knobs: RATE, ROUNDS, ROUND_SECS, CEILING_SECS, CONNECTIONS, BENCH_PORT (base port), BIN (a built
# binary), KEEP_WORK=1 (keep the logs).
set -euo pipefail
cd "$(dirname "$0")/../.."

RATE=${RATE:-1000}
ROUNDS=${ROUNDS:-4}
ROUND_SECS=${ROUND_SECS:-5}
CEILING_SECS=${CEILING_SECS:-10}
CONNECTIONS=${CONNECTIONS:-4}
PORT=${BENCH_PORT:-17000}

# shellcheck source=tests/bench/lib.sh
source tests/bench/lib.sh
bench_binary
bin=$BIN
bench_workdir

legacy=127.0.0.1:$((PORT + 1))
modern=127.0.0.1:$((PORT + 2))
slow=127.0.0.1:$((PORT + 3))
dead=127.0.0.1:$((PORT + 4))

"$bin" demo-engine --kind legacy --listen "$legacy" 2>>"$work/engines.log" & pids+=($!)
"$bin" demo-engine --kind modern --listen "$modern" 2>>"$work/engines.log" & pids+=($!)
"$bin" demo-engine --kind modern --listen "$slow" --delay-ms 500 2>>"$work/engines.log" & pids+=($!)

# gateway NAME INDEX SHADOW_ADDRESS: writes its config and starts it; its pid is in $started
gateway() {
  local name=$1 index=$2 shadow=$3
  bench_gateway_toml mci="127.0.0.1:$((PORT + 100 + index))" admin="127.0.0.1:$((PORT + 200 + index))" \
    live_mci="$legacy" shadow="$shadow" shadow_engine_lines="connect_timeout_ms = 200" \
    store="$work/store-$name" >"$work/$name.toml"
  bench_start_gateway "$work/$name.toml" "$work/$name.log" "$bin"
}
gateway on 1 "$modern"; gw_on=$started
gateway slow 2 "$slow"
gateway dead 3 "$dead"
on=127.0.0.1:$((PORT + 101)); slowgw=127.0.0.1:$((PORT + 102)); deadgw=127.0.0.1:$((PORT + 103))

for a in "$legacy" "$modern" "$slow" "$on" "$slowgw" "$deadgw"; do wait_port "$a"; done

tck=$(getconf CLK_TCK)

cat /proc/loadavg >"$work/loadavg.txt"
echo "phase 1: $RATE frames/s open loop, $ROUNDS rounds × ${ROUND_SECS}s × 4 targets" >&2
before=$(cpu_ticks "$gw_on")
"$bin" loadgen --address "$legacy" --address "$on" --address "$slowgw" --address "$deadgw" \
  --rate "$RATE" --duration "$ROUND_SECS" --rounds "$ROUNDS" --warmup 1 \
  --connections "$CONNECTIONS" --json >"$work/latency.json"
after=$(cpu_ticks "$gw_on")
echo "$before $after" >"$work/cpu-rate.txt"

echo "phase 2: throughput ceiling, closed loop, ${CEILING_SECS}s each" >&2
"$bin" loadgen --address "$legacy" --connections 16 --pipeline 4 --duration "$CEILING_SECS" \
  --json >"$work/ceiling-direct.json"
before=$(cpu_ticks "$gw_on")
"$bin" loadgen --address "$on" --connections 16 --pipeline 4 --duration "$CEILING_SECS" \
  --json >"$work/ceiling.json"
sleep 1 # let the last comparisons finish before reading the counters
after=$(cpu_ticks "$gw_on")
echo "$before $after" >"$work/cpu-ceiling.txt"
cat /proc/loadavg >>"$work/loadavg.txt"
http_get "http://127.0.0.1:$((PORT + 201))/api/v1/summary" >"$work/summary.json"

python3 - "$work" "$tck" <<'EOF'
import json, os, platform, sys
work, tck = sys.argv[1], int(sys.argv[2])
load = lambda name: json.load(open(os.path.join(work, name)))
direct, on, slow, dead = load("latency.json")["targets"]
ceil_direct = load("ceiling-direct.json")["targets"][0]
ceil = load("ceiling.json")["targets"][0]
summary = load("summary.json")
cpu = lambda name: [int(x) for x in open(os.path.join(work, name)).read().split()]
model = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), "?")
print(f"machine: {model}, {os.cpu_count()} cores, Linux {platform.release()}")
print(f"load: open loop at {on['rate']:.0f} frames/s, {on['connections']} connections, "
      f"{on['latency_us']['count']} answers per target, rounds alternating between targets")
for t in (direct, on, slow, dead):
    e = t["errors"]
    bad = e["timeouts"] + sum(e["error_frames"].values()) + e["connection_errors"] + e["lost"] + e["undecodable"]
    if bad:
        print(f"  {t['address']}: {bad} errors {e}")
print()
print("load average before/after: " + " / ".join(" ".join(l.split()[:3]) for l in open(os.path.join(work, "loadavg.txt"))))
print()
print("latency from the intended send time (service time, from the actual write, in brackets)")
print(f"{'':8}{'direct µs':>16}{'gateway µs':>16}{'added µs':>16}{'ratio':>7}")
rows = [("p50", "p50"), ("p90", "p90"), ("p99", "p99"), ("p99.9", "p999"), ("max", "max")]
for label, key in rows:
    d, g = direct["latency_us"][key], on["latency_us"][key]
    ds, gs = direct["service_us"][key], on["service_us"][key]
    cell = lambda a, b: f"{a} ({b})"
    print(f"{label:8}{cell(d, ds):>16}{cell(g, gs):>16}{cell(g - d, gs - ds):>16}{g / d:>7.2f}")
p99 = on["latency_us"]["p99"]
change = lambda t: 100.0 * (t["latency_us"]["p99"] - p99) / p99
print()
print(f"live p99 through the gateway: shadow on {p99} µs, shadow +500 ms {slow['latency_us']['p99']} µs "
      f"({change(slow):+.1f}%), shadow down {dead['latency_us']['p99']} µs ({change(dead):+.1f}%)")
s = next((x for x in summary.get("strategies", []) if x.get("strategy") == "loan-screening"), {})
print(f"throughput ceiling, closed loop 16 connections × 4 in flight: through the gateway with "
      f"shadow and comparison on {ceil['throughput']:.0f} frames/s (p50 {ceil['latency_us']['p50']} µs, "
      f"p99 {ceil['latency_us']['p99']} µs); straight to the live engine {ceil_direct['throughput']:.0f} frames/s")
print(f"  gateway counters after the run: {s.get('comparisons', '?')} comparisons, {s.get('skipped', '?')} skipped "
      f"shadow calls, {s.get('shadow_errors', '?')} shadow errors")
b, a = cpu("cpu-rate.txt")
per_rate = (a - b) / tck / on["sent"] * 1e6 if on["sent"] else float("nan")
b, a = cpu("cpu-ceiling.txt")
per_ceiling = (a - b) / tck / ceil["sent"] * 1e6 if ceil["sent"] else float("nan")
print(f"gateway CPU per frame (user + system, shadow and comparison included): "
      f"{per_rate:.0f} µs at {on['rate']:.0f} frames/s, {per_ceiling:.0f} µs at the ceiling "
      f"(2 cores / that = {2e6 / per_ceiling:,.0f} frames/s if the gateway had the machine alone)")
print()
goal = lambda ok: "met" if ok else "NOT met"
added50 = on["latency_us"]["p50"] - direct["latency_us"]["p50"]
added99 = on["latency_us"]["p99"] - direct["latency_us"]["p99"]
print(f"goal added p50 <= 150 µs at 1,000 frames/s: {added50} µs, {goal(added50 <= 150)}")
print(f"goal added p99 <= 500 µs at 1,000 frames/s: {added99} µs, {goal(added99 <= 500)}")
print(f"goal >= 10,000 frames/s on 2 cores, every request compared: {ceil['throughput']:.0f} frames/s, "
      f"{goal(ceil['throughput'] >= 10000)}")
print(f"goal slow or dead shadow changes live p99 by <= 5%: {change(slow):+.1f}% / {change(dead):+.1f}%, "
      f"{goal(abs(change(slow)) <= 5 and abs(change(dead)) <= 5)}")
EOF
