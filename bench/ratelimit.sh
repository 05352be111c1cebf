#!/usr/bin/env bash
# What the rate limiter costs: the median latency and throughput of the guide's call
# (GET /api/v2/organizations/ID/enabled_connections) at 64 concurrent connections, with
# limiting off and with a plan whose buckets are checked on every request but never run dry.
# Rounds alternate between the two so machine noise hits both alike; medians are compared.
#
#   bench/ratelimit.sh [ROUNDS=5] [SECONDS=10]
#
# Needs wrk (apt-get install wrk) and a release build (cargo build --release). The server is
# pinned to CPU 0 and wrk to CPU 1 when taskset is there. Plain HTTP, to measure the app.
set -euo pipefail
cd "$(dirname "$0")/.."
ROUNDS=${1:-5}
SECS=${2:-10}
BIN=${ORGWARDEN_BIN:-target/release/orgwarden}
PORT=${PORT:-18443}
command -v wrk >/dev/null || { echo "wrk is missing: apt-get install wrk" >&2; exit 1; }
[ -x "$BIN" ] || cargo build --release
PIN_SERVER=""; PIN_WRK=""
if command -v taskset >/dev/null && [ "$(nproc)" -ge 2 ]; then PIN_SERVER="taskset -c 0"; PIN_WRK="taskset -c 1"; fi

DATA=$(mktemp -d)
trap 'kill $SERVER 2>/dev/null || true; rm -rf "$DATA"' EXIT

start() { # $1 = plan
  ORGWARDEN_RATE_LIMIT=$1 ORGWARDEN_TLS=off ORGWARDEN_LOG=warn $PIN_SERVER "$BIN" serve --data-dir "$DATA" --listen 127.0.0.1:$PORT > /dev/null 2>&1 &
  SERVER=$!
  for _ in $(seq 50); do curl -s -o /dev/null http://127.0.0.1:$PORT/.well-known/jwks.json && return; sleep 0.1; done
  echo "server did not start" >&2; exit 1
}
stop() { kill -TERM $SERVER; wait $SERVER || true; }

# Data: one organization with 5 enabled connections.
start off
TOKEN=$("$BIN" token --data-dir "$DATA" --listen 127.0.0.1:$PORT --tls off)
api() { curl -s -H "Authorization: Bearer $TOKEN" -H 'content-type: application/json' "http://127.0.0.1:$PORT/api/v2/$1" ${2:+-d "$2"}; }
ORG=$(api organizations '{"name":"bench"}' | sed -E 's/.*"id":"(org_[^"]+)".*/\1/')
for i in 1 2 3 4 5; do
  CONN=$(api connections "{\"name\":\"bench-$i\",\"strategy\":\"samlp\"}" | sed -E 's/.*"id":"(con_[^"]+)".*/\1/')
  api "organizations/$ORG/enabled_connections" "{\"connection_id\":\"$CONN\"}" > /dev/null
done
stop
URL="http://127.0.0.1:$PORT/api/v2/organizations/$ORG/enabled_connections"

declare -A P50 RPS
for round in $(seq "$ROUNDS"); do
  for plan in off 1000000000/1000000000; do
    start "$plan"
    $PIN_WRK wrk -t1 -c64 -d2s -H "Authorization: Bearer $TOKEN" "$URL" > /dev/null   # warm-up
    out=$($PIN_WRK wrk -t1 -c64 -d"${SECS}s" --latency -H "Authorization: Bearer $TOKEN" "$URL")
    stop
    p50=$(echo "$out" | awk '$1=="50%" {v=$2; if (v ~ /ms$/) {sub(/ms/,"",v); v*=1000} else if (v ~ /us$/) {sub(/us/,"",v)} else if (v ~ /s$/) {sub(/s/,"",v); v*=1000000}; print v}')
    rps=$(echo "$out" | awk '/Requests\/sec/ {print $2}')
    non2xx=$(echo "$out" | awk '/Non-2xx/ {print $NF}')
    [ -z "$non2xx" ] || { echo "round $round $plan: $non2xx non-2xx responses" >&2; exit 1; }
    P50[$plan]="${P50[$plan]:-} $p50"; RPS[$plan]="${RPS[$plan]:-} $rps"
    echo "round $round  plan=$plan  p50=${p50}us  req/s=$rps"
  done
done

median() { tr ' ' '\n' | grep -v '^$' | sort -g | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
off_p50=$(echo "${P50[off]}" | median); on_p50=$(echo "${P50[1000000000/1000000000]}" | median)
off_rps=$(echo "${RPS[off]}" | median); on_rps=$(echo "${RPS[1000000000/1000000000]}" | median)
echo
echo "median p50 latency: off ${off_p50}us, limited ${on_p50}us  -> ratio $(awk -v a="$on_p50" -v b="$off_p50" 'BEGIN {printf "%.3f", a/b}')"
echo "median throughput:  off ${off_rps} req/s, limited ${on_rps} req/s -> ratio $(awk -v a="$on_rps" -v b="$off_rps" 'BEGIN {printf "%.3f", a/b}')"
