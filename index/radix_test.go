package index

import (
	"math/rand/v2"
	"slices"
	"testing"
)

func TestSortPairs(t *testing.T) {
	rng := rand.New(rand.NewPCG(23, 24))
	for _, bits := range []int{1, 8, 12, 13, 16, 19, 24} {
		n := 5000
		keys, vals := make([]uint32, n), make([]uint32, n)
		for i := range keys {
			keys[i], vals[i] = rng.Uint32N(1<<bits), uint32(i)
		}
		want := slices.Clone(vals)
		slices.SortStableFunc(want, func(a, b uint32) int { return int(keys[a]) - int(keys[b]) })
		wantKeys := make([]uint32, n)
		for i, v := range want {
			wantKeys[i] = keys[v]
		}
		sortPairs(keys, vals, make([]uint32, n), make([]uint32, n), bits)
		if !slices.Equal(vals, want) || !slices.Equal(keys, wantKeys) {
			t.Fatalf("bits=%d: sortPairs is not a stable sort by key", bits)
		}
		dir := dirOf(keys, uint(bits))
		for k := range len(dir) - 1 {
			for _, key := range keys[dir[k]:dir[k+1]] {
				if key != uint32(k) {
					t.Fatalf("bits=%d: key %d in bucket %d", bits, key, k)
				}
			}
		}
		if got := dir[len(dir)-1]; got != uint32(n) {
			t.Fatalf("bits=%d: directory ends at %d, want %d", bits, got, n)
		}
	}
}
