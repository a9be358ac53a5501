// Command lookup writes the data for bench/lookup/run.sh: n uniform random
// PDQ hashes in the te format ("pdq <64 hex>" per line), and a list of
// queries, half of them stored hashes with 0–31 random bits flipped (they
// match at the default threshold 31), half random hashes that match
// nothing. The output depends only on the flags. The hashes are random
// bits, never hashes of real images.
package main

import (
	"bufio"
	"encoding/hex"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
)

func main() {
	n := flag.Int("n", 10_000_000, "stored hashes")
	queries := flag.Int("queries", 10_000, "queries, half of them near a stored hash")
	seed := flag.Uint64("seed", 1, "random seed")
	hashesPath := flag.String("hashes", "hashes.te", "te file to write")
	queriesPath := flag.String("queries-out", "queries.txt", "query list to write, one hex hash per line")
	flag.Parse()
	if err := run(*n, *queries, *seed, *hashesPath, *queriesPath); err != nil {
		fmt.Fprintln(os.Stderr, "lookup:", err)
		os.Exit(1)
	}
}

func run(n, q int, seed uint64, hashesPath, queriesPath string) error {
	if n < 1 || q < 2 {
		return fmt.Errorf("need -n ≥ 1 and -queries ≥ 2")
	}
	rng := rand.New(rand.NewPCG(seed, 0x76696769))
	// The stored hashes that near queries start from, spread over the file.
	near := q / 2
	pick := make(map[int]int, near) // line → query slot
	for i := 0; i < near; i++ {
		pick[int(uint64(i)*uint64(n)/uint64(near))] = i
	}
	base := make([][32]byte, near)
	if err := writeLines(hashesPath, n, func(i int) string {
		h := randomHash(rng)
		if slot, ok := pick[i]; ok {
			base[slot] = h
		}
		return "pdq " + hex.EncodeToString(h[:])
	}); err != nil {
		return err
	}
	qrng := rand.New(rand.NewPCG(seed, 0x71756572))
	return writeLines(queriesPath, q, func(i int) string {
		var h [32]byte
		if i%2 == 0 {
			h = flip(qrng, base[i/2], qrng.IntN(32))
		} else {
			h = randomHash(qrng)
		}
		return hex.EncodeToString(h[:])
	})
}

func randomHash(rng *rand.Rand) [32]byte {
	var h [32]byte
	for i := 0; i < 32; i += 8 {
		v := rng.Uint64()
		for j := range 8 {
			h[i+j] = byte(v >> (8 * j))
		}
	}
	return h
}

// flip returns h with k distinct random bits inverted.
func flip(rng *rand.Rand, h [32]byte, k int) [32]byte {
	for _, b := range rng.Perm(256)[:k] {
		h[b/8] ^= 1 << (b % 8)
	}
	return h
}

func writeLines(path string, n int, line func(i int) string) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	w := bufio.NewWriterSize(f, 1<<20)
	for i := range n {
		w.WriteString(line(i))
		w.WriteByte('\n')
	}
	if err := w.Flush(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
