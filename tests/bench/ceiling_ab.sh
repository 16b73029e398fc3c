#!/usr/bin/env bash
# Same-run A/B at the MCI ceiling: two shadowgate builds (BASE, BIN), each with the shadow on
# (MCI live engine, the demo's HTTP engine as shadow, ~10 % mismatches recorded), pinned to
# core $PROXY_CPU; engines and loadgen on $LOAD_CPU. Closed loop as compare.sh's mci-closed
# (16 connections x 4 in flight); builds alternate within each round. Prints medians of CPU per
# frame and frames/s, and NEW / BASE. Knobs: BASE, BIN (both required), ROUNDS (5), SECS (5),
# BENCH_PORT (17900), PROXY_CPU (0), LOAD_CPU (1), KEEP_WORK=1.
set -euo pipefail
cd "$(dirname "$0")/../.."
# shellcheck source=tests/bench/lib.sh
source tests/bench/lib.sh
: "${BASE:?}" "${BIN:?}"
ROUNDS=${ROUNDS:-5}
SECS=${SECS:-5}
PORT=${BENCH_PORT:-17900}
PROXY_CPU=${PROXY_CPU:-0}
LOAD_CPU=${LOAD_CPU:-1}
bench_workdir
proxy=(taskset -c "$PROXY_CPU")
load=(taskset -c "$LOAD_CPU")
live=127.0.0.1:$((PORT + 1))
shadow=127.0.0.1:$((PORT + 2))
"${load[@]}" "$BIN" demo-engine --kind legacy --listen "$live" 2>>"$work/engines.log" & pids+=($!)
"${load[@]}" "$BIN" demo-engine --kind modern --listen "$shadow" 2>>"$work/engines.log" & pids+=($!)
targets=()
index=0
for build in base new; do
  binary=$BIN
  [ "$build" = base ] && binary=$BASE
  bench_gateway_toml mci="127.0.0.1:$((PORT + 10 + index))" admin="127.0.0.1:$((PORT + 30 + index))" \
    live_name=live live_mci="$live" shadow="$shadow" store="$work/store-$build" >"$work/$build.toml"
  bench_start_gateway "$work/$build.toml" "$work/$build.log" "${proxy[@]}" "$binary"
  targets+=("$build 127.0.0.1:$((PORT + 10 + index)) $started")
  index=$((index + 1))
done
for t in "${targets[@]}"; do read -r _ address _ <<<"$t"; wait_port "$address"; done
wait_port "$live"; wait_port "$shadow"
results=$work/results.jsonl
for t in "${targets[@]}"; do
  read -r _ address _ <<<"$t"
  "${load[@]}" "$BIN" loadgen --address "$address" --duration 1 --json --max-failed-ratio 1 >/dev/null
done
cat /proc/loadavg >"$work/loadavg.txt"
for round in $(seq "$ROUNDS"); do
  order=("${targets[@]}")
  [ $((round % 2)) = 0 ] && order=("${targets[1]}" "${targets[0]}")
  for t in "${order[@]}"; do
    read -r name address pid <<<"$t"
    cpu0=$(cpu_ticks "$pid")
    "${load[@]}" "$BIN" loadgen --address "$address" --duration "$SECS" --json --max-failed-ratio 1 \
      --connections 16 --pipeline 4 >"$work/out.json"
    cpu1=$(cpu_ticks "$pid")
    python3 - "$name" "$round" "$((cpu1 - cpu0))" "$(getconf CLK_TCK)" "$work/out.json" "$SECS" >>"$results" <<'PY'
import json, sys
name, round_, ticks, tck, out, secs = sys.argv[1:]
t = json.load(open(out))["targets"][0]
frames = max(t["sent"], 1)
print(json.dumps({"target": name, "round": int(round_), "frames": t["sent"],
  "ok": t.get("ok", t["sent"]), "cpu_us": int(ticks) / int(tck) * 1e6 / frames,
  "fps": t["sent"] / float(secs)}))
PY
  done
done
cat /proc/loadavg >>"$work/loadavg.txt"
for build in base new; do
  i=0; [ "$build" = new ] && i=1
  http_get "http://127.0.0.1:$((PORT + 30 + i))/metrics" |
    awk -v b="$build" '/^shadowgate_comparisons_total/ {c += $NF; if ($1 ~ /mismatch/) m += $NF}
      /^shadowgate_shadow_skipped_total/ && $NF > 0 {s += $NF; why = why " " $1 " " $NF}
      END {printf "%s: %d comparisons (%d mismatch), %d skipped%s\n", b, c, m, s, why}'
done
python3 - "$results" "$work/loadavg.txt" <<'PY'
import json, statistics, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
print("load average before / after:", " / ".join(" ".join(l.split()[:3]) for l in open(sys.argv[2])))
m = {}
for name in ("base", "new"):
    sel = [r for r in rows if r["target"] == name]
    m[name] = {k: statistics.median(r[k] for r in sel) for k in ("cpu_us", "fps")}
    print(f"{name}: cpu/frame {m[name]['cpu_us']:.1f} us, frames/s {m[name]['fps']:.0f}  rounds:",
          ", ".join(f"{r['cpu_us']:.1f}/{r['fps']:.0f}" for r in sel))
print(f"new / base: cpu per frame {m['new']['cpu_us'] / m['base']['cpu_us']:.3f}, frames/s {m['new']['fps'] / m['base']['fps']:.3f}")
PY
