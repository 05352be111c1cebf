#!/usr/bin/env bash
# What one decision of the Redis rate limiter costs: N sequential acquires of two buckets
# (one EVALSHA round trip each), median/p90/p99/max printed, ROUNDS times.
#
#   bench/redis_limiter.sh [REDIS_URL=redis://127.0.0.1:6379] [N=10000] [ROUNDS=3]
#
# Needs a reachable Redis; uses keys under a prefix of its own (they expire by themselves).
set -euo pipefail
cd "$(dirname "$0")/.."
URL=${1:-${ORGWARDEN_TEST_REDIS_URL:-redis://127.0.0.1:6379}}
N=${2:-10000}
ROUNDS=${3:-3}
cargo build --release -q -p orgwarden --example redis_limiter_timing
for _ in $(seq "$ROUNDS"); do
  target/release/examples/redis_limiter_timing "$URL" "$N"
done
