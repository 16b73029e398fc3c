#!/usr/bin/env bash
# Heap allocations per frame of two shadowgate builds (issue 19), in one run: the gateway's
# calls into mimalloc (`mi_malloc_aligned`, `mi_zalloc_aligned`, `mi_realloc_aligned`: what
# Rust's global allocator calls) counted with uprobes (`perf probe`, `perf stat -p`) on the
# release binaries as they run, so the product keeps its allocator and nothing is rebuilt to
# count. Only the gateway's process is counted: the demo engines and `loadgen` are processes of
# their own. Targets, each at $RATE frames/s for $SECS seconds after a warm-up, $ROUNDS rounds
# alternating: BASE and NEW with the shadow on (MCI live engine, the demo's HTTP engine as
# shadow, compare + store, ~10 % mismatches), and both without a shadow. Printed: allocations
# (and reallocations) per frame, medians over the rounds, and NEW ÷ BASE.
# Needs root (uprobes; tracefs is mounted when it is not). A uprobe costs a trap per call:
# CPU and latency of this run mean nothing, counts are exact.
# Knobs: BASE (required), BIN (built if not given), ROUNDS (3), SECS (5), RATE (1000),
# BENCH_PORT (17800), KEEP_WORK=1.
set -euo pipefail
cd "$(dirname "$0")/../.."
# shellcheck source=tests/bench/lib.sh
source tests/bench/lib.sh

: "${BASE:?set BASE to the baseline release binary}"
ROUNDS=${ROUNDS:-3}
SECS=${SECS:-5}
RATE=${RATE:-1000}
PORT=${BENCH_PORT:-17800}
PATH="$PATH:/usr/sbin"
command -v perf >/dev/null || { echo "allocs.sh needs perf (apt-get install linux-perf)" >&2; exit 1; }
bench_binary
bench_workdir
[ -e /sys/kernel/tracing/uprobe_events ] || mount -t tracefs nodev /sys/kernel/tracing
group=sgallocs$$
probes() { perf probe -q -d "$group:*" 2>/dev/null || true; }
trap 'probes; bench_cleanup' EXIT
for build in base new; do
  binary=$BIN
  [ "$build" = base ] && binary=$BASE
  for fn in malloc zalloc realloc; do
    perf probe -q -x "$binary" --add "$group:${build}_$fn=mi_${fn}_aligned"
  done
done

live=127.0.0.1:$((PORT + 1))
shadow=127.0.0.1:$((PORT + 2))
"$BIN" demo-engine --kind legacy --listen "$live" 2>>"$work/engines.log" & pids+=($!)
"$BIN" demo-engine --kind modern --listen "$shadow" 2>>"$work/engines.log" & pids+=($!)
targets=()
index=0
for build in base new; do
  binary=$BIN
  [ "$build" = base ] && binary=$BASE
  for mode in on off; do
    shadow_lines=()
    [ "$mode" = on ] || shadow_lines=(shadow_lines=)
    bench_gateway_toml mci="127.0.0.1:$((PORT + 10 + index))" admin="127.0.0.1:$((PORT + 30 + index))" \
      live_name=live live_mci="$live" shadow="$shadow" "${shadow_lines[@]}" \
      store="$work/store-$build-$mode" >"$work/$build-$mode.toml"
    bench_start_gateway "$work/$build-$mode.toml" "$work/$build-$mode.log" "$binary"
    targets+=("$build-$mode 127.0.0.1:$((PORT + 10 + index)) $started $build")
    index=$((index + 1))
  done
done
for t in "${targets[@]}"; do read -r _ address _ <<<"$t"; wait_port "$address"; done
wait_port "$live"
wait_port "$shadow"
bench_check_alive

loadgen() { "$BIN" loadgen --address "$1" --duration "$2" --json --max-failed-ratio 1 --connections 4 --rate "$RATE"; }
echo "warm-up: 1 s per target" >&2
for t in "${targets[@]}"; do read -r _ address _ <<<"$t"; loadgen "$address" 1 >/dev/null; done
results=$work/results.jsonl
for round in $(seq "$ROUNDS"); do
  echo "round $round/$ROUNDS" >&2
  for t in "${targets[@]}"; do
    read -r name address pid build <<<"$t"
    events=$(printf "$group:${build}_%s," malloc zalloc realloc)
    perf stat -x, -e "${events%,}" -p "$pid" -o "$work/stat.csv" & stat=$!
    sleep 0.3
    loadgen "$address" "$SECS" >"$work/out.json"
    # A shadow comparison ends after its live answer: let the last ones finish before counting.
    sleep 0.5
    kill -INT "$stat"
    wait "$stat" || true
    python3 - "$name" "$round" "$work/stat.csv" "$work/out.json" >>"$results" <<'PY'
import json, sys
name, round_, stat, out = sys.argv[1:]
counts = {}
for line in open(stat):
    parts = line.strip().split(",")
    if len(parts) > 2 and parts[0].isdigit():
        counts[parts[2].rsplit("_", 1)[-1]] = int(parts[0])
t = json.load(open(out))["targets"][0]
frames = max(t["sent"], 1)
print(json.dumps({"target": name, "round": int(round_), "frames": t["sent"],
    "allocs": (counts.get("malloc", 0) + counts.get("zalloc", 0)) / frames,
    "reallocs": counts.get("realloc", 0) / frames}))
PY
  done
done
python3 - "$results" <<'PY'
import json, statistics, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
med = lambda xs: statistics.median(xs)
m = {}
print(f"{'target':<9} {'allocs/frame':>12} {'reallocs/frame':>14}   (medians of {max(r['round'] for r in rows)} rounds)")
for name in dict.fromkeys(r["target"] for r in rows):
    sel = [r for r in rows if r["target"] == name]
    m[name] = {k: med([r[k] for r in sel]) for k in ("allocs", "reallocs")}
    print(f"{name:<9} {m[name]['allocs']:>12.1f} {m[name]['reallocs']:>14.2f}")
for mode in ("on", "off"):
    b, n = m[f"base-{mode}"], m[f"new-{mode}"]
    print(f"new ÷ base, shadow {mode}: allocs/frame {n['allocs'] / b['allocs']:.2f}")
PY
