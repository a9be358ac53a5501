package index

import (
	"math/rand/v2"
	"slices"
	"testing"
)

// TestBucketsAgreesWithBucket checks the batched probe (assembly on amd64)
// against bucket, key by key, on compact and plain directories, with keys
// at every position of a block and buckets of up to 255 codes.
func TestBucketsAgreesWithBucket(t *testing.T) {
	rng := rand.New(rand.NewPCG(43, 44))
	for _, tt := range []struct{ bits, n, big int }{
		{6, 200, 0}, {6, 300, 0}, {12, 5000, 0}, {12, 2000, 200}, {12, 5000, 255}, {12, 5000, 400}, {16, 200_000, 0},
		{16, 1_000_000, 0}, // about 15 codes a key: groups of 8 keys
	} {
		keys := sortedKeys(rng, tt.n, tt.bits, tt.big)
		d := newDirectory(keys, uint(tt.bits))
		probe := make([]uint32, 0, 3<<tt.bits)
		for k := range uint32(1) << tt.bits {
			probe = append(probe, k)
		}
		for range 1 << (tt.bits + 1) {
			probe = append(probe, rng.Uint32N(1<<tt.bits))
		}
		var wantLo, wantHi []uint32
		for _, k := range probe {
			if l, h := d.bucket(k); l < h {
				wantLo, wantHi = append(wantLo, l), append(wantHi, h)
			}
		}
		k := rng.Uint32N(1 << tt.bits)
		masks := make([]uint32, len(probe))
		for i, p := range probe {
			masks[i] = k ^ p
		}
		lo, hi := make([]uint32, len(probe)), make([]uint32, len(probe))
		n := d.buckets(k, masks, lo, hi)
		if !slices.Equal(lo[:n], wantLo) || !slices.Equal(hi[:n], wantHi) {
			t.Fatalf("bits=%d big=%d compact=%v: buckets disagrees with bucket (%d buckets, want %d)",
				tt.bits, tt.big, d.ends != nil, n, len(wantLo))
		}
	}
}

// TestBucketsOfFullBlocks checks the batched probe on blocks of 255 codes,
// the most a compact directory's block holds: in one bucket at each place
// in the block, or spread over all its keys.
func TestBucketsOfFullBlocks(t *testing.T) {
	var sizes []uint32
	for j := range blockKeys {
		block := make([]uint32, blockKeys)
		block[j] = 255
		sizes = append(sizes, block...)
	}
	for j := range blockKeys {
		sizes = append(sizes, 3+uint32(j)%2) // 64 keys, 224 codes
	}
	offs := make([]uint32, len(sizes)+1)
	for k, c := range sizes {
		offs[k+1] = offs[k] + c
	}
	d := compact(offs)
	if d.ends == nil {
		t.Fatal("blocks of 255 codes took the plain form")
	}
	keys := make([]uint32, len(sizes))
	for k := range keys {
		keys[k] = uint32(k)
	}
	lo, hi := make([]uint32, len(keys)), make([]uint32, len(keys))
	n := compactBuckets(d.ends, d.base, 0, d.group, keys, lo, hi)
	var wantLo, wantHi []uint32
	for k, c := range sizes {
		if c > 0 {
			wantLo, wantHi = append(wantLo, offs[k]), append(wantHi, offs[k+1])
		}
	}
	if !slices.Equal(lo[:n], wantLo) || !slices.Equal(hi[:n], wantHi) {
		t.Fatalf("got %d buckets, want %d, or different", n, len(wantLo))
	}
}

// TestNearCandsAgreesWithGo checks the candidate filter (assembly on
// amd64) against the Go loop at radii from 0 to 256.
func TestNearCandsAgreesWithGo(t *testing.T) {
	rng := rand.New(rand.NewPCG(45, 46))
	codes := make([]code, 5000)
	for i := range codes {
		codes[i] = code{rng.Uint64(), rng.Uint64(), rng.Uint64(), rng.Uint64()}
	}
	q := codes[17]
	for range 200 { // near copies of q, at up to 64 bits
		c := q
		for range rng.IntN(65) {
			b := rng.IntN(256)
			c[b/64] ^= 1 << (b % 64)
		}
		codes[rng.IntN(len(codes))] = c
	}
	cand := make([]uint32, 20_000)
	for i := range cand {
		cand[i] = rng.Uint32N(uint32(len(codes)))
	}
	for _, r := range []int{-1, 0, 1, 10, 31, 52, 64, 128, 255, 256} {
		for _, c := range [][]uint32{cand, cand[:0], cand[:1], cand[:63], cand[:65]} {
			got, want := make([]uint32, len(c)), make([]uint32, len(c))
			n, m := nearCands(codes, c, &q, r, got), nearCandsGo(codes, c, &q, r, want)
			if !slices.Equal(got[:n], want[:m]) {
				t.Fatalf("r=%d, %d candidates: nearCands kept %d, the Go loop %d", r, len(c), n, m)
			}
		}
	}
}

// TestGatherPositionsAgreesWithGo checks the gathering of bucket contents
// (assembly on amd64) against the Go loop, with buckets of zero to 300
// positions, some ending at the last position.
func TestGatherPositionsAgreesWithGo(t *testing.T) {
	rng := rand.New(rand.NewPCG(47, 48))
	pos := make([]uint32, 10_000)
	for i := range pos {
		pos[i] = rng.Uint32()
	}
	var lo, hi []uint32
	total := 0
	for range 3000 {
		size := uint32(rng.IntN(6))
		if rng.IntN(50) == 0 {
			size = uint32(rng.IntN(301))
		}
		l := rng.Uint32N(uint32(len(pos)) - size + 1)
		if rng.IntN(20) == 0 {
			l = uint32(len(pos)) - size // a bucket at the end of pos
		}
		lo, hi = append(lo, l), append(hi, l+size)
		total += int(size)
	}
	for _, room := range []int{total, total + 4} {
		for _, b := range []int{0, 1, 63, 65, len(lo)} {
			want := make([]uint32, room)
			got := make([]uint32, room)
			m := gatherPositionsGo(pos, lo[:b], hi[:b], want)
			n := gatherPositions(pos, lo[:b], hi[:b], got)
			if !slices.Equal(got[:n], want[:m]) {
				t.Fatalf("%d buckets, room %d: %d positions, want %d, or different", b, room-total, n, m)
			}
		}
	}
}

// TestConsistentRejectsPositionsOutOfRange checks that a segment read from
// a snapshot whose checksums pass but whose table names a code past the
// last is refused: the assembly would read it without a bounds check.
func TestConsistentRejectsPositionsOutOfRange(t *testing.T) {
	rng := rand.New(rand.NewPCG(49, 50))
	x := New()
	x.force = forcing{m: 16, table: true}
	if err := x.Load(uniformEntries(3000, rng)); err != nil {
		t.Fatal(err)
	}
	s := x.segs[0]
	n, u := len(s.ids), len(s.codes)
	if !s.consistent(n, u) {
		t.Fatal("the segment as built is not consistent")
	}
	s.tabs[3].pos[17] = uint32(u)
	if s.consistent(n, u) {
		t.Fatal("a position past the last code is accepted")
	}
}
