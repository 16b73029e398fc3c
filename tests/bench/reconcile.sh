#!/usr/bin/env bash
# The reconcile benchmark (not a test): ROWS rows of about 1 KB per side as JSON Lines, the new
# side with 0.1 % of its rows changed, reconciled twice with the release binary:
#   - sorted: both sides in key order (the streaming merge, order checked while reading);
#   - unsorted: the new side in a scrambled key order (found out of order, then the external
#     sort in temp files within sort_memory_mib, then the merge).
# Prints per run: wall time, rows per side per second and per minute, and peak resident memory
# (/usr/bin/time -v's maximum RSS). Goals (issue 17): ≥ 1,000,000 rows per minute sorted, and
# peak memory under 256 MiB whatever the input size.
# Requires: cargo (unless BIN is given), python3, GNU time (/usr/bin/time).
# Knobs: ROWS (default 1000000), BIN (a built binary), WORK (a directory for the generated files,
# default a temp dir, removed at the end; needs about 3.5 KB per row of free space),
# SORT_MIB (the sort's memory budget, default 64).
set -euo pipefail
cd "$(dirname "$0")/../.."

ROWS=${ROWS:-1000000}
SORT_MIB=${SORT_MIB:-64}
if [ -z "${BIN:-}" ]; then
  cargo build --release -p shadowgate --locked --quiet
  BIN="${CARGO_TARGET_DIR:-target}/release/shadowgate"
fi
BIN=$(realpath "$BIN")
if [ -z "${WORK:-}" ]; then
  WORK=$(mktemp -d /tmp/shadowgate-reconcile-bench.XXXXXX)
  trap 'rm -rf "$WORK"' EXIT
fi
mkdir -p "$WORK"

echo "generating $ROWS rows per side in $WORK"
python3 - "$WORK" "$ROWS" <<'PY'
import sys
work, rows = sys.argv[1], int(sys.argv[2])
memo = "".join(chr(ord("a") + i % 26) for i in range(900))

def row(key, changed):
    decision = "R" if changed else "K"
    limit = 1_000_000 + key * 7 % 100_000 * 10
    rate = 3000 + key % 500
    return ('{"cust_no":"%012d","decision":"%s","grade":"A%d","limit":%d,"rate":"%d.%03d",'
            '"date":"20261130","memo":"%s"}\n'
            % (key, decision, key % 9, limit, rate // 1000, rate % 1000, memo))

def write(path, keys, new):
    with open(path, "w", buffering=1 << 20) as out:
        for key in keys:
            out.write(row(key, new and key % 1000 == 0))

write(f"{work}/legacy.jsonl", range(rows), False)
write(f"{work}/new-sorted.jsonl", range(rows), True)
# A permutation of 0..rows-1 (step coprime with rows): every key once, in scrambled order. The
# step is near rows / golden ratio, so neighbours land far apart and no long ascending stretch is
# left (a step just above rows, e.g. 1,000,003 for a million rows, is 3 mod rows: three ascending
# runs, which the sort finds almost sorted and the order check finds only a third of the way in).
step = int(rows * 0.6180339887) | 1
while __import__("math").gcd(step, rows) != 1:
    step += 2
write(f"{work}/new-unsorted.jsonl", (i * step % rows for i in range(rows)), True)
PY
ls -l "$WORK"/*.jsonl | awk '{printf "  %s %.0f MB\n", $9, $5 / 1e6}'

config() {
  cat <<TOML
name = "bench"
key = ["cust_no"]
sort_memory_mib = $SORT_MIB
temp_dir = "$WORK"
[rules]
$(for side in legacy new; do
  file=legacy.jsonl; [ "$side" = new ] && file="$1"
  cat <<SIDE
[$side]
kind = "jsonl"
path = "$WORK/$file"
fields = [
  { path = "cust_no" }, { path = "decision" }, { path = "grade" },
  { path = "limit", type = "decimal" }, { path = "rate", type = "decimal" },
  { path = "date", type = "date" }, { path = "memo" },
]
SIDE
done)
TOML
}

for run in sorted unsorted; do
  config "new-$run.jsonl" > "$WORK/$run.toml"
  # The machine may be shared: the numbers mean little without the load they were taken under.
  echo "$run: load average before: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) CPUs"
  start=$(date +%s.%N)
  status=0
  /usr/bin/time -v "$BIN" reconcile --config "$WORK/$run.toml" --quiet \
    > "$WORK/$run.out" 2> "$WORK/$run.time" || status=$?
  end=$(date +%s.%N)
  # 3: reconciled with keys not matching (0.1 % changed on purpose).
  if [ "$status" -ne 3 ]; then
    echo "$run: unexpected exit status $status"; cat "$WORK/$run.time"; exit 1
  fi
  rss_kib=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$WORK/$run.time")
  python3 - "$run" "$ROWS" "$start" "$end" "$rss_kib" <<'PY'
import sys
run, rows, start, end, rss = sys.argv[1], int(sys.argv[2]), float(sys.argv[3]), float(sys.argv[4]), int(sys.argv[5])
secs = end - start
print(f"{run:>8}: {rows:,} rows per side in {secs:.1f} s: {rows / secs:,.0f} rows/s "
      f"({rows / secs * 60:,.0f} rows/min), peak RSS {rss / 1024:.0f} MiB")
PY
  grep -E "^  keys" "$WORK/$run.out"
done
