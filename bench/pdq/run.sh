#!/bin/sh
# Benchmark `vigie hash` against Meta's reference pdq-photo-hasher.
#
#   PDQ_REF=/path/to/pdq-photo-hasher bench/pdq/run.sh [-n 50] [-exact]
#
# Builds vigie twice (pure Go, and with libjpeg-turbo when its header is
# installed), generates the corpus under bench/pdq/work (git-ignored, reused
# across runs), then times each tool on one thread. Without PDQ_REF only
# the vigie builds are timed and no distances are printed.
set -eu
cd "$(dirname "$0")/../.."
bin=bench/pdq/work/bin
mkdir -p "$bin"
go build -o "$bin/vigie-go" ./cmd/vigie
vigies="go=$bin/vigie-go"
if [ -e /usr/include/turbojpeg.h ]; then
	go build -tags turbojpeg -o "$bin/vigie-turbo" ./cmd/vigie
	vigies="$vigies,turbojpeg=$bin/vigie-turbo"
fi
echo "machine: $(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), load $(cut -d' ' -f1-3 /proc/loadavg)"
exec go run ./bench/pdq -vigie "$vigies" "$@"
