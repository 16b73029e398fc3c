#!/usr/bin/env bash
# The memory benchmark: does the gateway's resident memory stay flat while every comparison is a
# mismatch, so every one stores a record? Builds the release binary (or takes BIN), then starts:
#   - the demo's legacy engine (MCI, live) and its new engine (HTTP, shadow); the new engine's
#     `header.sent_at` is always in another time zone and this config does not ignore it, so 100 %
#     of the comparisons are mismatches;
#   - one gateway with shadow and comparison on every frame, the store on the local disk;
# and drives it closed loop with `shadowgate loadgen` (the highest rate the machine sustains) for
# MINUTES minutes, sampling the gateway's VmRSS from /proc/PID/status every SAMPLE_SECS seconds.
# Prints RSS at 1 minute and at the end (each the mean of 30 s of samples), the growth between
# them (goal: at most 10 %), the records stored, their bytes (JSON and stored) and the store's
# drops.
# Requires: cargo (unless BIN is given), python3, Linux /proc.
# Knobs: MINUTES (default 10), SAMPLE_SECS (5), CONNECTIONS (16), PIPELINE (4), CACHE_MIB (the
# store's cache_mib, default: the gateway's default), BIN (a built binary), BENCH_PORT (base port),
# MIN_FREE_GIB (default 5: the load stops early, and says so, when the store's disk has less free
# space than this; 100 % mismatches stored ≈0.25 GB a minute compressed, ≈1.3 GB before).
set -euo pipefail
cd "$(dirname "$0")/../.."

MINUTES=${MINUTES:-10}
SAMPLE_SECS=${SAMPLE_SECS:-5}
CONNECTIONS=${CONNECTIONS:-16}
PIPELINE=${PIPELINE:-4}
PORT=${BENCH_PORT:-17300}
MIN_FREE_GIB=${MIN_FREE_GIB:-5}

# shellcheck source=tests/bench/lib.sh
source tests/bench/lib.sh
bench_binary
bench_workdir

legacy=127.0.0.1:$((PORT + 1))
modern=127.0.0.1:$((PORT + 2))
gw=127.0.0.1:$((PORT + 100))
admin=127.0.0.1:$((PORT + 200))

"$BIN" demo-engine --kind legacy --listen "$legacy" 2>>"$work/engines.log" & pids+=($!)
"$BIN" demo-engine --kind modern --listen "$modern" 2>>"$work/engines.log" & pids+=($!)

cache_line=""
[ -n "${CACHE_MIB:-}" ] && cache_line="cache_mib = $CACHE_MIB"
# No ignore rule for header.sent_at: every comparison is a mismatch and stores a record.
bench_gateway_toml mci="$gw" admin="$admin" live_mci="$legacy" shadow="$modern" \
  rules="[strategies.loan-screening.rules]" store="$work/store" store_lines="$cache_line" \
  >"$work/gateway.toml"
bench_start_gateway "$work/gateway.toml" "$work/gateway.log" "$BIN"
gateway=$started

for a in "$legacy" "$modern" "$gw" "$admin"; do wait_port "$a"; done

seconds=$((MINUTES * 60))
echo "memory: ${MINUTES} min closed loop, $CONNECTIONS connections × $PIPELINE in flight, 100 % mismatches" >&2
"$BIN" loadgen --address "$gw" --connections "$CONNECTIONS" --pipeline "$PIPELINE" \
  --duration "$seconds" --json >"$work/load.json" &
load=$!
pids+=("$load")
start=$(date +%s)
echo "0 $(rss_kib "$gateway")" >"$work/rss.txt"
free_gib() { df -Pk "$work" | awk 'NR == 2 {print int($4 / 1048576)}'; }
while kill -0 "$load" 2>/dev/null; do
  sleep "$SAMPLE_SECS"
  kill -0 "$gateway" 2>/dev/null || { echo "the gateway died; log in $work" >&2; exit 1; }
  echo "$(($(date +%s) - start)) $(rss_kib "$gateway")" >>"$work/rss.txt"
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

python3 - "$work" <<'EOF'
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
    print(f"load: {load['sent']} frames in {samples[-1][0]} s, {load['throughput']:.0f} frames/s closed loop, "
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
print(f"goal RSS growth after the first minute <= 10 %: {growth:+.1f} %, "
      f"{'met' if growth <= 10 else 'NOT met'}")
EOF
