#!/bin/bash
# Time a start from the database, without an index snapshot, of each
# binary in turn on the same data folder (e.g. one made by run.sh -D DIR):
#
#   bench/lookup/firststart.sh DIR BIN [BIN...]
#
# Before each start the snapshot is deleted and the page cache's dirty
# pages written (sync); the time is from `vigie serve` to the first answer
# of /healthz. Each server is stopped once it has written its new snapshot.
set -euo pipefail
dir=$1
shift
port=18396
export VIGIE_DATA=$dir
. "$(dirname "$0")/serve.sh"
log=$(mktemp)
server=
trap '[ -z "$server" ] || kill "$server" 2>/dev/null; rm -f "$log"' EXIT
for bin in "$@"; do
	rm -f "$dir/index.snapshot"
	sync
	t0=$(date +%s.%N)
	serve "$bin" "$port" "$log"
	t1=$(date +%s.%N)
	peak=$(awk '/^VmHWM/ { printf "%.0f", $2/1024 }' "/proc/$server/status")
	printf '%s: until /healthz %.2f s, peak RSS %s MiB, load %s\n' "$bin" "$(echo "$t1 - $t0" | bc)" "$peak" "$(cut -d' ' -f1 /proc/loadavg)"
	for _ in $(seq 600); do grep -q 'index snapshot written' "$log" && break; sleep 0.1; done
	kill -TERM "$server"
	wait "$server" || true
	server=
done
