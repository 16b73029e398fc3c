#!/usr/bin/env bash
# The example config (config/shadowgate.toml) against the two demo engines started by hand: the
# README's "engines by hand" section as a script. It starts the legacy MCI engine and the modern
# HTTP engine, checks the config, starts the gateway, waits until its /readyz answers 200, sends
# REQUESTS frames, prints the report once every comparison is stored, and stops exactly the
# processes it started (by PID, also when a step fails or on Ctrl-C), waiting for each to exit so
# the store is flushed.
#
#   docs/engines-by-hand.sh                     # `shadowgate` from PATH (cargo install)
#   SHADOWGATE=target/release/shadowgate docs/engines-by-hand.sh
#
# The addresses are the example config's. Ports taken? Set any of LEGACY, MODERN, MCI, HTTP,
# ADMIN: the script then runs the gateway on a copy of the example config with those addresses
# (config/.engines-by-hand-PID.toml, beside the original so its relative paths hold; removed at
# the end). With CONFIG the file is used as it is (a test runs the script so, on free ports).
set -euo pipefail
cd "$(dirname "$0")/.."

shadowgate=${SHADOWGATE:-shadowgate}
config=${CONFIG:-config/shadowgate.toml}
legacy=${LEGACY:-127.0.0.1:7001}   # [engines.legacy] address
modern=${MODERN:-127.0.0.1:8080}   # [engines.new-engine] url
mci=${MCI:-127.0.0.1:9100}         # [[listeners.mci]] address
http=${HTTP:-127.0.0.1:9180}       # [listeners.http] address
admin=${ADMIN:-127.0.0.1:9190}     # [listeners.admin] address
requests=${REQUESTS:-300}
ready_seconds=${READY_SECONDS:-30}

rewritten=""
if [ -z "${CONFIG:-}" ] && [ -n "${LEGACY:-}${MODERN:-}${MCI:-}${HTTP:-}${ADMIN:-}" ]; then
  rewritten=config/.engines-by-hand-$$.toml
  sed -e "s/127\.0\.0\.1:7001/$legacy/" -e "s/127\.0\.0\.1:8080/$modern/" \
    -e "s/127\.0\.0\.1:9100/$mci/" -e "s/127\.0\.0\.1:9180/$http/" \
    -e "s/127\.0\.0\.1:9190/$admin/" config/shadowgate.toml >"$rewritten"
  config=$rewritten
  echo "gateway config: $config (the example's, with your addresses)"
fi

started=()
stop() {
  local status=$?
  trap - EXIT INT TERM
  [ -z "$rewritten" ] || rm -f "$rewritten"
  # Newest first: the gateway drains before its engines go away. SIGTERM is a graceful stop.
  local i
  for ((i = ${#started[@]} - 1; i >= 0; i--)); do
    kill -TERM "${started[i]}" 2>/dev/null || true
    wait "${started[i]}" 2>/dev/null || true
  done
  echo "stopped pids ${started[*]:-none}"
  exit "$status"
}
trap stop EXIT INT TERM

# start NAME COMMAND...: runs COMMAND in the background and remembers its PID.
start() {
  local name=$1
  shift
  "$@" &
  started+=("$!")
  echo "started $name (pid $!)"
}

# ready: true once GET /readyz on the admin listener answers 200 (bash's /dev/tcp: no curl needed).
ready() {
  local status
  # The braces scope the 2>/dev/null to this connect: a bare `exec … 2>/dev/null` would silence
  # the script's stderr for good, and with it every later step's error.
  { exec 3<>"/dev/tcp/${admin%:*}/${admin##*:}"; } 2>/dev/null || return 1
  printf 'GET /readyz HTTP/1.1\r\nHost: %s\r\nConnection: close\r\n\r\n' "$admin" >&3
  IFS= read -r -t 2 status <&3 || status=""
  exec 3<&-
  [[ $status == "HTTP/1.1 200"* ]]
}

start "legacy engine" "$shadowgate" demo-engine --kind legacy --listen "$legacy"
start "modern engine" "$shadowgate" demo-engine --kind modern --listen "$modern"
"$shadowgate" check-config --config "$config"
start gateway "$shadowgate" run --config "$config"

# Ready means: listening, store open, and every strategy's live engine up (probed at start).
deadline=$((SECONDS + ready_seconds))
until ready; do
  if ((SECONDS >= deadline)); then
    echo "the gateway was not ready within ${ready_seconds} s (GET http://$admin/readyz)" >&2
    exit 1
  fi
  sleep 0.2
done
echo "gateway ready"

"$shadowgate" loadgen --address "$mci" --connections 2 --requests "$requests"
# The report reads the store, which commits every [store] flush_interval_ms: wait (at most 10 s)
# until every frame's comparison or skip is in it, so the report counts all REQUESTS frames.
counted() {
  "$shadowgate" report --from "http://$admin" |
    awk '/^  comparisons / {gsub(",", ""); n += $2 + $13} END {print n + 0}'
}
deadline=$((SECONDS + 10))
while (($(counted) < requests && SECONDS < deadline)); do
  sleep 0.1
done
"$shadowgate" report --from "http://$admin"
