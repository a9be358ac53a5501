#!/bin/sh
# run.sh runs the shared Hamming benchmark (../../../shared/bench/hamming)
# with Vigie's index and the Go scan plug-ins next to faiss and the C scans,
# on the same data in the same run. Arguments are passed to `hambench.py run`
# (e.g. --sizes 1e6 --dists uniform --out results.jsonl).
# Needs Debian's python3-faiss and python3-numpy, run by /usr/bin/python3.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
harness=$(cd "$here/../../../shared/bench/hamming" && pwd)
bin=$(mktemp -d)
trap 'rm -rf "$bin"' EXIT
(cd "$here" && GOAMD64=v3 go build -o "$bin/vigie-index" .)
(cd "$harness/goscan" && GOAMD64=v3 go build -o "$bin/goscan" .)
/usr/bin/python3 "$harness/hambench.py" run \
	--external "vigie index=$bin/vigie-index" \
	--external "go-scan blocked=$bin/goscan --mode blocked" \
	--external "go-scan stream=$bin/goscan --mode stream" \
	"$@"
