#!/usr/bin/env bash
# One endpoint of the release build on a fresh PostgreSQL database (or SQLite file: DB=sqlite),
# under wrk, with any APP_... setting; prints req/s, latency and the service's CPU per request;
# optionally profiled with perf (PERF=1, PERF_SCOPE=-a for the whole machine).
#   APP_SERVER__WORKERS=1 bench/postgres_probe.sh        SCRIPT=post bench/postgres_probe.sh
#   CONNS=1 THREADS=1 bench/postgres_probe.sh              PERF=1 bench/postgres_probe.sh
#   BINARY=/tmp/todo-api-before bench/postgres_probe.sh  (another build, to compare)
# Findings: bench/README.md, "PostgreSQL: where the time goes".
set -euo pipefail
binary="${BINARY:-$(realpath "${CARGO_TARGET_DIR:-$(dirname "$0")/../target}")/release/todo-api}"
perf_out="$PWD/perf.data"
work=$(mktemp -d); cd "$work"
pid=""
db=prof_$RANDOM
drop() { [ "${DB:-}" = sqlite ] || psql -h 127.0.0.1 -U postgres -d test -qc "DROP DATABASE IF EXISTS $db WITH (FORCE)"; }
trap '[ -n "$pid" ] && kill $pid 2>/dev/null; drop; rm -rf "$work"' EXIT
printf 'wrk.method = "POST"\nwrk.body = '"'"'{"title":"benchmark","description":"load"}'"'"'\nwrk.headers["Content-Type"] = "application/json"\n' > post.lua.tmpl
if [ "${DB:-}" = sqlite ]; then
  export APP_DATABASE__URL="sqlite://$work/bench.db"
else
  psql -h 127.0.0.1 -U postgres -d test -qc "CREATE DATABASE $db"
  export APP_DATABASE__URL="postgres://postgres@127.0.0.1:5432/$db?sslmode=${SSLMODE:-disable}"
fi
export APP_SERVER__PORT=8200 APP_LOG__FILTER=warn APP_SERVER__DRAIN_SECONDS=0 APP_RATE_LIMIT__REGISTRATIONS_PER_CLIENT__MAX=1000
"$binary" serve > serve.log 2>&1 &
pid=$!
for _ in $(seq 50); do curl -sf localhost:8200/health >/dev/null && break; sleep 0.1; done
curl -sf -X POST localhost:8200/auth/register -H 'Content-Type: application/json' -d '{"username":"bench","email":"b@example.com","password":"correct horse battery"}' >/dev/null
token=$(curl -sf -X POST localhost:8200/auth/token -d 'username=bench&password=correct horse battery' | python3 -c 'import json,sys;print(json.load(sys.stdin)["access_token"])')
for i in $(seq 20); do curl -sf -X POST localhost:8200/todos/ -H "Authorization: Bearer $token" -H 'Content-Type: application/json' -d "{\"title\":\"todo $i\",\"description\":\"seeded\"}" >/dev/null; done
printf 'wrk.headers["Authorization"] = "Bearer %s"\n' "$token" > list.lua; cat post.lua.tmpl list.lua > post.lua
cpu() { awk '{print $14 + $15}' "/proc/$pid/stat"; }
before=$(cpu)
wrk -t${THREADS:-2} -c${CONNS:-64} -d5s -s ${SCRIPT:-list}.lua http://127.0.0.1:8200/todos/ > wrk.out
after=$(cpu)
grep -E "Requests/sec|Latency" wrk.out
requests=$(grep -oE "[0-9]+ requests in" wrk.out | cut -d' ' -f1)
echo "service CPU per request: $(( (after - before) * 1000000 / $(getconf CLK_TCK) / requests )) us"
if [ -n "${PERF:-}" ]; then
  perf record -F 499 -g ${PERF_SCOPE:--p $pid} -o "$perf_out" -- sleep 8 >/dev/null 2>&1 &
  rec=$!
  wrk -t${THREADS:-2} -c${CONNS:-64} -d8s -s list.lua http://127.0.0.1:8200/todos/ | grep -E "Requests/sec"
  wait $rec || true
fi
kill -TERM $pid; wait $pid || true; pid=""
