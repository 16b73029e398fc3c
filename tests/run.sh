#!/usr/bin/env bash
# The whole test suite, on a fresh Debian machine with the Rust toolchain.
# Installs what the tests need (Debian packages) when it is missing, then runs every test.
set -euo pipefail
cd "$(dirname "$0")/.."

# System packages some tests drive for real. Installed only when missing.
# Each entry is "command:debian-package"; tests that need a real program add it here.
required=("promtool:prometheus" "chromium:chromium")
need=()
for entry in "${required[@]}"; do
  bin="${entry%%:*}"; pkg="${entry##*:}"
  command -v "$bin" >/dev/null 2>&1 || need+=("$pkg")
done
if [ "${#need[@]}" -gt 0 ]; then
  echo "installing test dependencies: ${need[*]}"
  sudo_cmd=""; [ "$(id -u)" -ne 0 ] && sudo_cmd="sudo"
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq "${need[@]}"
fi

cargo test --workspace --all-targets --locked
# Doc examples are tests too.
cargo test --workspace --doc --locked
