#!/usr/bin/env bash
# The replay benchmark (issue 15, not a test): how fast `shadowgate replay` re-checks stored cases
# against the demo's new engine, and what it costs in CPU per case.
#
#   1. Record: a release gateway with a key file (`[store] encryption_key_file`), the demo's legacy
#      engine live (MCI) and its new engine as the shadow (HTTP), the demo's rules (the engines
#      disagree on the self-employed applicants' limits, ~10 % of requests). `shadowgate loadgen`
#      sends batches of requests until at least $CASES mismatches are stored (raw payloads sealed
#      with AES-256-GCM); then the gateway is stopped (sled locks its store).
#   2. Replay: `shadowgate replay --rate 0 --concurrency C --limit $CASES` against the same new
#      engine (its shadow), for each C of $CONCURRENCIES, $ROUNDS rounds alternating between them.
#      Every case still differs (the engine was not fixed), so each run exits 3 and is stored, as
#      in a deploy pipeline. The replay process is pinned to core $REPLAY_CPU, the engines to
#      $ENGINE_CPU. Per run: wall time of the whole process (config, store open, selection,
#      decryption, calls, comparison, the run stored) → cases/s, and the replay process's CPU
#      (user + system, /usr/bin/time) per case. A run with `--limit 1` gives the fixed cost.
# Prints one table (medians over the rounds) and the load average before and after: the machine may
# be shared, and absolute numbers only hold for it.
# Requires: cargo (unless BIN is given), python3, taskset, GNU time (/usr/bin/time), Linux /proc.
# Knobs: CASES (5000), CONCURRENCIES ("1 4 16 64"), ROUNDS (3), BIN (a built binary), BENCH_PORT
# (base port, 17800), REPLAY_CPU (0), ENGINE_CPU (1), KEEP_WORK=1 (keep the store and logs).
set -euo pipefail
cd "$(dirname "$0")/../.."
# shellcheck source=tests/bench/lib.sh
source tests/bench/lib.sh

CASES=${CASES:-5000}
CONCURRENCIES=${CONCURRENCIES:-1 4 16 64}
ROUNDS=${ROUNDS:-3}
PORT=${BENCH_PORT:-17800}
REPLAY_CPU=${REPLAY_CPU:-0}
ENGINE_CPU=${ENGINE_CPU:-1}
read -r -a concurrencies <<<"$CONCURRENCIES"
[ -x /usr/bin/time ] || { echo "needs GNU time (/usr/bin/time): apt-get install time" >&2; exit 1; }

bench_binary
BIN=$(realpath "$BIN")
bench_workdir
pin_replay=(taskset -c "$REPLAY_CPU")
pin_engines=(taskset -c "$ENGINE_CPU")

legacy=127.0.0.1:$((PORT + 1))
modern=127.0.0.1:$((PORT + 2))
ingress=127.0.0.1:$((PORT + 3))
admin=127.0.0.1:$((PORT + 4))
"${pin_engines[@]}" "$BIN" demo-engine --kind legacy --listen "$legacy" 2>>"$work/engines.log" & pids+=($!)
"${pin_engines[@]}" "$BIN" demo-engine --kind modern --listen "$modern" 2>>"$work/engines.log" & pids+=($!)

# A fresh AES-256 key, as `openssl rand -base64 32` would give.
python3 -c 'import base64, os; print("bench-1 =", base64.b64encode(os.urandom(32)).decode())' >"$work/keys"
chmod 600 "$work/keys"
bench_gateway_toml mci="$ingress" admin="$admin" live_mci="$legacy" shadow="$modern" \
  store="$work/store" store_lines="encryption_key_file = \"$work/keys\"" >"$work/shadowgate.toml"
bench_start_gateway "$work/shadowgate.toml" "$work/gateway.log" "$BIN"
gateway_pid=$started
for a in "$legacy" "$modern" "$ingress" "$admin"; do wait_port "$a"; done

# stored: failing cases counted so far (mismatches + shadow errors + unencodable), and drops.
stored() {
  http_get "http://$admin/api/v1/summary" | python3 -c '
import json, sys
s = json.load(sys.stdin)
t = s["strategies"][0]
print(t["mismatches"] + t["shadow_errors"] + t["unencodable"], (s.get("store") or {}).get("dropped", 0))'
}
cat /proc/loadavg >"$work/loadavg.txt"
echo "recording at least $CASES failing cases (the demo engines disagree on ~10 % of requests)" >&2
seed=1
while :; do
  read -r failing dropped < <(stored)
  [ "$failing" -ge "$CASES" ] && break
  [ "$seed" -le 100 ] || { echo "only $failing failing cases after 100 batches; logs in $work" >&2; exit 1; }
  "$BIN" loadgen --address "$ingress" --requests 10000 --connections 4 --pipeline 4 --seed "$seed" \
    --json >"$work/loadgen-$seed.json"
  seed=$((seed + 1))
  # The last comparisons and the writer's flush land within a few hundred ms: wait until the
  # count stops moving (at most 5 s).
  last=-1
  for _ in $(seq 50); do
    read -r failing dropped < <(stored)
    [ "$failing" = "$last" ] && break
    last=$failing
    sleep 0.1
  done
done
echo "$failing failing cases counted, $dropped dropped by the store" >&2
kill "$gateway_pid"
wait "$gateway_pid" || true

# replay_run CONCURRENCY LIMIT ROUND: one replay; appends a JSON line to $work/results.jsonl.
replay_run() {
  local concurrency=$1 limit=$2 round=$3 status=0
  "${pin_replay[@]}" /usr/bin/time -f "TIME %e %U %S" "$BIN" replay --config "$work/shadowgate.toml" \
    --strategy loan-screening --against new-engine --rate 0 --concurrency "$concurrency" \
    --limit "$limit" --by bench >"$work/replay.out" 2>"$work/replay.err" || status=$?
  # 3: replayed, cases not fixed (the engine was not fixed); anything else is a failure.
  if [ "$status" -ne 3 ]; then
    echo "replay --concurrency $concurrency exited $status" >&2
    cat "$work/replay.err" >&2
    exit 1
  fi
  python3 - "$concurrency" "$limit" "$round" "$work/replay.out" "$work/replay.err" \
    >>"$work/results.jsonl" <<'EOF'
import json, re, sys
concurrency, limit, round_, out, err = sys.argv[1:]
text = open(out).read()
cases = int(re.search(r"^replay of (\d+) cases?", text, re.M).group(1))
totals = dict((k, int(v)) for k, v in re.findall(r"(\w+) (\d+)", text.splitlines()[-1]))
wall, user, sys_ = (float(x) for x in re.search(r"^TIME (\S+) (\S+) (\S+)", open(err).read(), re.M).groups())
print(json.dumps({"concurrency": int(concurrency), "limit": int(limit), "round": int(round_),
                  "cases": cases, "wall_s": wall, "cpu_s": user + sys_, "totals": totals}))
EOF
}
echo "replaying: $ROUNDS rounds × concurrencies ${concurrencies[*]} × up to $CASES cases" >&2
replay_run 4 "$CASES" 0 # warm-up: the page cache holds the store from here on
for round in $(seq "$ROUNDS"); do
  echo "round $round/$ROUNDS" >&2
  replay_run 1 1 "$round"
  for c in "${concurrencies[@]}"; do replay_run "$c" "$CASES" "$round"; done
done
cat /proc/loadavg >>"$work/loadavg.txt"

python3 - "$work" <<'EOF'
import json, os, platform, statistics, sys
work = sys.argv[1]
rows = [json.loads(l) for l in open(os.path.join(work, "results.jsonl"))]
model = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), "?")
load = [l.split()[:3] for l in open(os.path.join(work, "loadavg.txt"))]
print(f"machine: {model}, {os.cpu_count()} cores, Linux {platform.release()}")
print(f"load average (1/5/15 min) before: {' '.join(load[0])}, after: {' '.join(load[-1])}")
cases = max(r["cases"] for r in rows)
print(f"replay of {cases:,} stored mismatches (sealed payloads) against the demo's new engine; "
      f"medians over {max(r['round'] for r in rows)} rounds; every case still differs, as expected")
fixed = [r for r in rows if r["limit"] == 1 and r["round"] > 0]
print(f"fixed cost of one run (config, store open, one case, run stored): "
      f"{statistics.median(r['wall_s'] for r in fixed) * 1e3:,.0f} ms wall, "
      f"{statistics.median(r['cpu_s'] for r in fixed) * 1e3:,.0f} ms CPU")
print("| --concurrency | cases | wall | cases/s | replay CPU per case |")
print("|---|---|---|---|---|")
for c in sorted({r["concurrency"] for r in rows if r["limit"] > 1 and r["round"] > 0}):
    runs = [r for r in rows if r["concurrency"] == c and r["limit"] > 1 and r["round"] > 0]
    wall = statistics.median(r["wall_s"] for r in runs)
    cpu = statistics.median(r["cpu_s"] / r["cases"] for r in runs)
    n = runs[0]["cases"]
    print(f"| {c} | {n:,} | {wall:.2f} s | {n / wall:,.0f} | {cpu * 1e6:,.0f} µs |")
EOF
