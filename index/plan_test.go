package index

import (
	"fmt"
	"math/bits"
	"testing"
)

// TestSubRadiusPigeonhole checks the bound that makes the search exact: a
// code escapes every probed substring only if it differs from the query by
// at least r+1 bits.
func TestSubRadiusPigeonhole(t *testing.T) {
	for m := 1; m <= maxM; m++ {
		for r := 0; r <= 256; r++ {
			escape := 0 // fewest differing bits that avoid every probe
			for i := range m {
				escape += subRadius(r, m, i) + 1
			}
			if got, want := escape, r+1; got != want {
				t.Fatalf("m=%d r=%d: escaping all substrings takes %d bits, want %d", m, r, got, want)
			}
		}
	}
}

func TestSubRadiusLongestFirst(t *testing.T) {
	for m := 1; m <= maxM; m++ {
		l := newLayout(m)
		total := 0
		for i := range m {
			total += l.bits[i]
			if i > 0 && (l.bits[i] > l.bits[i-1] || l.off[i] != l.off[i-1]+l.bits[i-1]) {
				t.Fatalf("m=%d: layout %v not contiguous, longest first", m, l)
			}
		}
		if total != 256 {
			t.Fatalf("m=%d: layout covers %d bits, want 256", m, total)
		}
	}
}

func TestNextCombEnumeratesEachMaskOnce(t *testing.T) {
	for b := 1; b <= 12; b++ {
		for c := 1; c <= b; c++ {
			seen := map[uint64]bool{}
			for x := uint64(1)<<c - 1; x < 1<<b; x = nextComb(x) {
				if bits.OnesCount64(x) != c || seen[x] {
					t.Fatalf("b=%d c=%d: bad or repeated mask %b", b, c, x)
				}
				seen[x] = true
			}
			if got, want := len(seen), int(ball(b, c)-ball(b, c-1)+0.5); got != want {
				t.Fatalf("b=%d c=%d: %d masks, want %d", b, c, got, want)
			}
		}
	}
}

func TestChoose(t *testing.T) {
	tests := []struct {
		n, r   int
		tables bool
	}{
		{1000, 31, false},
		{1_000_000, 31, true},
		{10_000_000, 31, true},
		{1_000_000, 200, false},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("n=%d/r=%d", tt.n, tt.r), func(t *testing.T) {
			m := choose(tt.n, tt.r, 128)
			if got := m > 0; got != tt.tables {
				t.Fatalf("choose = %d, want tables %v", m, tt.tables)
			}
			if m > 0 {
				if b := layoutBytes(newLayout(m), tt.n); tt.n >= 1_000_000 && b > 128 {
					t.Fatalf("choose = %d uses %.0f bytes per hash, over 128", m, b)
				}
			}
		})
	}
}

// TestBallGroupsMasksByBlock checks the masks a search probes with: every
// key within the sub-radius once, and the masks of each directory block in
// one run, which the probe's prefetching counts on.
func TestBallGroupsMasksByBlock(t *testing.T) {
	var sc scratch
	for _, tt := range []struct{ b, sr int }{{6, 2}, {12, 0}, {16, 1}, {23, 2}, {24, 2}, {20, 3}} {
		masks := sc.ball(uint(tt.b), tt.sr)
		if got, want := len(masks), int(ball(tt.b, tt.sr)+0.5); got != want {
			t.Fatalf("b=%d sr=%d: %d masks, want %d", tt.b, tt.sr, got, want)
		}
		seen := map[uint32]bool{}
		done := map[uint32]bool{}
		for i, m := range masks {
			if bits.OnesCount32(m) > tt.sr || m >= 1<<tt.b || seen[m] {
				t.Fatalf("b=%d sr=%d: bad or repeated mask %b", tt.b, tt.sr, m)
			}
			seen[m] = true
			blk := m / blockKeys
			if i > 0 && masks[i-1]/blockKeys != blk {
				if done[blk] {
					t.Fatalf("b=%d sr=%d: the masks of block %d are not in one run", tt.b, tt.sr, blk)
				}
				done[masks[i-1]/blockKeys] = true
			}
		}
	}
}
