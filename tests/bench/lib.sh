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

# bench_gateway_toml KEY=VALUE...: prints the gateway TOML every benchmark runs: one ingress
# listener, the admin listener, the loan-screening layout, a live engine and the HTTP shadow
# engine "new-engine", the loan-screening strategy with the demo's rules, the store and error
# logging. Keys (unknown ones are refused):
#   mci=ADDR | http=ADDR        the ingress listener (MCI listener "bench", or HTTP)
#   admin=ADDR                  the admin listener
#   live_name=NAME              the live engine's name (legacy)
#   live_mci=ADDR | live_http=ADDR   the live engine: MCI at ADDR, or HTTP at http://ADDR
#   shadow=ADDR                 new-engine's URL is http://ADDR
#   shadow_mci=ADDR             new-engine speaks MCI at ADDR instead (demo-engine --kind modern-mci)
#   shadow_engine_lines=LINES   more lines in [engines.new-engine] (before max_in_flight)
#   shadow_lines=LINES          the strategy's shadow lines (default: new-engine, 100 %, 2048
#                               in flight, 2000 ms); empty for a gateway without shadow
#   rules=LINES                 the rules sections (default: the demo's, as compare.sh); may be empty
#   store=PATH, store_lines=LINES   the store directory and more [store] lines
#   level=LEVEL                 [logging] level (error: the benchmarks measure no log lines)
#   extra=LINES                 lines appended after [logging]
bench_gateway_toml() {
  local mci="" http="" admin="" live_name=legacy live_mci="" live_http="" shadow="" shadow_mci=""
  local shadow_engine_lines="" store="" store_lines="" extra="" level=error arg
  local shadow_lines='shadow = "new-engine"
shadow_sample_percent = 100.0
shadow_max_in_flight = 2048
shadow_timeout_ms = 2000'
  local rules='[strategies.loan-screening.rules]
ignore = ["header.sent_at"]
[[strategies.loan-screening.rules.tolerance]]
path = "body.rate"
absolute = "0.001"
[[strategies.loan-screening.rules.tolerance]]
path = "body.offers[*].rate"
absolute = "0.001"
[[strategies.loan-screening.rules.unordered]]
path = "body.offers"
key = ["product_code"]'
  for arg; do
    case ${arg%%=*} in
      mci | http | admin | live_name | live_mci | live_http | shadow | shadow_mci | shadow_engine_lines | \
        shadow_lines | rules | store | store_lines | level | extra) local "$arg" ;;
      *) echo "bench_gateway_toml: unknown key in $arg" >&2; exit 1 ;;
    esac
  done
  if [ -n "$http" ]; then
    printf '[listeners.http]\naddress = "%s"\n' "$http"
  else
    printf '[[listeners.mci]]\nname = "bench"\naddress = "%s"\nlayout = "loan-screening"\n' "$mci"
  fi
  printf '[listeners.admin]\naddress = "%s"\n' "$admin"
  printf '[layouts]\nloan-screening = "%s"\n' "$PWD/config/layouts/loan-screening.toml"
  printf '[engines.%s]\n' "$live_name"
  if [ -n "$live_http" ]; then
    printf 'protocol = "http"\nurl = "http://%s"\nmax_in_flight = 2048\n' "$live_http"
  else
    printf 'protocol = "mci"\naddress = "%s"\nlayout = "loan-screening"\nmax_in_flight = 128\n' \
      "$live_mci"
  fi
  if [ -n "$shadow_mci" ]; then
    printf '[engines.new-engine]\nprotocol = "mci"\naddress = "%s"\nlayout = "loan-screening"\n' \
      "$shadow_mci"
  else
    printf '[engines.new-engine]\nprotocol = "http"\nurl = "http://%s"\n' "$shadow"
  fi
  bench_lines "$shadow_engine_lines"
  # As the live MCI engine's: an engine's in-flight limit is also its connection count. When
  # the shadow answers slower than the live engine at the ceiling, the shadow's calls beyond it
  # wait for a connection (up to the strategy's shadow_max_in_flight and shadow_timeout_ms)
  # instead of opening hundreds more (2048 let the gateway open > 1,000 connections to the demo
  # engine, whose accept queue then overflowed: connect failures, the breaker, `shadow_down`).
  printf 'max_in_flight = 128\n'
  printf '[strategies.loan-screening]\nlayout = "loan-screening"\ntx_codes = ["LNS0001"]\n'
  printf 'path = "/v1/strategies/loan-screening"\nlive = "%s"\n' "$live_name"
  bench_lines "$shadow_lines"
  bench_lines "$rules"
  printf '[store]\npath = "%s"\n' "$store"
  bench_lines "$store_lines"
  printf '[logging]\nlevel = "%s"\n' "$level"
  bench_lines "$extra"
}
# bench_lines TEXT: prints TEXT as lines, nothing when it is empty.
bench_lines() { if [ -n "$1" ]; then printf '%s\n' "$1"; fi; }

# bench_start_gateway CONFIG LOG COMMAND...: runs `COMMAND... run --config CONFIG` in the
# background (COMMAND is the binary, behind any taskset), output appended to LOG; its pid is
# in $started and in $pids.
bench_start_gateway() {
  local config=$1 log=$2
  shift 2
  "$@" run --config "$config" >>"$log" 2>&1 &
  started=$!
  pids+=("$started")
}

# bench_check_alive: exits when a process the benchmark started has already died (a port taken
# by someone else would be "listening" while our process died).
bench_check_alive() {
  local pid
  for pid in "${pids[@]}"; do
    kill -0 "$pid" 2>/dev/null || { echo "a process of the benchmark exited at start; logs in $work" >&2; exit 1; }
  done
}

# bench_haproxy_tcp LISTEN SERVER COMMAND_PREFIX...: starts HAProxy (one thread, `mode tcp`)
# forwarding LISTEN to SERVER, behind COMMAND_PREFIX (e.g. taskset); its pid is in
# $haproxy_pid and in $pids.
bench_haproxy_tcp() {
  local listen=$1 server=$2
  shift 2
  cat >"$work/haproxy.cfg" <<EOF
global
  nbthread 1
  maxconn 4096
defaults
  mode tcp
  timeout connect 2s
  timeout client 60s
  timeout server 60s
listen mci
  bind $listen
  server live $server
EOF
  "$@" haproxy -db -f "$work/haproxy.cfg" 2>>"$work/haproxy.log" &
  haproxy_pid=$!
  pids+=("$haproxy_pid")
}

# bench_wrk_script FILE: writes the wrk Lua script the HTTP benchmarks load with: it cycles
# through the request bodies of the file given as its argument (one JSON a line) and prints one
# summary line at the end, `WRK {"requests": N, "duration_us": N, "errors": N}`.
bench_wrk_script() {
  cat >"$1" <<'EOF'
-- Cycles through the request bodies (one JSON a line); prints a JSON summary line at the end.
local bodies, index = {}, 0
function init(args)
  for line in io.lines(args[1]) do bodies[#bodies + 1] = line end
end
function request()
  index = index % #bodies + 1
  return wrk.format("POST", wrk.path, { ["Content-Type"] = "application/json" }, bodies[index])
end
function done(summary)
  local e = summary.errors
  io.write(string.format('WRK {"requests": %d, "duration_us": %d, "errors": %d}\n', summary.requests,
    summary.duration, e.connect + e.read + e.write + e.status + e.timeout))
end
EOF
}
