#!/usr/bin/env bash
# The memory benchmark: does the gateway's resident memory stay flat while comparisons are
# mismatches that store records? Builds the release binary (or takes BIN), then starts:
#   - the demo's legacy engine (MCI, live) and its new engine (HTTP, shadow);
#   - one gateway with shadow and comparison on every frame, the store on the local disk;
# and drives it with `shadowgate loadgen` for MINUTES minutes, sampling the gateway's VmRSS from
# /proc/PID/status every SAMPLE_SECS seconds. Two modes:
#   - closed loop (default, RATE unset): the highest rate the machine sustains, and no ignore rule
#     for `header.sent_at` (the new engine's is always in another time zone), so 100 % of the
#     comparisons are mismatches that store a record: the store's worst case;
#   - fixed rate (RATE=3000: issue 19's goal, "≤ 64 MiB at 3,000 frames/s with mismatches, flat
#     over 10 minutes"): open loop at RATE frames/s over RATE_CONNECTIONS connections with the
#     rules of tests/bench/compare.sh (the demo's engines then disagree on ≈10 %), the gateway
#     pinned to core PROXY_CPU and the engines and load to LOAD_CPU, as compare.sh does.
# Prints RSS at 1 minute and at the end (each the mean of 30 s of samples), the growth between
# them (goal: at most 10 %), the end against issue 19's 64 MiB, the records stored, their bytes
# (JSON and stored) and the store's drops; with SMAPS=1, where the resident memory is at the end
# by kind of mapping (tests/bench/smaps_report.py: binary, thread stacks, allocator, ...).
# Requires: cargo (unless BIN is given), python3, Linux /proc (taskset in the fixed-rate mode).
# Knobs: MINUTES (default 10), SAMPLE_SECS (5), CONNECTIONS (16), PIPELINE (4), RATE (unset),
# RATE_CONNECTIONS (4), MISMATCHES (`all` closed loop, `demo` at a fixed rate: the demo's ≈10 %),
# PROXY_CPU / LOAD_CPU (0 / 1 at a fixed rate, unpinned closed loop; empty: unpinned), CACHE_MIB
# (the store's cache_mib, default: the gateway's default), SMAPS (0), GATEWAY_ENV (variables
# for the gateway only, e.g. "MIMALLOC_PURGE_DELAY=0"), BIN (a built binary), BENCH_PORT (base
# port), MIN_FREE_GIB (default 5: the load stops early, and says so, when the store's disk has
# less free space than this; 100 % mismatches stored ≈0.25 GB a minute compressed, ≈1.3 GB
# before).
set -euo pipefail
cd "$(dirname "$0")/../.."

MINUTES=${MINUTES:-10}
SAMPLE_SECS=${SAMPLE_SECS:-5}
CONNECTIONS=${CONNECTIONS:-16}
PIPELINE=${PIPELINE:-4}
PORT=${BENCH_PORT:-17300}
MIN_FREE_GIB=${MIN_FREE_GIB:-5}
RATE=${RATE:-}
RATE_CONNECTIONS=${RATE_CONNECTIONS:-4}
if [ -n "$RATE" ]; then
  MISMATCHES=${MISMATCHES:-demo}
  PROXY_CPU=${PROXY_CPU-0}
  LOAD_CPU=${LOAD_CPU-1}
else
  MISMATCHES=${MISMATCHES:-all}
  PROXY_CPU=${PROXY_CPU-}
  LOAD_CPU=${LOAD_CPU-}
fi
on_proxy_cpu=() on_load_cpu=()
[ -n "$PROXY_CPU" ] && on_proxy_cpu=(taskset -c "$PROXY_CPU")
[ -n "$LOAD_CPU" ] && on_load_cpu=(taskset -c "$LOAD_CPU")
read -r -a gateway_env <<<"${GATEWAY_ENV:-}"

# shellcheck source=tests/bench/lib.sh
source tests/bench/lib.sh
bench_binary
bench_workdir

legacy=127.0.0.1:$((PORT + 1))
modern=127.0.0.1:$((PORT + 2))
gw=127.0.0.1:$((PORT + 100))
admin=127.0.0.1:$((PORT + 200))

"${on_load_cpu[@]}" "$BIN" demo-engine --kind legacy --listen "$legacy" 2>>"$work/engines.log" & pids+=($!)
"${on_load_cpu[@]}" "$BIN" demo-engine --kind modern --listen "$modern" 2>>"$work/engines.log" & pids+=($!)

cache_line=""
[ -n "${CACHE_MIB:-}" ] && cache_line="cache_mib = $CACHE_MIB"
rules=()
case $MISMATCHES in
  # No ignore rule for header.sent_at: every comparison is a mismatch and stores a record.
  all) rules=(rules="[strategies.loan-screening.rules]") ;;
  demo) ;; # bench_gateway_toml's default: compare.sh's rules
  *) echo "MISMATCHES is all or demo, not $MISMATCHES" >&2; exit 1 ;;
esac
bench_gateway_toml mci="$gw" admin="$admin" live_mci="$legacy" shadow="$modern" \
  "${rules[@]}" store="$work/store" store_lines="$cache_line" >"$work/gateway.toml"
bench_start_gateway "$work/gateway.toml" "$work/gateway.log" env "${gateway_env[@]}" "${on_proxy_cpu[@]}" "$BIN"
gateway=$started

for a in "$legacy" "$modern" "$gw" "$admin"; do wait_port "$a"; done

seconds=$((MINUTES * 60))
if [ -n "$RATE" ]; then
  echo "memory: ${MINUTES} min open loop at $RATE frames/s over $RATE_CONNECTIONS connections, mismatches: $MISMATCHES" >&2
  drive=(--connections "$RATE_CONNECTIONS" --rate "$RATE" --max-failed-ratio 1)
else
  echo "memory: ${MINUTES} min closed loop, $CONNECTIONS connections × $PIPELINE in flight, mismatches: $MISMATCHES" >&2
  drive=(--connections "$CONNECTIONS" --pipeline "$PIPELINE")
fi
"${on_load_cpu[@]}" "$BIN" loadgen --address "$gw" "${drive[@]}" --duration "$seconds" --json >"$work/load.json" &
load=$!
pids+=("$load")
start=$(date +%s)
echo "0 $(rss_kib "$gateway")" >"$work/rss.txt"
free_gib() { df -Pk "$work" | awk 'NR == 2 {print int($4 / 1048576)}'; }
while kill -0 "$load" 2>/dev/null; do
  sleep "$SAMPLE_SECS"
  kill -0 "$gateway" 2>/dev/null || { echo "the gateway died; log in $work" >&2; exit 1; }
  echo "$(($(date +%s) - start)) $(rss_kib "$gateway")" >>"$work/rss.txt"
  # Overwritten at every sample, so the one printed is the last taken under load.
  if [ "${SMAPS:-0}" = 1 ]; then python3 tests/bench/smaps_report.py "$gateway" >"$work/smaps.txt" || true; fi
  if [ "$(free_gib)" -lt "$MIN_FREE_GIB" ]; then
    echo "stopped early at $(($(date +%s) - start)) s: less than $MIN_FREE_GIB GiB free for the store" >&2
    kill -INT "$load" 2>/dev/null || true
    break
  fi
done
wait "$load" || true
echo "store on disk: $(du -sh "$work/store" | cut -f1)" >&2
http_get "http://$admin/api/v1/summary" >"$work/summary.json"
http_get "http://$admin/metrics" >"$work/metrics.txt"

python3 - "$work" "$RATE" <<'EOF'
import json, os, sys
work = sys.argv[1]
samples = [tuple(int(x) for x in l.split()) for l in open(os.path.join(work, "rss.txt")) if l.strip()]
try:
    load = json.load(open(os.path.join(work, "load.json")))["targets"][0]
except (OSError, ValueError, KeyError, IndexError):
    # The load generator was stopped early (disk guard) before it wrote its summary.
    load = None
summary = json.load(open(os.path.join(work, "summary.json")))
s = next((x for x in summary.get("strategies", []) if x.get("strategy") == "loan-screening"), {})
metrics = {}
for line in open(os.path.join(work, "metrics.txt")):
    if line.startswith("shadowgate_store_") and not line.startswith("#"):
        name, value = line.rsplit(" ", 1)
        metrics[name] = float(value)
mib = lambda kib: kib / 1024
# Single samples swing by ±10 % (allocator and sled's I/O buffers come and go), so "at 1 min" is
# the mean of the samples in [60 s, 90 s) and "at the end" the mean of the last 30 s.
def mean(window):
    values = [kib for t, kib in samples if window(t)] or [samples[-1][1]]
    return sum(values) / len(values)
last = samples[-1][0]
at_minute = mean(lambda t: 60 <= t < 90)
end = mean(lambda t: t > last - 30)
growth = 100.0 * (end - at_minute) / at_minute
if load:
    print(f"load: {load['sent']} frames in {samples[-1][0]} s, {load['throughput']:.0f} frames/s "
          f"{'at a fixed rate' if sys.argv[2] else 'closed loop'}, "
          f"p99 {load['latency_us']['p99']} µs")
    e = load["errors"]
    bad = e["timeouts"] + sum(e["error_frames"].values()) + e["connection_errors"] + e["lost"] + e["undecodable"]
    print(f"  live errors: {bad}")
else:
    print(f"load: stopped early after {samples[-1][0]} s (no load generator summary)")
stored = int(metrics.get('shadowgate_store_records_total{kind="mismatch"}', 0))
dropped = ", ".join(k.split('"')[1] + f" {int(v)}" for k, v in metrics.items()
                    if k.startswith("shadowgate_store_dropped_total"))
print(f"store: {s.get('mismatches', '?')} mismatches counted, {stored} records stored, dropped: {dropped}")
raw = metrics.get('shadowgate_store_record_bytes_total{form="raw"}', 0)
packed = metrics.get('shadowgate_store_record_bytes_total{form="stored"}', 0)
if packed:
    print(f"record bytes: {raw / 1e9:.2f} GB as JSON, {packed / 1e9:.2f} GB stored (zstd, {raw / packed:.2f}x)")
print("RSS (MiB) every sample: " + " ".join(f"{mib(k):.0f}" for _, k in samples))
print(f"RSS at start {mib(samples[0][1]):.1f} MiB, at 1 min (mean of 60-90 s) {mib(at_minute):.1f} MiB, "
      f"at the end (mean of the last 30 s, run {last} s) {mib(end):.1f} MiB, peak {mib(max(k for _, k in samples)):.1f} MiB")
# The two windows overlap unless the run lasts past 2 minutes: growth is then not measured.
if last >= 120:
    print(f"goal RSS growth after the first minute <= 10 %: {growth:+.1f} %, "
          f"{'met' if growth <= 10 else 'NOT met'}")
else:
    print(f"goal RSS growth after the first minute: not measured in a {last} s run "
          f"(the 1-minute and end windows overlap; run MINUTES=3 or more)")
print(f"goal (issue 19) RSS <= 64 MiB at the end: {mib(end):.1f} MiB, {'met' if mib(end) <= 64 else 'NOT met'}"
      f"; peak {'<=' if max(k for _, k in samples) <= 64 * 1024 else '>'} 64 MiB")
smaps = os.path.join(work, "smaps.txt")
if os.path.exists(smaps):
    print(open(smaps).read(), end="")
EOF
