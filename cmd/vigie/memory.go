package main

import (
	"log/slog"
	"os"
	"runtime"
	"runtime/debug"
)

// garbageAllowance is how much garbage the heap may hold beyond live data
// before a collection, once a large hash index is loaded.
const garbageAllowance = 256 << 20

// boundGarbage releases what loading the hash banks left behind and keeps
// later garbage to about garbageAllowance. By default Go lets the heap grow
// to twice its live size before collecting: with 10M hashes (1.1 GB of
// index) a server under lookups grew from 1.1 to 2.2 GB of RSS. Collections
// stay cheap at a lower GOGC because the index's arrays hold no pointers,
// so the collector does not scan them. A GOGC set in the environment wins.
func boundGarbage(logger *slog.Logger) {
	debug.FreeOSMemory()
	if os.Getenv("GOGC") != "" {
		return
	}
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	percent := gcPercent(ms.HeapAlloc)
	if percent < 100 {
		debug.SetGCPercent(percent)
		logger.Info("garbage bounded for a large index", "heap_mib", ms.HeapAlloc>>20, "gogc", percent)
	}
}

// gcPercent returns the GOGC that lets a heap of live bytes grow by about
// garbageAllowance, between 10 and Go's default of 100.
func gcPercent(live uint64) int {
	if live == 0 {
		return 100
	}
	return int(min(100, max(10, 100*garbageAllowance/live)))
}
