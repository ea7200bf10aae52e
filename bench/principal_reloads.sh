#!/usr/bin/env bash
# GET /users/me on PostgreSQL (wrk, 64 connections, 5 s), ROUNDS times (3), each after IDLE
# seconds (8) of GET /health, during which the principal cache's entries expire and the
# database connections sit idle: the load that found the principal cache's reloads holding
# requests for up to the acquire timeout (bench/README.md, "The principal cache's reloads").
#   bench/principal_reloads.sh     ROUNDS=8 IDLE=3 BINARY=/tmp/todo-api-before bench/principal_reloads.sh
set -euo pipefail
binary="${BINARY:-$(realpath "${CARGO_TARGET_DIR:-$(dirname "$0")/../target}")/release/todo-api}"
work=$(mktemp -d); cd "$work"
db=me_$RANDOM
psql -h 127.0.0.1 -U postgres -d test -qc "CREATE DATABASE $db"
export APP_DATABASE__URL="postgres://postgres@127.0.0.1:5432/$db?sslmode=disable" APP_SERVER__PORT=8202 APP_LOG__FILTER=${LOG:-warn} APP_SERVER__DRAIN_SECONDS=0
"$binary" serve > serve.log 2>&1 & pid=$!
trap 'kill $pid; wait $pid || true; grep -E "WARN|ERROR" serve.log | tail -3; psql -h 127.0.0.1 -U postgres -d test -qc "DROP DATABASE IF EXISTS $db WITH (FORCE)"; rm -rf "$work"' EXIT
for _ in $(seq 50); do curl -sf localhost:8202/health >/dev/null && break; sleep 0.1; done
curl -sf -X POST localhost:8202/auth/register -H 'Content-Type: application/json' -d '{"username":"bench","email":"b@example.com","password":"correct horse battery"}' >/dev/null
token=$(curl -sf -X POST localhost:8202/auth/token -d 'username=bench&password=correct horse battery' | python3 -c 'import json,sys;print(json.load(sys.stdin)["access_token"])')
printf 'wrk.headers["Authorization"] = "Bearer %s"\n' "$token" > me.lua
for round in $(seq ${ROUNDS:-3}); do
  wrk -t2 -c64 -d${IDLE:-8}s --latency http://127.0.0.1:8202/health | grep -E "Requests/sec" | sed 's/^/health /'
  wrk -t2 -c64 -d5s --latency -s me.lua http://127.0.0.1:8202/users/me > me.out
  echo "round $round /users/me: $(grep Requests/sec me.out) p99 $(awk '$1=="99%"{print $2}' me.out) max $(awk '$1=="Latency"{print $4}' me.out) $(grep -E 'Non-2xx|Socket errors' me.out | tr '\n' ' ')"
done
