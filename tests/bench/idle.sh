#!/usr/bin/env bash
# Idle efficiency and live-first under one core (issue 19): two shadowgate builds side by side
# against HAProxy at fixed rates, in one run, targets alternating within each round.
#
# Every proxy is pinned to core $PROXY_CPU, the demo engines and `shadowgate loadgen` to core
# $LOAD_CPU (as tests/bench/compare.sh). Targets: HAProxy `mode tcp`, then for each build (BASE
# and NEW) a gateway with the shadow on (MCI live engine, the demo's HTTP engine as shadow,
# compare + store, ~10 % mismatches) and one without a shadow. For every rate of $RATES and every
# target, an open-loop `loadgen` run of $SECS seconds gives p50/p99 and, from /proc, the proxy's
# CPU time (utime + stime) and its context switches (every thread's voluntary + involuntary) per
# frame. Printed: medians over $ROUNDS rounds, and NEW ÷ BASE and ÷ HAProxy ratios.
# STRACE=1 adds one `strace -c -f` pass per shadow-on gateway at the first rate: syscalls per
# frame by name (strace slows the process: its CPU numbers are not used).
# Knobs: BASE (a built baseline binary; required), BIN (the new binary, built if not given),
# ROUNDS (3), SECS (5), RATES ("1000 3000"), BENCH_PORT (17700), PROXY_CPU (0), LOAD_CPU (1),
# NEW_EXTRA / BASE_EXTRA (TOML lines appended to that build's shadow-on config, e.g. a
# `[shadow]` section), NEW_STORE / BASE_STORE (lines added to its `[store]` section), STRACE (0),
# KEEP_WORK=1.
set -euo pipefail
cd "$(dirname "$0")/../.."
# shellcheck source=tests/bench/lib.sh
source tests/bench/lib.sh

: "${BASE:?set BASE to the baseline release binary}"
ROUNDS=${ROUNDS:-3}
SECS=${SECS:-5}
RATES=${RATES:-1000 3000}
PORT=${BENCH_PORT:-17700}
PROXY_CPU=${PROXY_CPU:-0}
LOAD_CPU=${LOAD_CPU:-1}
read -r -a rates <<<"$RATES"
PATH="$PATH:/usr/sbin"
bench_binary
bench_workdir
proxy=(taskset -c "$PROXY_CPU")
load=(taskset -c "$LOAD_CPU")

live=127.0.0.1:$((PORT + 1))
shadow=127.0.0.1:$((PORT + 2))
haproxy_tcp=127.0.0.1:$((PORT + 3))
"${load[@]}" "$BIN" demo-engine --kind legacy --listen "$live" 2>>"$work/engines.log" & pids+=($!)
"${load[@]}" "$BIN" demo-engine --kind modern --listen "$shadow" 2>>"$work/engines.log" & pids+=($!)
bench_haproxy_tcp "$haproxy_tcp" "$live" "${proxy[@]}"

# gateway NAME BINARY INDEX SHADOW(yes|no) EXTRA STORE_EXTRA: one shadowgate on port PORT+10+INDEX (admin
# PORT+30+INDEX) with the rules of compare.sh; its pid in $started.
gateway() {
  local name=$1 binary=$2 index=$3 with_shadow=$4 extra=$5 store_extra=$6 shadow_lines=()
  [ "$with_shadow" = yes ] || shadow_lines=(shadow_lines=)
  bench_gateway_toml mci="127.0.0.1:$((PORT + 10 + index))" admin="127.0.0.1:$((PORT + 30 + index))" \
    live_name=live live_mci="$live" shadow="$shadow" "${shadow_lines[@]}" store="$work/store-$name" \
    store_lines="$store_extra" extra="$extra" >"$work/$name.toml"
  bench_start_gateway "$work/$name.toml" "$work/$name.log" "${proxy[@]}" "$binary"
}
targets=("direct $live -" "haproxy $haproxy_tcp $haproxy_pid")
index=0
for build in base new; do
  binary=$BIN extra=${NEW_EXTRA:-} store=${NEW_STORE:-}
  [ "$build" = base ] && binary=$BASE extra=${BASE_EXTRA:-} store=${BASE_STORE:-}
  for mode in on off; do
    with=yes
    [ "$mode" = off ] && with=no extra=""
    gateway "$build-$mode" "$binary" "$index" "$with" "$extra" "$store"
    targets+=("$build-$mode 127.0.0.1:$((PORT + 10 + index)) $started")
    index=$((index + 1))
  done
done
for t in "${targets[@]}"; do read -r _ address _ <<<"$t"; wait_port "$address"; done
wait_port "$live"
wait_port "$shadow"
for pid in "${pids[@]}"; do
  kill -0 "$pid" 2>/dev/null || { echo "a process exited at start; logs in $work" >&2; exit 1; }
done

# ticks PID|-: cpu_ticks, 0 for "-" (the direct target has no proxy).
ticks() { if [ "$1" = - ]; then echo 0; else cpu_ticks "$1"; fi; }
# switches PID: voluntary + involuntary context switches of every thread of PID.
switches() { [ "$1" = - ] && { echo 0; return; }; cat /proc/"$1"/task/*/status 2>/dev/null | awk '/ctxt_switches/ {s += $2} END {print s}'; }
# by_thread PID: "name switches" per thread (for where the switches are).
by_thread() {
  local task
  [ "$1" = - ] && return 0
  for task in /proc/"$1"/task/*; do
    # A thread may end between the listing and the reads (sled starts and ends I/O threads).
    printf '%s %s\n' "$(tr ' ' _ <"$task/comm" 2>/dev/null)" \
      "$(awk '/ctxt_switches/ {s += $2} END {print s}' "$task/status" 2>/dev/null)"
  done
}
loadgen() { "${load[@]}" "$BIN" loadgen --address "$1" --duration "$SECS" --json --max-failed-ratio 1 --connections 4 --rate "$2"; }
results=$work/results.jsonl
echo "warm-up: 1 s per target" >&2
for t in "${targets[@]}"; do
  read -r _ address _ <<<"$t"
  "${load[@]}" "$BIN" loadgen --address "$address" --duration 1 --json --max-failed-ratio 1 >/dev/null
done
cat /proc/loadavg >"$work/loadavg.txt"
for round in $(seq "$ROUNDS"); do
  echo "round $round/$ROUNDS" >&2
  for rate in "${rates[@]}"; do
    for t in "${targets[@]}"; do
      read -r name address pid <<<"$t"
      by_thread "$pid" >"$work/threads-before"
      cpu0=$(ticks "$pid") sw0=$(switches "$pid")
      loadgen "$address" "$rate" >"$work/out.json"
      cpu1=$(ticks "$pid") sw1=$(switches "$pid")
      by_thread "$pid" >"$work/threads-after"
      python3 - "$name" "$round" "$rate" "$((cpu1 - cpu0))" "$((sw1 - sw0))" "$(getconf CLK_TCK)" \
        "$work/out.json" "$work/threads-before" "$work/threads-after" >>"$results" <<'EOF'
import json, sys
name, round_, rate, ticks, sw, tck, out, before, after = sys.argv[1:]
t = json.load(open(out))["targets"][0]
def threads(path):
    counts = {}
    for line in open(path):
        if len(line.split()) != 2:
            continue  # a thread that ended while it was read
        comm, n = line.split()
        counts[comm] = counts.get(comm, 0) + int(n)
    return counts
b, a = threads(before), threads(after)
frames = max(t["sent"], 1)
print(json.dumps({"target": name, "round": int(round_), "rate": int(rate), "frames": t["sent"],
    "cpu_us": int(ticks) / int(tck) * 1e6 / frames, "switches": int(sw) / frames,
    "by_thread": {k: round((a[k] - b.get(k, 0)) / frames, 3) for k in a if a[k] != b.get(k, 0)},
    "p50": t["latency_us"]["p50"], "p99": t["latency_us"]["p99"], "p999": t["latency_us"]["p999"]}))
EOF
    done
  done
done
cat /proc/loadavg >>"$work/loadavg.txt"
# Comparisons made and skipped by each shadow-on gateway over the whole run (a shadow that was
# skipped costs no CPU: CPU per frame is comparable only when few were).
for build in base new; do
  index=0
  [ "$build" = new ] && index=2
  http_get "http://127.0.0.1:$((PORT + 30 + index))/metrics" |
    awk -v b="$build" '/^shadowgate_comparisons_total/ {c += $NF}
      /^shadowgate_shadow_skipped_total/ && $NF > 0 {s += $NF; split($1, r, "\""); why = why " " r[2] " " $NF}
      END {printf "%s-on: %d comparisons, %d skipped (%s)\n", b, c, s, why}'
done
if [ "${STRACE:-0}" = 1 ]; then
  for t in "${targets[@]}"; do
    read -r name address pid <<<"$t"
    case $name in haproxy | *-on) ;; *) continue ;; esac # not direct, nor the shadow-off ones
    strace -c -f -q -p "$pid" -o "$work/strace-$name.txt" & tracer=$!
    sleep 0.5
    loadgen "$address" "${rates[0]}" >"$work/strace-out.json"
    kill -INT "$tracer"
    wait "$tracer" || true
    python3 - "$name" "$work/strace-$name.txt" "$work/strace-out.json" <<'EOF'
import json, sys
name, trace, out = sys.argv[1:]
frames = max(json.load(open(out))["targets"][0]["sent"], 1)
rows = []
for line in open(trace):
    parts = line.split()
    if len(parts) >= 5 and parts[0][0].isdigit() and parts[-1] != "total":
        rows.append((int(parts[3]), parts[-1]))
total = sum(c for c, _ in rows)
top = ", ".join(f"{n} {c / frames:.2f}" for c, n in sorted(rows, reverse=True)[:8])
print(f"strace {name}: {total / frames:.2f} syscalls per frame ({top})")
EOF
  done
fi
python3 - "$results" "$work/loadavg.txt" <<'EOF'
import json, statistics, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
print("load average before / after:", " / ".join(l.split(" ", 3)[:3].__str__() for l in open(sys.argv[2])))
med = lambda xs: statistics.median(xs) if xs else float("nan")
for rate in sorted({r["rate"] for r in rows}):
    print(f"\nat {rate}/s (medians of {max(r['round'] for r in rows)} rounds)")
    print(f"  {'target':<10} {'cpu µs/frame':>12} {'switches/frame':>14} {'p50 µs':>8} {'p99 µs':>8} {'p99.9 µs':>9}")
    m = {}
    for name in dict.fromkeys(r["target"] for r in rows):
        sel = [r for r in rows if r["target"] == name and r["rate"] == rate]
        m[name] = {k: med([r[k] for r in sel]) for k in ("cpu_us", "switches", "p50", "p99", "p999")}
        if name == "direct":
            print(f"  {name:<10} {'':>12} {'':>14} {m[name]['p50']:>8.0f} {m[name]['p99']:>8.0f} {m[name]['p999']:>9.0f}")
            continue
        print(f"  {name:<10} {m[name]['cpu_us']:>12.1f} {m[name]['switches']:>14.2f} {m[name]['p50']:>8.0f} {m[name]['p99']:>8.0f} {m[name]['p999']:>9.0f}")
        last = sel[-1]["by_thread"]
        print("    switches/frame by thread (last round):", ", ".join(f"{k} {v}" for k, v in sorted(last.items(), key=lambda kv: -kv[1])[:6]))
    h, d = m["haproxy"], m["direct"]
    added = lambda t: max(m[t]["p99"] - d["p99"], 1.0)
    for build in ("base", "new"):
        on, off = m[f"{build}-on"], m[f"{build}-off"]
        print(f"  {build}: cpu/frame shadow on ÷ haproxy {on['cpu_us'] / h['cpu_us']:.2f}, "
              f"added p99 on / off {added(build + '-on'):.0f} / {added(build + '-off'):.0f} µs = "
              f"{added(build + '-on') / added(build + '-off'):.2f}, added p99 on ÷ haproxy's {added(build + '-on') / added('haproxy'):.2f}")
    print(f"  new ÷ base, shadow on: cpu/frame {m['new-on']['cpu_us'] / m['base-on']['cpu_us']:.2f}, "
          f"switches/frame {m['new-on']['switches'] / m['base-on']['switches']:.2f}, p99 {m['new-on']['p99'] / m['base-on']['p99']:.2f}")
EOF
