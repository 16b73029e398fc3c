# shellcheck shell=bash
# Helpers shared by the benchmark scripts (sourced, not run): the release binary, processes
# stopped by PID on exit, bounded waits for ports, CPU time and resident memory from /proc.
# Each script sets `set -euo pipefail` and `cd`s to the repository root before sourcing this.

# bench_binary: sets BIN to the release binary, building it unless BIN is already given.
bench_binary() {
  if [ -z "${BIN:-}" ]; then
    cargo build --release -p shadowgate --locked --quiet
    BIN="${CARGO_TARGET_DIR:-target}/release/shadowgate"
  fi
}

# bench_workdir: sets $work to a fresh temp dir and installs the EXIT trap that stops every PID
# in $pids (processes this script started, never system services) and removes $work (kept
# when KEEP_WORK=1, for reading logs).
bench_workdir() {
  work=$(mktemp -d)
  pids=()
  trap bench_cleanup EXIT
}
bench_cleanup() {
  local pid
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  if [ "${KEEP_WORK:-0}" = 1 ]; then echo "work dir kept: $work" >&2; else rm -rf "$work"; fi
}

# wait_port HOST:PORT: waits (at most 10 s) until something accepts connections there.
wait_port() {
  for _ in $(seq 100); do (exec 3<>"/dev/tcp/${1%:*}/${1#*:}") 2>/dev/null && return 0; sleep 0.1; done
  echo "nothing listens on $1; logs in $work" >&2
  exit 1
}

# cpu_ticks PID: user + system CPU time of the process (all its threads), in clock ticks.
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }

# rss_kib PID: resident memory of the process, in KiB.
rss_kib() { awk '/^VmRSS:/ {print $2}' "/proc/$1/status"; }

# http_get URL: prints the body (python3: no curl needed).
http_get() {
  python3 - "$1" <<'EOF'
import sys, urllib.request
print(urllib.request.urlopen(sys.argv[1], timeout=10).read().decode())
EOF
}
