#!/usr/bin/env bash
# The whole test suite, on a fresh Debian machine with the Rust toolchain.
# Installs the Debian packages the tests drive when they are missing, then runs every test.
set -euo pipefail
cd "$(dirname "$0")/.."

# Exactly what the tests drive, each with the tests that need it. Installed without Recommends:
# `prometheus` recommends `prometheus-node-exporter`, a service that would listen on 9100 (the
# gateway's default MCI port) on a machine with systemd; `chromium` and `systemd` pull in
# daemons and fonts the tests do not use.
packages=(
  prometheus  # promtool check metrics/rules/config, and a real Prometheus (tests/tests/prometheus.rs,
              # gateway/src/metrics/tests.rs)
  chromium    # the HTML report rendered headless (tests/tests/review/chromium.rs, fonts.rs)
  fonts-nanum # a font with Hangul: Korean names on the page render as glyphs, not boxes
              # (tests/tests/review/fonts.rs); a server showing the page needs one too
  systemd     # systemd-analyze verify|security of deploy/shadowgate.service (gateway/tests/deploy.rs);
              # works without systemd running as init
  procps      # /bin/kill, the unit's ExecReload (gateway/tests/deploy.rs, engines_by_hand.rs)
  postgresql  # initdb and postgres for a throwaway cluster per test, run as nobody
              # (tests/src/postgres.rs: tests/tests/fleet, tests/tests/reconcile)
  haproxy     # the fleet recipe's load balancer in front of three gateways, run by the test
              # (tests/src/haproxy.rs: tests/tests/fleet/haproxy/)
)
need=()
for pkg in "${packages[@]}"; do
  dpkg-query -W -f='${db:Status-Abbrev}' "$pkg" 2>/dev/null | grep -q '^ii' || need+=("$pkg")
done
if [ "${#need[@]}" -gt 0 ]; then
  echo "installing test dependencies: ${need[*]}"
  sudo_cmd=""; [ "$(id -u)" -ne 0 ] && sudo_cmd="sudo"
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq --no-install-recommends "${need[@]}"
fi

cargo test --workspace --all-targets --locked
# Doc examples are tests too.
cargo test --workspace --doc --locked
