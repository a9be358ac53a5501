package index

import (
	"bufio"
	"encoding/hex"
	"math/bits"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// pdqDir holds the public PDQ test vectors shared by the project.
const pdqDir = "../../shared/testdata/pdq"

func randHash(rng *rand.Rand) Hash {
	var h Hash
	for i := range h {
		h[i] = byte(rng.Uint32())
	}
	return h
}

// flip returns h with k distinct random bits inverted.
func flip(h Hash, k int, rng *rand.Rand) Hash {
	for _, b := range rng.Perm(256)[:k] {
		h[b/8] ^= 1 << (b % 8)
	}
	return h
}

func hamming(a, b Hash) int {
	d := 0
	for i := range a {
		d += bits.OnesCount8(a[i] ^ b[i])
	}
	return d
}

// bruteForce is the reference: every entry within r of any query, once, at
// its smallest distance, sorted like Find's result.
func bruteForce(es []Entry, qs []Hash, r int, banks []int64) []Match {
	var ms []Match
	for _, e := range es {
		if len(banks) > 0 && !slices.Contains(banks, e.Bank) {
			continue
		}
		best := -1
		for _, q := range qs {
			if d := hamming(e.Hash, q); d <= r && (best < 0 || d < best) {
				best = d
			}
		}
		if best >= 0 {
			ms = append(ms, Match{ID: e.ID, Bank: e.Bank, Distance: best})
		}
	}
	sortMatches(ms)
	return ms
}

func uniformEntries(n int, rng *rand.Rand) []Entry {
	es := make([]Entry, n)
	for i := range es {
		es[i] = Entry{ID: int64(i + 1), Bank: int64(i % 3), Hash: randHash(rng)}
	}
	return es
}

// clusteredEntries is 90% uniform codes and 10% near-duplicates (1..40
// bits) of a hot 1%, like the shared benchmark's clustered set.
func clusteredEntries(n int, rng *rand.Rand) []Entry {
	es := uniformEntries(n*9/10, rng)
	hot := max(1, n/100)
	for len(es) < n {
		src := es[rng.IntN(hot)].Hash
		es = append(es, Entry{ID: int64(len(es) + 1), Bank: 7, Hash: flip(src, 1+rng.IntN(40), rng)})
	}
	rng.Shuffle(len(es), func(i, j int) { es[i], es[j] = es[j], es[i] })
	return es
}

// readHashes reads the 64-digit hex hashes at the start of each line of
// the PDQ test-vector files, skipping the test if they are not there.
func readHashes(tb testing.TB, names ...string) []Hash {
	tb.Helper()
	var hs []Hash
	for _, name := range names {
		f, err := os.Open(filepath.Join(pdqDir, name))
		if os.IsNotExist(err) {
			tb.Skipf("PDQ test vectors not found: %v", err)
		} else if err != nil {
			tb.Fatal(err)
		}
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			for _, field := range strings.Fields(sc.Text()) {
				if h, ok := parseHash(field); ok {
					hs = append(hs, h)
				}
			}
		}
		f.Close()
		if err := sc.Err(); err != nil {
			tb.Fatal(err)
		}
	}
	if len(hs) == 0 {
		tb.Fatalf("no hashes in %v", names)
	}
	return hs
}

func parseHash(s string) (Hash, bool) {
	var h Hash
	if len(s) != 64 {
		return h, false
	}
	if _, err := hex.Decode(h[:], []byte(s)); err != nil {
		return h, false
	}
	return h, true
}

// realEntries is built from real PDQ hashes: the upstream hash lists and
// reference outputs, edits of them at 1..40 bits, and many copies of the
// all-zero and all-one hashes (what flat images give), so that buckets are
// skewed as they are in real banks.
func realEntries(tb testing.TB, rng *rand.Rand) []Entry {
	tb.Helper()
	base := readHashes(tb, "reg-test-input/haystack.txt", "reg-test-input/needles.txt",
		"reg-test-input/long256.dat", "reg-test-input/short256.dat",
		"expected/pdq-reference-dihedral.tsv", "expected/derived-reference-dihedral.tsv")
	var es []Entry
	add := func(h Hash) { es = append(es, Entry{ID: int64(len(es) + 1), Bank: int64(len(es) % 4), Hash: h}) }
	for _, h := range base {
		add(h)
		add(flip(h, 1+rng.IntN(40), rng))
	}
	for range 600 {
		add(Hash{})
		add(flip(Hash{}, rng.IntN(3), rng))
		var ones Hash
		for i := range ones {
			ones[i] = 0xff
		}
		add(ones)
	}
	return es
}

// queriesFor returns stored hashes with 0..maxFlip bits flipped and fresh
// random hashes, half each.
func queriesFor(es []Entry, n, maxFlip int, rng *rand.Rand) []Hash {
	qs := make([]Hash, n)
	for i := range qs {
		if i%2 == 0 {
			qs[i] = flip(es[rng.IntN(len(es))].Hash, rng.IntN(maxFlip+1), rng)
		} else {
			qs[i] = randHash(rng)
		}
	}
	return qs
}

func checkMatches(tb testing.TB, what string, got, want []Match) {
	tb.Helper()
	if !slices.Equal(got, want) {
		tb.Fatalf("%s: got %d matches, want %d\ngot  %v\nwant %v", what, len(got), len(want), head(got), head(want))
	}
}

func head(ms []Match) []Match { return ms[:min(len(ms), 8)] }
