#!/bin/bash
# Benchmark partner lookups over HTTP on loopback with N PDQ hashes loaded.
#
#   bench/lookup/run.sh [-n 10000000] [-d 20s] [-c "8 32 128"] [-t 1] [-q 10000] [-p 18080] [-D DIR] [-b]
#
# -c takes one or more connection counts: each runs the three routes in
# turn, so that a list sweeps the offered load up to the server's capacity
# (the plateau of requests/s), with the latency at each step.
# -b runs wrk under SCHED_BATCH (chrt -b 0): waking it then does not preempt
# the server's threads on the cores they share, as a client on another
# machine could not. A variant for comparison, never the only figure.
#
# -D DIR keeps the data folder in DIR instead of a temporary folder: the
# first run with a DIR that holds no database imports into it, and later
# runs with the same -n reuse it (an import of 10M hashes takes 20 minutes
# or more): generation writes the same queries, import is skipped.
#
# Builds vigie, generates N uniform random PDQ hashes (bench/lookup/main.go,
# deterministic), imports them into a bank of a fresh data folder (timed),
# starts `vigie serve` on 127.0.0.1 (time until /healthz answers, which
# includes loading the index; RSS after load), stops it once the index
# snapshot is written and starts it again (time until /healthz answers,
# loading the snapshot), creates a partner key, then
# runs wrk for a fixed duration against, in turn: GET /healthz (the anchor:
# the HTTP stack's ceiling on this machine, in the same run), GET /m/lookup
# and POST /api/v1/lookup, cycling over a query list (half stored hashes
# with 0–31 bits flipped, half random hashes). Needs wrk (apt-get install
# wrk) and curl. Everything runs under a temporary folder that is removed at
# the end, with the server. VIGIE_BIN=path skips the build.
set -euo pipefail
n=10000000 dur=20s conns="8 32 128" threads=1 queries=10000 port=18080 reuse= batch=
while getopts n:d:c:t:q:p:D:b o; do
	case $o in
	n) n=$OPTARG ;; d) dur=$OPTARG ;; c) conns=$OPTARG ;; t) threads=$OPTARG ;;
	q) queries=$OPTARG ;; p) port=$OPTARG ;; D) reuse=$OPTARG ;; b) batch=1 ;; *) exit 2 ;;
	esac
done
command -v wrk >/dev/null || { echo "wrk is missing: apt-get install -y wrk" >&2; exit 1; }
cd "$(dirname "$0")/../.."
here=bench/lookup
. $here/serve.sh
work=$(mktemp -d /tmp/vigie-bench-lookup.XXXXXX)
server=
cleanup() {
	if [ -n "$server" ] && kill -0 "$server" 2>/dev/null; then
		kill -TERM "$server"
		for _ in $(seq 100); do kill -0 "$server" 2>/dev/null || break; sleep 0.1; done
		kill -KILL "$server" 2>/dev/null || true
	fi
	rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

now() { date +%s.%N; }
since() { echo "$(now) - $1" | bc | xargs printf '%.2f'; }
rss_mib() { awk '/^VmRSS/ { printf "%.0f", $2/1024 }' "/proc/$1/status"; }
hwm_mib() { awk '/^VmHWM/ { printf "%.0f", $2/1024 }' "/proc/$1/status"; }
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; } # utime + stime

bin=${VIGIE_BIN:-$work/vigie}
[ -n "${VIGIE_BIN:-}" ] || go build -o "$bin" ./cmd/vigie
go build -o "$work/gen" ./$here
if [ -n "${VIGIE_BIN:-}" ]; then
	echo "vigie: $VIGIE_BIN"
else
	echo "vigie: $(git rev-parse --short HEAD)$(git diff --quiet HEAD -- . 2>/dev/null || echo ' (with uncommitted changes)')"
fi
echo "machine: $(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(free -g | awk '/^Mem/ {print $2}') GiB, load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "settings: n=$n queries=$queries duration=$dur connections=$conns wrk threads=$threads${batch:+ wrk under SCHED_BATCH}"

t=$(now)
if [ -n "$reuse" ] && [ -f "$reuse/vigie.db" ]; then
	"$work/gen" -n "$n" -queries "$queries" -hashes /dev/null -queries-out "$work/queries.txt"
	echo "generate (queries only, reusing $reuse): $(since "$t") s"
	export VIGIE_DATA=$reuse
	rm -f "$reuse/index.snapshot" # the first start reads the database, as after an import
	echo "database: $(du -sm "$reuse" | cut -f1) MiB"
	"$bin" user add partner --role partner >/dev/null 2>&1 || true
else
	"$work/gen" -n "$n" -queries "$queries" -hashes "$work/hashes.te" -queries-out "$work/queries.txt"
	echo "generate: $(since "$t") s"
	export VIGIE_DATA=${reuse:-$work/data} # a new -D folder keeps the import
	"$bin" bank create bench >/dev/null
	t=$(now)
	"$bin" bank import bench "$work/hashes.te" >"$work/import.log" 2>&1
	echo "import: $(since "$t") s ($(tail -1 "$work/import.log"))"
	rm "$work/hashes.te"
	echo "database: $(du -sm "$VIGIE_DATA" | cut -f1) MiB"
	"$bin" user add partner --role partner >/dev/null
fi
key=$("$bin" apikey add partner --name bench | grep -o 'vigie_[A-Za-z0-9_-]*' | head -1)

base=http://127.0.0.1:$port
# start LABEL starts vigie serve, waits until /healthz answers and prints
# the time that took, RSS and the index's load log lines.
start() {
	local t
	t=$(now)
	serve "$bin" "$port" "$work/serve.log"
	echo "$1 until /healthz answers: $(since "$t") s; RSS $(rss_mib "$server") MiB (peak $(hwm_mib "$server") MiB); load $(cut -d' ' -f1 /proc/loadavg)"
	grep -o 'hash index loaded.*\|hash banks loaded.*' "$work/serve.log" | sed 's/^/  /'
}
start start-up

# Restart: wait for the snapshot written after the first load, stop (a
# graceful stop writes one only if the index changed), start again.
for _ in $(seq 1200); do grep -q 'index snapshot written' "$work/serve.log" && break; sleep 0.1; done
grep -o 'index snapshot written.*' "$work/serve.log" | tail -1 | sed 's/^/snapshot: /'
echo "snapshot file: $(du -m "$VIGIE_DATA/index.snapshot" | cut -f1) MiB"
# The snapshot's gigabyte of dirty pages would otherwise be written back
# while wrk runs, on the same two cores.
t=$(now)
sync
echo "sync: $(since "$t") s"
t=$(now)
kill -TERM "$server"
wait "$server" || true
echo "graceful stop: $(since "$t") s"
start "restart (from the snapshot)"

# One near query must match and one random query must not, on both routes.
auth="Authorization: Bearer $key"
q1=$(sed -n 1p "$work/queries.txt") q2=$(sed -n 2p "$work/queries.txt")
hit=$(curl -fs -H "$auth" "$base/m/lookup?signal_type=pdq&signal=$q1")
miss=$(curl -fs -H "$auth" "$base/m/lookup?signal_type=pdq&signal=$q2")
api=$(curl -fs -H "$auth" -d "{\"signal_type\":\"pdq\",\"value\":\"$q1\"}" "$base/api/v1/lookup")
case $hit in '{"bench":[{"bank_content_id":'*) ;; *) echo "near query did not match: $hit" >&2; exit 1 ;; esac
[ "$miss" = '{}' ] || { echo "random query matched: $miss" >&2; exit 1; }
grep -q '"entry_id"' <<<"$api" || { echo "API lookup did not match: $api" >&2; exit 1; }
echo "check: $hit"

# machine_ticks prints the busy and idle clock ticks of all CPUs so far
# (/proc/stat: idle and iowait count as idle).
machine_ticks() { awk '/^cpu / { print $2 + $3 + $4 + $7 + $8 + $9, $5 + $6 }' /proc/stat; }

# load NAME CONNS SCRIPT [SCRIPT_ARGS] runs wrk with CONNS connections and
# prints requests/s, latency percentiles, the server's CPU time per request
# (user + system, from /proc), which the load of a shared machine moves less
# than requests/s, the CPU time per request of everything else on the
# machine (wrk, mostly), and the share of the cores left idle.
load() {
	local name=$1 c=$2 script=$3 out t0 t1 m0 m1 wrap=()
	shift 3
	[ -z "$batch" ] || wrap=(chrt -b 0)
	t0=$(cpu_ticks "$server") m0=$(machine_ticks)
	out=$(QUERIES="$work/queries.txt" KEY="$key" "${wrap[@]}" wrk -t"$threads" -c"$c" -d"$dur" --latency -s "$script" "$base" -- "$@")
	t1=$(cpu_ticks "$server") m1=$(machine_ticks)
	if grep -q 'Non-2xx\|Socket errors' <<<"$out"; then
		echo "$out" >&2
		echo "$name: errors, see above" >&2
		exit 1
	fi
	awk -v name="$name" -v load="$(cut -d' ' -f1 /proc/loadavg)" -v ticks=$((t1 - t0)) -v hz="$(getconf CLK_TCK)" \
		-v m="$m0 $m1" '
		BEGIN { split(m, a, " "); busy = a[3] - a[1]; idle = a[4] - a[2] }
		/^ +50%/ { p50 = $2 } /^ +90%/ { p90 = $2 } /^ +99%/ { p99 = $2 }
		/^Requests\/sec/ { rps = $2 } / requests in / { n = $1 }
		END { printf "%-20s %7.0f req/s  p50 %-8s p90 %-8s p99 %-8s  µs/req: server %5.1f, others %4.1f  idle %4.1f%%  load1 %s\n",
			name, rps, p50, p90, p99, ticks / hz * 1e6 / n, (busy - ticks) / hz * 1e6 / n, 100 * idle / (busy + idle), load }' <<<"$out"
	echo "$out" >"$work/wrk-${name//[\/ ]/_}.txt"
}
for c in $conns; do
	load "healthz c$c" "$c" $here/healthz.lua
	load "m/lookup c$c" "$c" $here/lookup.lua get
	load "api/v1/lookup c$c" "$c" $here/lookup.lua post
done
echo "server RSS after load: $(rss_mib "$server") MiB (peak $(hwm_mib "$server") MiB)"
