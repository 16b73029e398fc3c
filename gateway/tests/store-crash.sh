#!/bin/sh
# SIGKILL durability soak for the mismatch store: kills a writer process at random moments N times
# (default 100) and checks that every record reported as flushed survives and decodes.
#
#   gateway/tests/store-crash.sh [CYCLES]
#
# Runs from any directory; honours CARGO_TARGET_DIR.
set -eu
cd "$(dirname "$0")/../.."
SHADOWGATE_STORE_CRASH_CYCLES="${1:-100}" exec cargo test -p shadowgate --test store_crash -- \
    --exact flushed_records_survive_sigkill --nocapture
