package main

import (
	"encoding/json"
	"fmt"
	"math/bits"
	"math/rand/v2"
	"runtime"
	"sync"
	"time"

	"github.com/vigie-hotline/vigie/index"
)

// BenchCmd groups the built-in benchmarks.
type BenchCmd struct {
	Index BenchIndexCmd `cmd:"" help:"Measure the PDQ index on generated data: build time, bytes per hash, queries/s on one thread and on all cores, recall against brute force."`
}

// BenchIndexCmd benchmarks the index.
type BenchIndexCmd struct {
	N         int    `help:"Stored hashes." default:"1000000"`
	Queries   int    `help:"Queries: half are stored hashes with 0–31 bits flipped, half match nothing." default:"10000"`
	Radius    int    `help:"Search radius." default:"31"`
	Seed      uint64 `help:"Seed of the generated data." default:"1"`
	Clustered bool   `help:"Make 10% of the entries near-duplicates (1–40 bits) of others, as real lists have."`
	Recall    int    `help:"Queries checked against a brute-force scan." default:"200"`
	JSON      bool   `help:"Print one JSON object."`
}

type benchIndexResult struct {
	N            int     `json:"n"`
	Queries      int     `json:"queries"`
	Radius       int     `json:"radius"`
	Clustered    bool    `json:"clustered"`
	BuildSeconds float64 `json:"build_seconds"`
	BytesPerHash float64 `json:"bytes_per_hash"`
	QPS1         float64 `json:"qps_1_thread"`
	QPSAll       float64 `json:"qps_all_cores"`
	Cores        int     `json:"cores"`
	Recall       float64 `json:"recall"`
	Checked      int     `json:"recall_queries"`
	Matches      int     `json:"matches"`
}

// Run generates the data, builds the index and measures it.
func (c *BenchIndexCmd) Run(m *Main) error {
	rng := rand.New(rand.NewPCG(c.Seed, c.Seed^0x9e3779b97f4a7c15))
	entries := benchEntries(rng, c.N, c.Clustered)
	queries := benchQueries(rng, entries, c.Queries)
	res := benchIndexResult{N: c.N, Queries: c.Queries, Radius: c.Radius, Clustered: c.Clustered, Cores: runtime.GOMAXPROCS(0)}

	x := index.New()
	start := time.Now()
	if err := x.Load(entries); err != nil {
		return err
	}
	res.BuildSeconds = time.Since(start).Seconds()
	res.BytesPerHash = float64(x.Stats().Bytes) / float64(max(c.N, 1))

	start = time.Now()
	for _, q := range queries {
		res.Matches += len(x.Search(q, c.Radius))
	}
	res.QPS1 = float64(len(queries)) / time.Since(start).Seconds()
	res.QPSAll = benchParallel(x, queries, c.Radius, res.Cores)
	res.Checked, res.Recall = benchRecall(x, entries, queries[:min(c.Recall, len(queries))], c.Radius)

	if c.JSON {
		return json.NewEncoder(m.Stdout).Encode(res)
	}
	fmt.Fprintf(m.Stdout, "n=%d queries=%d radius=%d clustered=%v\nbuild %.2f s, %.1f bytes/hash\n%.0f queries/s on 1 thread, %.0f on %d cores\nrecall %.4f on %d queries checked by brute force (%d matches in all)\n",
		res.N, res.Queries, res.Radius, res.Clustered, res.BuildSeconds, res.BytesPerHash, res.QPS1, res.QPSAll, res.Cores, res.Recall, res.Checked, res.Matches)
	return nil
}

// benchEntries generates n uniform hashes; clustered, every tenth is a copy
// of an earlier one with 1–40 bits flipped.
func benchEntries(rng *rand.Rand, n int, clustered bool) []index.Entry {
	es := make([]index.Entry, n)
	for i := range es {
		es[i].ID, es[i].Bank = int64(i+1), 1
		if clustered && i > 0 && i%10 == 0 {
			es[i].Hash = flipBits(rng, es[rng.IntN(i)].Hash, 1+rng.IntN(40))
			continue
		}
		for j := 0; j < 32; j += 8 {
			v := rng.Uint64()
			for k := range 8 {
				es[i].Hash[j+k] = byte(v >> (8 * k))
			}
		}
	}
	return es
}

func benchQueries(rng *rand.Rand, es []index.Entry, n int) []index.Hash {
	qs := make([]index.Hash, n)
	for i := range qs {
		if i%2 == 0 && len(es) > 0 {
			qs[i] = flipBits(rng, es[rng.IntN(len(es))].Hash, rng.IntN(32))
		} else {
			for j := range qs[i] {
				qs[i][j] = byte(rng.Uint32())
			}
		}
	}
	return qs
}

func flipBits(rng *rand.Rand, h index.Hash, n int) index.Hash {
	for _, b := range rng.Perm(256)[:n] {
		h[b/8] ^= 1 << (b % 8)
	}
	return h
}

// benchParallel runs the queries split over cores goroutines.
func benchParallel(x *index.Index, qs []index.Hash, r, cores int) float64 {
	var wg sync.WaitGroup
	start := time.Now()
	for w := range cores {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := w; i < len(qs); i += cores {
				x.Search(qs[i], r)
			}
		}()
	}
	wg.Wait()
	return float64(len(qs)) / time.Since(start).Seconds()
}

// benchRecall compares the index's answers with a brute-force scan.
func benchRecall(x *index.Index, es []index.Entry, qs []index.Hash, r int) (int, float64) {
	want, got := 0, 0
	for _, q := range qs {
		found := map[int64]bool{}
		for _, m := range x.Search(q, r) {
			found[m.ID] = true
		}
		for _, e := range es {
			if hamming(&q, &e.Hash) <= r {
				want++
				if found[e.ID] {
					got++
				}
			}
		}
	}
	if want == 0 {
		return len(qs), 1
	}
	return len(qs), float64(got) / float64(want)
}

func hamming(a, b *index.Hash) int {
	d := 0
	for i := range a {
		d += bits.OnesCount8(a[i] ^ b[i])
	}
	return d
}
