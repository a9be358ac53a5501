#!/bin/sh
# Benchmark the crawl → hash → match pipeline: `vigie serve
# --fetch-allow-loopback` on a fresh SQLite data folder, fed reports for
# every page of a local site of synthetic JPEGs served by bench/pipeline.
#
#   bench/pipeline/run.sh [-pages 300] [-size 640]
#
# WORKERS (default 4) is vigie's --workers and the anchor client's
# concurrency. TAGS (default turbojpeg, the production build: cgo and
# libjpeg-turbo, Debian libturbojpeg0-dev) are the build tags of both
# binaries; TAGS= measures the pure-Go build. The data folder and the
# server are removed on exit.
set -eu
cd "$(dirname "$0")/../.."
work=$(mktemp -d /tmp/vigie-pipeline.XXXXXX)
pid=
cleanup() {
	[ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
	rm -rf "$work"
}
trap cleanup EXIT INT TERM
workers=${WORKERS:-4}
tags=${TAGS-turbojpeg}
go build -tags "$tags" -o "$work/vigie" ./cmd/vigie
go build -tags "$tags" -o "$work/pipeline" ./bench/pipeline
"$work/vigie" --data "$work/data" serve --addr 127.0.0.1:0 --report-burst 0 --fetch-allow-loopback \
	--workers "$workers" >"$work/out" 2>"$work/err" &
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
echo "go: $(go env GOVERSION), build tags '$tags', vigie --workers $workers, server $base"
"$work/pipeline" -url "$base" -db "$work/data/vigie.db" -pid "$pid" -fetchers "$workers" "$@"
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
