#!/usr/bin/env bash
# Load figures of the public program, on SQLite, from processes on loopback:
#  1. the program list page against a static file of the same size (wrk),
#  2. uncached searches at a fixed rate (programload rate).
# Needs wrk (Debian: apt-get install wrk). Usage: cmd/programload/run.sh [activities]
set -euo pipefail
n=${1:-2000}
dir=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$dir"' EXIT
cd "$(dirname "$0")/../.."
CGO_ENABLED=0 go build -o "$dir/sciweek" ./cmd/sciweek
CGO_ENABLED=0 go build -o "$dir/programload" ./cmd/programload
"$dir/programload" seed --data "$dir/data" --n "$n"
GOGC=${GOGC:-100} "$dir/sciweek" serve --data "$dir/data" --addr 127.0.0.1:18181 --log-level error 2>"$dir/serve.log" &
server=$!
# cpu prints the server's processor time so far, in milliseconds.
cpu() { awk -v hz="$(getconf CLK_TCK)" '{ print int(($14 + $15) * 1000 / hz) }' "/proc/$server/stat"; }
for _ in $(seq 50); do curl -sf http://127.0.0.1:18181/healthz >/dev/null && break; sleep 0.2; done
slug=$(curl -s 'http://127.0.0.1:18181/api/v1/campaigns' | sed -n 's/.*"id":"\([0-9a-z-]*\)".*"state":"published".*/\1/p' | head -1)
list="http://127.0.0.1:18181/campaigns/$slug/activities"
curl -s "$list" -o "$dir/list.html"
"$dir/programload" static --file "$dir/list.html" --addr 127.0.0.1:18183 &
sleep 0.5
echo "list page: $(wc -c <"$dir/list.html") bytes; static file of the same size"
echo "== wrk: program list page"
wrk -t2 -c32 -d10s "$list" | grep -E "Requests/sec|Latency"
echo "== wrk: static file"
wrk -t2 -c32 -d10s http://127.0.0.1:18183/file | grep -E "Requests/sec|Latency"
echo "== warm-up: uncached search, 50 requests/s for 5 s (not counted)"
"$dir/programload" rate --url "$list" --rate 50 --duration 5s --search
echo "== uncached search, 200 requests/s for 10 s"
before=$(cpu)
"$dir/programload" rate --url "$list" --rate 200 --duration 10s --search
echo "server processor time: $(( ($(cpu) - before) * 1000 / 2000 )) µs a search"
echo "== uncached search, 50 requests/s for 10 s"
before=$(cpu)
"$dir/programload" rate --url "$list" --rate 50 --duration 10s --search
echo "server processor time: $(( ($(cpu) - before) * 1000 / 500 )) µs a search"
echo "(load average during the run: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) cores)"
