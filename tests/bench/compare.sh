#!/usr/bin/env bash
# The side-by-side benchmark (issue 19): shadowgate against nginx and HAProxy on one machine, in
# one run, printed as one table of ratios with the issue's goals met / not met.
#
# Each proxy (shadowgate, nginx, HAProxy) is pinned to core $PROXY_CPU (`taskset`), the engines
# and load tools to core $LOAD_CPU; every proxy runs as this script's own process with its config
# in a temp dir (never a system service) and is stopped by PID. Targets alternate within each
# round; every number is the median over $ROUNDS rounds.
#   HTTP: a live engine (the demo's legacy policy behind the HTTP contract) and the demo's new
#     engine as the shadow; targets: the live engine direct, nginx `proxy_pass`, nginx `mirror`
#     (proxy_pass + a copy to the shadow, compares nothing), shadowgate's HTTP ingress
#     `POST /v1/strategies/loan-screening` (live + shadow + compare + store). Closed loop with
#     `wrk`: requests/s and the proxy's CPU per request (utime + stime from /proc/PID/stat over
#     the run). Open loop at each of $RATES with `oha -q RATE --latency-correction` (latency from
#     the intended send time: no coordinated omission): added p50/p99/p99.9 = target − direct.
#   MCI: the demo's legacy MCI engine; targets: direct, HAProxy `mode tcp`, shadowgate with
#     shadow + compare + store (the demo engines disagree on ~10 % of requests), shadowgate
#     without a shadow, and shadowgate whose shadow engine speaks MCI too (`demo-engine --kind
#     modern-mci`, the same new policy: the shadow's cost without the HTTP client and JSON). Closed loop (16 connections × 4 in flight) and open loop at $RATES with
#     `shadowgate loadgen` (open loop on a fixed timeline, latency from the intended send time).
#   Resident memory (VmRSS) of every proxy at the end.
# Installs nginx, haproxy and wrk with apt-get when missing, and oha (not packaged by Debian 12)
# with `cargo install --locked` (native-tls: needs libssl-dev, pkg-config) into target/bench-tools.
# Requires: cargo (unless BIN is given), python3, taskset, Linux /proc, 2 cores.
# Knobs: ROUNDS (3), SECS (5, per target and measurement), RATES ("1000 3000", per second),
# QUICK=1 (ROUNDS=1 SECS=2: a smoke run in under 2 minutes), HTTP_OPEN=0 (skip the HTTP open-loop
# rows, and with them oha), HTTP_CONNECTIONS (32), BIN (a built
# binary), BENCH_PORT (base port, 17600), PROXY_CPU (0), LOAD_CPU (1), KEEP_WORK=1 (keep logs).
set -euo pipefail
cd "$(dirname "$0")/../.."
# shellcheck source=tests/bench/lib.sh
source tests/bench/lib.sh

if [ "${QUICK:-0}" = 1 ]; then
  ROUNDS=${ROUNDS:-1}
  SECS=${SECS:-2}
fi
ROUNDS=${ROUNDS:-3}
SECS=${SECS:-5}
RATES=${RATES:-1000 3000}
HTTP_CONNECTIONS=${HTTP_CONNECTIONS:-32}
PORT=${BENCH_PORT:-17600}
PROXY_CPU=${PROXY_CPU:-0}
LOAD_CPU=${LOAD_CPU:-1}
read -r -a rates <<<"$RATES"
goal_rate=3000 # the shadow on/off goal is at 3,000 frames/s: measure it even if RATES omits it
[[ " ${rates[*]} " == *" $goal_rate "* ]] || rates+=("$goal_rate")

# need_package PACKAGE: installs it with apt-get (as root), or fails saying so.
need_package() {
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "installing $1" >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "$1" >&2 && return 0
    apt-get update >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "$1" >&2 && return 0
  fi
  echo "missing the package $1 and cannot install it: apt-get install $1" >&2
  exit 1
}
# need TOOL PACKAGE: installs PACKAGE when the command TOOL is missing.
need() {
  command -v "$1" >/dev/null && return 0
  need_package "$2"
  command -v "$1" >/dev/null || { echo "installed $2 but $1 is still missing" >&2; exit 1; }
}
PATH="$PATH:/usr/sbin:$PWD/target/bench-tools/bin"
need nginx nginx
need haproxy haproxy
need wrk wrk
need taskset util-linux
need python3 python3
HTTP_OPEN=${HTTP_OPEN:-1}
if [ "$HTTP_OPEN" = 1 ] && ! command -v oha >/dev/null; then
  # native-tls (the system's OpenSSL, libssl-dev) instead of the default rustls: it skips aws-lc's
  # long C build; oha 1.16 does not build with no TLS at all.
  need pkg-config pkg-config
  pkg-config --exists openssl || need_package libssl-dev
  echo "installing oha (cargo install --locked --no-default-features --features native-tls ...)" >&2
  cargo install --locked --no-default-features --features native-tls --root target/bench-tools oha >&2 ||
    { echo "missing oha and cannot build it: cargo install oha" >&2; exit 1; }
fi
if [ "$(nproc --all)" -lt 2 ]; then
  echo "needs 2 cores (one for the proxies, one for engines and load); this machine has $(nproc --all)" >&2
  exit 1
fi
bench_binary
bench_workdir
# Command prefixes (arrays, not functions: `taskset` execs the command, so `$!` is its PID).
proxy=(taskset -c "$PROXY_CPU")
load=(taskset -c "$LOAD_CPU")

mci_live=127.0.0.1:$((PORT + 1))
http_live=127.0.0.1:$((PORT + 2))
shadow=127.0.0.1:$((PORT + 3))
nginx_pass=127.0.0.1:$((PORT + 10))
nginx_mirror=127.0.0.1:$((PORT + 11))
haproxy_tcp=127.0.0.1:$((PORT + 12))
sg_http=127.0.0.1:$((PORT + 20))
sg_on=127.0.0.1:$((PORT + 21))
sg_off=127.0.0.1:$((PORT + 22))
sg_mci=127.0.0.1:$((PORT + 23))
shadow_mci=127.0.0.1:$((PORT + 4))
path=/v1/strategies/loan-screening
port_free() { ! (exec 3<>"/dev/tcp/${1%:*}/${1#*:}") 2>/dev/null; }
for a in "$mci_live" "$http_live" "$shadow" "$shadow_mci" "$nginx_pass" "$nginx_mirror" "$haproxy_tcp" \
  "$sg_http" "$sg_on" "$sg_off" "$sg_mci" 127.0.0.1:$((PORT + 30)) 127.0.0.1:$((PORT + 31)) \
  127.0.0.1:$((PORT + 32)) 127.0.0.1:$((PORT + 33)); do
  port_free "$a" || { echo "$a is in use: stop what listens there or set BENCH_PORT" >&2; exit 1; }
done

"${load[@]}" "$BIN" demo-engine --kind legacy --listen "$mci_live" 2>>"$work/engines.log" & pids+=($!)
"${load[@]}" "$BIN" demo-engine --kind legacy-http --listen "$http_live" 2>>"$work/engines.log" & pids+=($!)
"${load[@]}" "$BIN" demo-engine --kind modern --listen "$shadow" 2>>"$work/engines.log" & pids+=($!)
"${load[@]}" "$BIN" demo-engine --kind modern-mci --listen "$shadow_mci" 2>>"$work/engines.log" & pids+=($!)
"$BIN" demo-engine --kind legacy --print-requests 1000 >"$work/requests.jsonl"

# nginx: one process (no master), one worker's work; keep-alive pools to both engines.
mkdir -p "$work/nginx"
cat >"$work/nginx.conf" <<EOF
daemon off;
master_process off;
worker_processes 1;
pid $work/nginx/nginx.pid;
error_log $work/nginx/error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path $work/nginx/body;
  proxy_temp_path $work/nginx/proxy;
  fastcgi_temp_path $work/nginx/fastcgi;
  uwsgi_temp_path $work/nginx/uwsgi;
  scgi_temp_path $work/nginx/scgi;
  client_body_buffer_size 64k;
  upstream live { server $http_live; keepalive 64; }
  upstream shadow { server $shadow; keepalive 64; }
  proxy_http_version 1.1;
  proxy_set_header Connection "";
  server {
    listen $nginx_pass;
    location / { proxy_pass http://live; }
  }
  server {
    listen $nginx_mirror;
    location / {
      mirror /mirror;
      mirror_request_body on;
      proxy_pass http://live;
    }
    location = /mirror {
      internal;
      proxy_pass http://shadow\$request_uri;
    }
  }
}
EOF
"${proxy[@]}" nginx -e "$work/nginx/error.log" -p "$work/nginx" -c "$work/nginx.conf" & nginx_pid=$!
pids+=("$nginx_pid")

bench_haproxy_tcp "$haproxy_tcp" "$mci_live" "${proxy[@]}"

# gateway NAME ADMIN_INDEX KEY=VALUE...: writes one shadowgate's config (bench_gateway_toml with
# the demo's rules: mismatches are the self-employed applicants' limits, ~10 %) and starts it;
# its pid is in $started.
gateway() {
  local name=$1 index=$2
  shift 2
  bench_gateway_toml admin="127.0.0.1:$((PORT + 30 + index))" live_name=live shadow="$shadow" \
    store="$work/store-$name" "$@" >"$work/$name.toml"
  bench_start_gateway "$work/$name.toml" "$work/$name.log" "${proxy[@]}" "$BIN"
}
gateway http 0 http="$sg_http" live_http="$http_live"
sg_http_pid=$started
gateway on 1 mci="$sg_on" live_mci="$mci_live"
sg_on_pid=$started
gateway off 2 mci="$sg_off" live_mci="$mci_live" shadow_lines=
sg_off_pid=$started
gateway mci 3 mci="$sg_mci" live_mci="$mci_live" shadow_mci="$shadow_mci"
sg_mci_pid=$started

for a in "$mci_live" "$http_live" "$shadow" "$shadow_mci" "$nginx_pass" "$nginx_mirror" \
  "$haproxy_tcp" "$sg_http" "$sg_on" "$sg_off" "$sg_mci"; do
  wait_port "$a"
done
bench_check_alive
tck=$(getconf CLK_TCK)
results="$work/results.jsonl"

bench_wrk_script "$work/post.lua"

# pid_ticks PID|-: the process's user and system CPU time in clock ticks ("user system"), "0 0"
# for "-" (the direct target has no proxy).
pid_ticks() { if [ "$1" = - ]; then echo 0 0; else awk '{print $14, $15}' "/proc/$1/stat"; fi; }
# active_opens: TCP connections this machine has opened (`Tcp: ActiveOpens` of /proc/net/snmp).
# Its growth over a run is the connections the load tool and the proxy opened meanwhile (the
# engines open none); the report takes the direct target's growth in the same round (the load
# tool's own, and whatever else ran) from each proxy's. Counted here, not as TIME-WAIT sockets:
# Linux's default `net.ipv4.tcp_tw_reuse = 2` reuses loopback TIME-WAIT sockets for new
# connections, so their number undercounted a proxy that reconnects per request (nginx's
# mirror: 0.25-0.67 a request by TIME-WAIT, 1.00 by ActiveOpens).
active_opens() { awk '/^Tcp:/ { n++ } /^Tcp:/ && n == 2 { print $6 }' /proc/net/snmp; }
# measure KIND TARGET ROUND RATE PID COMMAND...: runs COMMAND (its JSON summary on stdout), with
# PID's CPU time before and after and the TCP connections opened meanwhile (`active_opens`);
# appends one line to $results.
measure() {
  local kind=$1 target=$2 round=$3 rate=$4 pid=$5 before after opens_before opens_after
  shift 5
  before=$(pid_ticks "$pid")
  opens_before=$(active_opens)
  "$@" >"$work/out.txt" 2>"$work/err.txt" || { cat "$work/err.txt" >&2; echo "failed: $*" >&2; exit 1; }
  after=$(pid_ticks "$pid")
  opens_after=$(active_opens)
  python3 - "$kind" "$target" "$round" "$rate" "$before" "$after" "$tck" "$work/out.txt" \
    "$((opens_after - opens_before))" >>"$results" <<'EOF'
import json, sys
kind, target, round_, rate, before, after, tck, out, opened = sys.argv[1:]
text = open(out).read()
(u0, s0), (u1, s1) = (map(int, t.split()) for t in (before, after))
row = {"kind": kind, "target": target, "round": int(round_), "rate": float(rate),
       "cpu_s": (u1 - u0 + s1 - s0) / int(tck), "user_s": (u1 - u0) / int(tck),
       "sys_s": (s1 - s0) / int(tck), "connections_opened": int(opened)}
if kind.startswith("http-closed"):
    wrk = json.loads(next(l for l in text.splitlines() if l.startswith("WRK "))[4:])
    row.update(requests=wrk["requests"], secs=wrk["duration_us"] / 1e6, errors=wrk["errors"])
elif kind.startswith("http-open"):
    oha = json.loads(text)
    codes = oha["statusCodeDistribution"]
    ok = int(codes.get("200", 0))
    row.update(requests=sum(int(v) for v in codes.values()), secs=oha["summary"]["total"],
               errors=sum(int(v) for k, v in codes.items() if k != "200") + sum(oha["errorDistribution"].values()),
               **{p: oha["latencyPercentiles"][k] * 1e6 for p, k in (("p50", "p50"), ("p99", "p99"), ("p999", "p99.9"))})
    row["ok"] = ok
else:
    t = json.loads(text)["targets"][0]
    e = t["errors"]
    row.update(requests=t["sent"], secs=t["seconds"],
               throughput=t["throughput"], errors=e["timeouts"] + sum(e["error_frames"].values())
               + e["connection_errors"] + e["lost"] + e["undecodable"],
               **{p: t["latency_us"][k] for p, k in (("p50", "p50"), ("p99", "p99"), ("p999", "p999"))})
print(json.dumps(row))
EOF
}
http_targets=("direct $http_live -" "nginx-pass $nginx_pass $nginx_pid"
  "nginx-mirror $nginx_mirror $nginx_pid" "shadowgate $sg_http $sg_http_pid")
mci_targets=("direct $mci_live -" "haproxy $haproxy_tcp $haproxy_pid"
  "shadow-on $sg_on $sg_on_pid" "shadow-off $sg_off $sg_off_pid" "shadow-mci $sg_mci $sg_mci_pid")
wrk_run() { "${load[@]}" wrk -t1 -c"$HTTP_CONNECTIONS" -d"${1}s" -s "$work/post.lua" "http://$2$path" -- "$work/requests.jsonl"; }
oha_run() {
  "${load[@]}" oha -z "${1}s" -w -q "$3" --latency-correction -c "$HTTP_CONNECTIONS" --no-tui --output-format json \
    -m POST -H "content-type: application/json" -Z "$work/requests.jsonl" "http://$2$path"
}
mci_run() { "${load[@]}" "$BIN" loadgen --address "$2" --duration "$1" --json --max-failed-ratio 1 "${@:3}"; }

cat /proc/loadavg >"$work/loadavg.txt"
echo "warm-up: 1 s per target" >&2
for t in "${http_targets[@]}"; do read -r name address pid <<<"$t"; wrk_run 1 "$address" >/dev/null; done
for t in "${mci_targets[@]}"; do read -r name address pid <<<"$t"; mci_run 1 "$address" >/dev/null; done

# HTTP_OPEN=0 skips the HTTP targets' open-loop runs: they count once (closed loop) then.
http_runs=$(( ${#http_targets[@]} * (HTTP_OPEN == 1 ? 1 + ${#rates[@]} : 1) ))
total=$((ROUNDS * (http_runs + ${#mci_targets[@]} * (1 + ${#rates[@]})) * SECS))
echo "measuring: $ROUNDS rounds × ${SECS}s × $((${#http_targets[@]} + ${#mci_targets[@]})) targets × (closed loop + ${#rates[@]} rates$([ "$HTTP_OPEN" = 1 ] || echo ', HTTP closed loop only')) ≈ ${total}s" >&2
for round in $(seq "$ROUNDS"); do
  echo "round $round/$ROUNDS" >&2
  for t in "${http_targets[@]}"; do
    read -r name address pid <<<"$t"
    measure http-closed "$name" "$round" 0 "$pid" wrk_run "$SECS" "$address"
  done
  for rate in "${rates[@]}"; do
    [ "$HTTP_OPEN" = 1 ] || break
    for t in "${http_targets[@]}"; do
      read -r name address pid <<<"$t"
      measure http-open "$name" "$round" "$rate" "$pid" oha_run "$SECS" "$address" "$rate"
    done
  done
  for t in "${mci_targets[@]}"; do
    read -r name address pid <<<"$t"
    measure mci-closed "$name" "$round" 0 "$pid" mci_run "$SECS" "$address" --connections 16 --pipeline 4
  done
  for rate in "${rates[@]}"; do
    for t in "${mci_targets[@]}"; do
      read -r name address pid <<<"$t"
      measure mci-open "$name" "$round" "$rate" "$pid" mci_run "$SECS" "$address" --connections 4 --rate "$rate"
    done
  done
done
cat /proc/loadavg >>"$work/loadavg.txt"
{
  echo "nginx $(rss_kib "$nginx_pid")"
  echo "haproxy $(rss_kib "$haproxy_pid")"
  echo "shadowgate-http $(rss_kib "$sg_http_pid")"
  echo "shadow-on $(rss_kib "$sg_on_pid")"
  echo "shadow-off $(rss_kib "$sg_off_pid")"
  echo "shadow-mci $(rss_kib "$sg_mci_pid")"
} >"$work/rss.txt"
http_get "http://127.0.0.1:$((PORT + 30))/api/v1/summary" >"$work/summary-http.json"
http_get "http://127.0.0.1:$((PORT + 31))/api/v1/summary" >"$work/summary-on.json"
http_get "http://127.0.0.1:$((PORT + 33))/api/v1/summary" >"$work/summary-mci.json"
{ nginx -v 2>&1; haproxy -v | head -1; wrk -v 2>&1 | head -1; { oha --version || echo "no oha"; }; } >"$work/versions.txt" 2>/dev/null || true

python3 tests/bench/compare_report.py "$work" "$ROUNDS" "$SECS" "${rates[@]}"
