#!/usr/bin/env bash
# The fleet store benchmark (issue 18): what writing to PostgreSQL costs against the embedded sled
# store, for one gateway, in one run.
#
# Starts in this process tree: a throwaway PostgreSQL cluster (Debian's server binaries, `initdb`
# in a temp dir, run as `nobody` when root, default durability settings: fsync and synchronous
# commit on), the demo's legacy engine (MCI, live) and new engine (HTTP, shadow), and two gateways
# that differ only in `[store]`: one on sled, one with `backend = "postgres"`. No comparison rules,
# so every comparison is a mismatch (the demo engines stamp different clocks, round differently
# and order offers differently): a record, a group update and a counter update each, the store's
# worst case. The gateways run on core $PROXY_CPU, engines, load and PostgreSQL on $LOAD_CPU.
# Rounds alternate sled and postgres; each runs `shadowgate loadgen` closed loop for $SECS s,
# then waits until the store has committed every comparison (the writer's backlog), and reads:
#   - records/s written: records made durable / (load seconds + backlog seconds);
#   - the gateway's CPU per comparison (utime + stime from /proc/PID/stat over load + backlog);
#   - PostgreSQL's CPU per record (all its processes), for the postgres rounds.
# Prints one table (medians over rounds) and the load average before and after.
# Requires: cargo (unless BIN is given), python3, taskset, Linux /proc, Debian's `postgresql`.
# Each round also runs an open loop at $RATE frames/s on both: the live answers' latency (p50,
# p99 from the intended send time) with each store behind it.
# Knobs: ROUNDS (3), SECS (10), CONNECTIONS (16), PIPELINE (4), RATE (500), BIN, BENCH_PORT (17800),
# PROXY_CPU (0), LOAD_CPU (1), KEEP_WORK=1.
set -euo pipefail
cd "$(dirname "$0")/../.."
# shellcheck source=tests/bench/lib.sh
source tests/bench/lib.sh

ROUNDS=${ROUNDS:-3}
SECS=${SECS:-10}
CONNECTIONS=${CONNECTIONS:-16}
PIPELINE=${PIPELINE:-4}
RATE=${RATE:-500}
PORT=${BENCH_PORT:-17800}
PROXY_CPU=${PROXY_CPU:-0}
LOAD_CPU=${LOAD_CPU:-1}
pg_bin=$(find /usr/lib/postgresql -maxdepth 2 -name bin -type d 2>/dev/null | sort -V | tail -1)
[ -x "$pg_bin/initdb" ] || { echo "no PostgreSQL server binaries: apt-get install postgresql" >&2; exit 1; }
bench_binary
bench_workdir
proxy=(taskset -c "$PROXY_CPU")
load=(taskset -c "$LOAD_CPU")
legacy=127.0.0.1:$((PORT + 1))
modern=127.0.0.1:$((PORT + 2))
pg_port=$((PORT + 3))

# PostgreSQL refuses to run as root: the cluster belongs to nobody, the server runs as nobody.
as_pg=()
if [ "$(id -u)" = 0 ]; then
  chown 65534:65534 "$work"
  as_pg=(setpriv --reuid=65534 --regid=65534 --clear-groups --)
fi
"${as_pg[@]}" "$pg_bin/initdb" --auth=trust --username=postgres -D "$work/pg" >"$work/initdb.log" 2>&1
"${load[@]}" "${as_pg[@]}" "$pg_bin/postgres" -D "$work/pg" -h 127.0.0.1 -p "$pg_port" -k "$work" \
  >"$work/postgres.log" 2>&1 & pg_pid=$!
pids+=("$pg_pid")
"${load[@]}" "$BIN" demo-engine --kind legacy --listen "$legacy" 2>>"$work/engines.log" & pids+=($!)
"${load[@]}" "$BIN" demo-engine --kind modern --listen "$modern" 2>>"$work/engines.log" & pids+=($!)
wait_port "127.0.0.1:$pg_port"

# gateway NAME INDEX STORE_LINES: writes its config and starts it; its pid is in $started.
gateway() {
  local name=$1 index=$2 store=$3
  bench_gateway_toml mci="127.0.0.1:$((PORT + 10 + index))" admin="127.0.0.1:$((PORT + 20 + index))" \
    live_mci="$legacy" shadow="$modern" shadow_lines='shadow = "new-engine"
shadow_max_in_flight = 2048' rules= store="$work/store-$name" store_lines="$store" >"$work/$name.toml"
  bench_start_gateway "$work/$name.toml" "$work/$name.log" "${proxy[@]}" "$BIN"
}
gateway sled 0 ""
sled_pid=$started
gateway postgres 1 "backend = \"postgres\"
[store.postgres]
url = \"postgres://postgres@127.0.0.1:$pg_port/postgres\"
instance = \"bench\"
sslmode = \"disable\""
pg_gw_pid=$started
for a in "$legacy" "$modern" 127.0.0.1:$((PORT + 10)) 127.0.0.1:$((PORT + 11)); do wait_port "$a"; done
bench_check_alive
tck=$(getconf CLK_TCK)
results="$work/results.jsonl"

# metric ADMIN NAME: the sum of a family's samples on the gateway's /metrics.
metric() {
  http_get "http://$1/metrics" | awk -v n="$2" '$1 == n || index($1, n "{") == 1 { s += $2 } END { printf "%.0f\n", s }'
}
# pg_ticks: CPU ticks of every PostgreSQL process (the postmaster and its children).
pg_ticks() {
  local total=0 pid
  for pid in $pg_pid $(pgrep -P "$pg_pid" || true); do
    [ -r "/proc/$pid/stat" ] && total=$((total + $(cpu_ticks "$pid")))
  done
  echo "$total"
}
# measure KIND NAME INDEX PID ROUND LOADGEN_ARGS...: one load run and the backlog after it;
# appends a line.
measure() {
  local kind=$1 name=$2 index=$3 pid=$4 round=$5
  shift 5
  local admin=127.0.0.1:$((PORT + 20 + index)) cpu0 pg0 rec0 start end cmp committed
  cpu0=$(cpu_ticks "$pid"); pg0=$(pg_ticks); rec0=$(metric "$admin" shadowgate_store_records_total)
  start=$(date +%s.%N)
  "${load[@]}" "$BIN" loadgen --address 127.0.0.1:$((PORT + 10 + index)) --duration "$SECS" \
    --json --max-failed-ratio 1 "$@" >"$work/load-$kind-$name-$round.json"
  # The backlog: until every comparison is durable (bounded: 120 s).
  for _ in $(seq 1200); do
    cmp=$(metric "$admin" shadowgate_comparisons_total)
    committed=$(metric "$admin" shadowgate_store_records_total)
    [ "$committed" -ge "$cmp" ] && break
    sleep 0.1
  done
  end=$(date +%s.%N)
  python3 - "$kind" "$name" "$round" "$start" "$end" "$rec0" "$committed" "$cpu0" "$(cpu_ticks "$pid")" \
    "$pg0" "$(pg_ticks)" "$tck" "$(metric "$admin" shadowgate_store_dropped_total)" \
    "$work/load-$kind-$name-$round.json" >>"$results" <<'EOF'
import json, sys
kind, name, rnd, start, end, rec0, rec1, cpu0, cpu1, pg0, pg1, tck, dropped, load = sys.argv[1:]
secs = float(end) - float(start)
records = int(rec1) - int(rec0)
t = json.load(open(load))["targets"][0]
print(json.dumps({"kind": kind, "store": name, "round": int(rnd), "secs": secs,
                  "load_secs": t["seconds"], "records": records, "frames": t["sent"],
                  "cpu_s": (int(cpu1) - int(cpu0)) / int(tck),
                  "pg_cpu_s": (int(pg1) - int(pg0)) / int(tck), "dropped": int(dropped),
                  "p50_us": t["latency_us"]["p50"], "p99_us": t["latency_us"]["p99"]}))
EOF
}

cat /proc/loadavg >"$work/loadavg.txt"
echo "warm-up: 2 s per gateway" >&2
for index in 0 1; do
  "${load[@]}" "$BIN" loadgen --address 127.0.0.1:$((PORT + 10 + index)) --duration 2 --json --max-failed-ratio 1 >/dev/null
done
for round in $(seq "$ROUNDS"); do
  echo "round $round/$ROUNDS" >&2
  closed=(--connections "$CONNECTIONS" --pipeline "$PIPELINE")
  open=(--connections 4 --rate "$RATE")
  measure closed sled 0 "$sled_pid" "$round" "${closed[@]}"
  measure closed postgres 1 "$pg_gw_pid" "$round" "${closed[@]}"
  measure open sled 0 "$sled_pid" "$round" "${open[@]}"
  measure open postgres 1 "$pg_gw_pid" "$round" "${open[@]}"
done
cat /proc/loadavg >>"$work/loadavg.txt"
python3 - "$results" "$work/loadavg.txt" "$RATE" <<'EOF'
import json, statistics, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
def med(kind, store, f):
    return statistics.median(f(r) for r in rows if r["kind"] == kind and r["store"] == store)
def per_record(kind, store, key):
    return med(kind, store, lambda r: r[key] / max(r["records"], 1) * 1e6)
print("Closed loop (the gateway's ceiling; every comparison a mismatch), medians:\n")
print("| store | records/s written | drain after the load, s (≈1 s of polling included) | gateway CPU µs / comparison "
      "| PostgreSQL CPU µs / record | live p50 / p99, ms | dropped |")
print("|---|---|---|---|---|---|---|")
for store in ("sled", "postgres"):
    rate = med("closed", store, lambda r: r["records"] / r["secs"])
    backlog = med("closed", store, lambda r: r["secs"] - r["load_secs"])
    pg = f'{per_record("closed", store, "pg_cpu_s"):.1f}' if store == "postgres" else "–"
    p50 = med("closed", store, lambda r: r["p50_us"]) / 1e3
    p99 = med("closed", store, lambda r: r["p99_us"]) / 1e3
    dropped = max(r["dropped"] for r in rows if r["store"] == store)
    print(f"| {store} | {rate:,.0f} | {backlog:.1f} | {per_record('closed', store, 'cpu_s'):.1f} "
          f"| {pg} | {p50:.1f} / {p99:.1f} | {dropped} |")
sled, pg = per_record("closed", "sled", "cpu_s"), per_record("closed", "postgres", "cpu_s")
print(f"\nadded gateway CPU per comparison, postgres vs sled: {pg - sled:+.1f} µs ({pg / sled:.2f}×)")
print(f"\nOpen loop at {sys.argv[3]} frames/s, medians:\n")
print("| store | gateway CPU µs / comparison | live p50 / p99, ms |")
print("|---|---|---|")
for store in ("sled", "postgres"):
    p50 = med("open", store, lambda r: r["p50_us"]) / 1e3
    p99 = med("open", store, lambda r: r["p99_us"]) / 1e3
    print(f"| {store} | {per_record('open', store, 'cpu_s'):.1f} | {p50:.2f} / {p99:.2f} |")
sled, pg = per_record("open", "sled", "cpu_s"), per_record("open", "postgres", "cpu_s")
print(f"\nadded gateway CPU per comparison, postgres vs sled: {pg - sled:+.1f} µs ({pg / sled:.2f}×)")
print("\nload average before / after: " + " / ".join(" ".join(l.split()[:3]) for l in open(sys.argv[2])))
EOF
