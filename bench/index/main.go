// Command index runs Vigie's PDQ index under the external-implementation
// protocol of the shared Hamming benchmark (../../../shared/bench/hamming,
// README "Adding an implementation"), so that it is measured on the same
// data, against the same ground truth and in the same run as faiss and the
// C and Go scans:
//
//	index --db DB.u8 --n N --queries Q.u8 --nq NQ --radius R --threads T --budget S --out PREFIX
//
// Entry i of the index is row i of DB.u8 (its ID), so the reported ids are
// row numbers as the protocol wants.
package main

import (
	"encoding/binary"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"runtime"
	"sync"
	"syscall"
	"time"

	"github.com/vigie-hotline/vigie/index"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

type flags struct {
	db, queries, out string
	n, nq, radius    int
	threads          int
	budget           float64
	batch            int
}

func parseFlags() flags {
	var f flags
	flag.StringVar(&f.db, "db", "", "DB codes, n*32 bytes")
	flag.IntVar(&f.n, "n", 0, "number of DB codes")
	flag.StringVar(&f.queries, "queries", "", "query codes, nq*32 bytes")
	flag.IntVar(&f.nq, "nq", 0, "number of queries")
	flag.IntVar(&f.radius, "radius", 31, "match if distance <= radius")
	flag.IntVar(&f.threads, "threads", 1, "goroutines")
	flag.Float64Var(&f.budget, "budget", 20, "seconds; run a query prefix if slower")
	flag.StringVar(&f.out, "out", "", "output prefix: writes PREFIX.lims and PREFIX.ids")
	flag.IntVar(&f.batch, "batch", 16, "queries per SearchBatch call")
	flag.Parse()
	return f
}

func run() error {
	f := parseFlags()
	qs, err := readHashes(f.queries, f.nq)
	if err != nil {
		return err
	}
	heap0 := heapBytes()
	x, build, err := load(f.db, f.n)
	if err != nil {
		return err
	}
	heap := heapBytes() - heap0
	st := x.Stats()

	res, k, secs, cpu := timed(x, qs, f)
	if err := writeResults(f.out, res[:k]); err != nil {
		return err
	}
	info := map[string]any{
		"nq_run": k, "query_s": secs, "cpu_s": cpu, "build_s": build, "mem_bytes": heap,
		"params": map[string]any{"batch": f.batch, "index_bytes": st.Bytes, "segments": st.Segments},
	}
	b, err := json.Marshal(info)
	if err != nil {
		return err
	}
	fmt.Println(string(b))
	return nil
}

// load builds the index from the DB file and returns the seconds Load took
// (reading the file excluded).
func load(path string, n int) (*index.Index, float64, error) {
	db, err := readHashes(path, n)
	if err != nil {
		return nil, 0, err
	}
	entries := make([]index.Entry, len(db))
	for i := range db {
		entries[i] = index.Entry{ID: int64(i), Hash: db[i]}
	}
	x := index.New()
	t0 := time.Now()
	if err := x.Load(entries); err != nil {
		return nil, 0, err
	}
	return x, time.Since(t0).Seconds(), nil
}

// timed runs a growing prefix of the queries until one run takes at least
// half the budget or all queries ran, like the shared Go scan does.
func timed(x *index.Index, qs []index.Hash, f flags) ([][]index.Match, int, float64, float64) {
	k := min(64, len(qs))
	for {
		c := cpuSeconds()
		t := time.Now()
		res := search(x, qs[:k], f)
		secs := time.Since(t).Seconds()
		cpu := cpuSeconds() - c
		if k >= len(qs) || secs >= f.budget*0.5 {
			return res, k, secs, cpu
		}
		k = min(len(qs), max(2*k, int(f.budget/(secs/float64(k)))))
	}
}

// search answers qs on f.threads goroutines, f.batch queries per call.
func search(x *index.Index, qs []index.Hash, f flags) [][]index.Match {
	res := make([][]index.Match, len(qs))
	var mu sync.Mutex
	next := 0
	var wg sync.WaitGroup
	for range f.threads {
		wg.Go(func() {
			for {
				mu.Lock()
				lo := next
				next += f.batch
				mu.Unlock()
				if lo >= len(qs) {
					return
				}
				hi := min(lo+f.batch, len(qs))
				copy(res[lo:hi], x.SearchBatch(qs[lo:hi], f.radius))
			}
		})
	}
	wg.Wait()
	return res
}

func readHashes(path string, n int) ([]index.Hash, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	if len(raw) < 32*n {
		return nil, fmt.Errorf("%s: %d bytes, want %d", path, len(raw), 32*n)
	}
	hs := make([]index.Hash, n)
	for i := range hs {
		copy(hs[i][:], raw[32*i:])
	}
	return hs, nil
}

// writeResults writes the CSR offsets and the row ids of every match.
func writeResults(prefix string, res [][]index.Match) error {
	lims := make([]byte, 8*(len(res)+1))
	var ids []byte
	total := 0
	for i, ms := range res {
		for _, m := range ms {
			ids = binary.LittleEndian.AppendUint64(ids, uint64(m.ID))
		}
		total += len(ms)
		binary.LittleEndian.PutUint64(lims[8*(i+1):], uint64(total))
	}
	if err := os.WriteFile(prefix+".lims", lims, 0o644); err != nil {
		return err
	}
	return os.WriteFile(prefix+".ids", ids, 0o644)
}

func heapBytes() int64 {
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return int64(ms.HeapAlloc)
}

func cpuSeconds() float64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	tv := func(t syscall.Timeval) float64 { return float64(t.Sec) + float64(t.Usec)*1e-6 }
	return tv(ru.Utime) + tv(ru.Stime)
}
