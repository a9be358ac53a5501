#!/bin/sh
# Benchmark report intake: `vigie serve` on a fresh SQLite data folder,
# loaded over loopback by bench/intake, with GET /healthz on the same server
# as the anchor (the same HTTP stack, no database).
#
#   bench/intake/run.sh [-c 32] [-d 20s]
#
# WORKERS (default 4) is vigie's --workers: the fetch jobs that each report
# starts run during the load (they are refused at once, the URLs naming
# private addresses), so the figure is intake with its jobs, not intake
# alone. The data folder and the server are removed on exit.
set -eu
cd "$(dirname "$0")/../.."
work=$(mktemp -d /tmp/vigie-intake.XXXXXX)
pid=
cleanup() {
	[ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
	rm -rf "$work"
}
trap cleanup EXIT INT TERM
go build -o "$work/vigie" ./cmd/vigie
go build -o "$work/intake" ./bench/intake
"$work/vigie" --data "$work/data" serve --addr 127.0.0.1:0 --report-burst 0 \
	--workers "${WORKERS:-4}" >"$work/out" 2>"$work/err" &
pid=$!
i=0
until base=$(grep -o 'http://127\.0\.0\.1:[0-9]*' "$work/out" 2>/dev/null); do
	i=$((i + 1))
	if [ $i -gt 100 ] || ! kill -0 "$pid" 2>/dev/null; then
		echo "vigie serve did not start:" >&2
		cat "$work/err" >&2
		exit 1
	fi
	sleep 0.1
done
echo "machine: $(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), load before $(cut -d' ' -f1-3 /proc/loadavg)"
echo "go: $(go env GOVERSION), vigie --workers ${WORKERS:-4}, server $base"
"$work/intake" -url "$base" -path /healthz "$@" | tee "$work/anchor"
"$work/intake" -url "$base" "$@" | tee "$work/reports"
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
awk '{ for (i = 1; i <= NF; i++) if ($i == "req/s") r[NR] = $(i - 1) }
	END { printf "ratio reports/healthz: %.3f\n", r[2] / r[1] }' "$work/anchor" "$work/reports"
