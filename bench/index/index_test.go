package main

import (
	"fmt"
	"math/bits"
	"math/rand/v2"
	"testing"

	"github.com/vigie-hotline/vigie/index"
)

// Data shaped like the shared benchmark's (../../../shared/bench/hamming):
// uniform codes; queries half stored codes with 0..31 bits flipped, half
// fresh codes that match nothing.

func uniform(n int, seed uint64) []index.Entry {
	rng := rand.New(rand.NewPCG(seed, 1))
	es := make([]index.Entry, n)
	for i := range es {
		es[i].ID = int64(i)
		for w := 0; w < 32; w += 8 {
			v := rng.Uint64()
			for b := range 8 {
				es[i].Hash[w+b] = byte(v >> (8 * b))
			}
		}
	}
	return es
}

func queries(es []index.Entry, n int, seed uint64) []index.Hash {
	rng := rand.New(rand.NewPCG(seed, 2))
	fresh := uniform(n, seed+1)
	qs := make([]index.Hash, n)
	for i := range qs {
		if i%2 == 1 {
			qs[i] = fresh[i].Hash
			continue
		}
		qs[i] = es[rng.IntN(len(es))].Hash
		for _, b := range rng.Perm(256)[:rng.IntN(32)] {
			qs[i][b/8] ^= 1 << (b % 8)
		}
	}
	return qs
}

var sizes = []int{100_000, 1_000_000}

func BenchmarkLoad(b *testing.B) {
	for _, n := range sizes {
		es := uniform(n, 1)
		b.Run(fmt.Sprintf("n=%d", n), func(b *testing.B) {
			for b.Loop() {
				x := index.New()
				if err := x.Load(es); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "hashes/s")
		})
	}
}

func BenchmarkSearch(b *testing.B) {
	for _, n := range sizes {
		es := uniform(n, 1)
		qs := queries(es, 10_000, 3)
		x := index.New()
		if err := x.Load(es); err != nil {
			b.Fatal(err)
		}
		b.Logf("n=%d: %+v, %.1f bytes/hash", n, x.Stats(), float64(x.Stats().Bytes)/float64(n))
		for _, r := range []int{31, 52} {
			b.Run(fmt.Sprintf("n=%d/r=%d", n, r), func(b *testing.B) {
				i := 0
				for b.Loop() {
					x.Search(qs[i%len(qs)], r)
					i++
				}
				b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "queries/s")
			})
		}
	}
}

func BenchmarkSearchBatch(b *testing.B) {
	for _, n := range sizes {
		es := uniform(n, 1)
		qs := queries(es, 10_000, 3)
		x := index.New()
		if err := x.Load(es); err != nil {
			b.Fatal(err)
		}
		for _, r := range []int{31, 52} {
			b.Run(fmt.Sprintf("n=%d/r=%d", n, r), func(b *testing.B) {
				i := 0
				for b.Loop() {
					lo := (i * 16) % len(qs)
					x.SearchBatch(qs[lo:lo+16], r)
					i++
				}
				b.ReportMetric(16*float64(b.N)/b.Elapsed().Seconds(), "queries/s")
			})
		}
	}
}

// BenchmarkSearchAny searches the 8 variants of a query at once, as a
// dihedral lookup does (the variants here are independent random flips).
func BenchmarkSearchAny(b *testing.B) {
	n := 1_000_000
	es := uniform(n, 1)
	qs := queries(es, 8*1000, 3)
	x := index.New()
	if err := x.Load(es); err != nil {
		b.Fatal(err)
	}
	i := 0
	for b.Loop() {
		lo := (8 * i) % len(qs)
		x.SearchAny(qs[lo:lo+8], 31)
		i++
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "lookups/s")
}

// BenchmarkAdd adds entries one at a time to an index of 1M, through the
// delta, its flushes and segment merges.
func BenchmarkAdd(b *testing.B) {
	es := uniform(1_000_000, 1)
	more := uniform(1_000_000, 5)
	x := index.New()
	if err := x.Load(es); err != nil {
		b.Fatal(err)
	}
	i := 0
	for b.Loop() {
		e := more[i%len(more)]
		e.ID = int64(len(es) + i)
		x.Add(e)
		i++
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "adds/s")
}

// BenchmarkScan is the anchor: one query compared with every code.
func BenchmarkScan(b *testing.B) {
	for _, n := range sizes {
		es := uniform(n, 1)
		codes := make([][4]uint64, n)
		for i := range es {
			for w := range 4 {
				for k := range 8 {
					codes[i][w] |= uint64(es[i].Hash[8*w+k]) << (8 * k)
				}
			}
		}
		q := codes[n/2]
		b.Run(fmt.Sprintf("n=%d", n), func(b *testing.B) {
			found := 0
			for b.Loop() {
				for i := range codes {
					c := &codes[i]
					d := bits.OnesCount64(c[0]^q[0]) + bits.OnesCount64(c[1]^q[1]) +
						bits.OnesCount64(c[2]^q[2]) + bits.OnesCount64(c[3]^q[3])
					if d <= 31 {
						found++
					}
				}
			}
			if found < b.N {
				b.Fatalf("scan found %d matches in %d passes, want at least one per pass", found, b.N)
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "queries/s")
		})
	}
}
