# Sourced by run.sh and firststart.sh.
#
# serve BIN PORT LOG starts `BIN serve` on 127.0.0.1:PORT with its output in
# LOG, sets server to its process ID and returns once /healthz answers. If
# the server exits first, it prints LOG and exits.
serve() {
	"$1" serve --addr "127.0.0.1:$2" >"$3" 2>&1 &
	server=$!
	until curl -fs "http://127.0.0.1:$2/healthz" >/dev/null; do
		kill -0 "$server" 2>/dev/null || { cat "$3" >&2; exit 1; }
		sleep 0.05
	done
}
