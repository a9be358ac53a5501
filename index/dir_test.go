package index

import (
	"math/rand/v2"
	"slices"
	"testing"
)

// sortedKeys returns n random keys below 1<<bits, sorted, plus big copies
// of one key: a bucket of that many codes.
func sortedKeys(rng *rand.Rand, n, bits, big int) []uint32 {
	keys := make([]uint32, 0, n+big)
	for range n {
		keys = append(keys, rng.Uint32N(1<<bits))
	}
	k := rng.Uint32N(1 << bits)
	for range big {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

func TestDirectoryFindsEveryBucket(t *testing.T) {
	rng := rand.New(rand.NewPCG(41, 42))
	tests := []struct {
		bits, n, big int
		compact      bool
	}{
		{4, 100, 0, false}, // fewer keys than a block: plain
		{6, 200, 0, true},
		{12, 5000, 0, true},
		{6, 300, 0, true}, // over 255 codes a block: groups of 32 keys
		{12, 2000, 200, true},
		{12, 5000, 400, false},   // a bucket of over 255 codes: plain
		{16, 1_000_000, 0, true}, // about 15 codes a key: groups of 8 keys
		{16, 200_000, 0, true},   // about three codes a key
	}
	for _, tt := range tests {
		keys := sortedKeys(rng, tt.n, tt.bits, tt.big)
		d := newDirectory(keys, uint(tt.bits))
		if got := d.ends != nil; got != tt.compact {
			t.Fatalf("bits=%d big=%d: compact = %v, want %v", tt.bits, tt.big, got, tt.compact)
		}
		if !d.valid(uint(tt.bits), uint32(len(keys))) {
			t.Fatalf("bits=%d: the directory of %d keys is not valid", tt.bits, len(keys))
		}
		next := uint32(0)
		for k := range uint32(1) << tt.bits {
			lo, hi := d.bucket(k)
			if lo != next {
				t.Fatalf("bits=%d: bucket %d starts at %d, want %d", tt.bits, k, lo, next)
			}
			for _, key := range keys[lo:hi] {
				if key != k {
					t.Fatalf("bits=%d: key %d in bucket %d", tt.bits, key, k)
				}
			}
			next = hi
		}
		if next != uint32(len(keys)) {
			t.Fatalf("bits=%d: buckets end at %d, want %d", tt.bits, next, len(keys))
		}
	}
}

// TestCompactGroups checks the group a compact directory takes as its
// keys get denser: every key holding s codes, the largest group of keys
// whose codes fit in a byte, and the plain form once four keys hold more;
// and in each, every bucket, by key and through the assembly's probe.
func TestCompactGroups(t *testing.T) {
	for _, tt := range []struct {
		s     uint32
		group uint // 0: plain
	}{{0, 6}, {3, 6}, {4, 5}, {7, 5}, {8, 4}, {15, 4}, {16, 3}, {31, 3}, {32, 2}, {63, 2}, {64, 0}} {
		offs := make([]uint32, 4*blockKeys+1)
		for k := range 4 * blockKeys {
			c := tt.s
			if c > 0 { // not all alike, with the same sum in every pair of keys
				c += uint32(k%2*2) - 1
			}
			offs[k+1] = offs[k] + c
		}
		d := compact(offs)
		if got := d.group; (d.ends == nil) != (tt.group == 0) || (d.ends != nil && got != tt.group) {
			t.Fatalf("%d codes a key: compact %v, group %d, want group %d (0: plain)", tt.s, d.ends != nil, got, tt.group)
		}
		keys := make([]uint32, 4*blockKeys)
		for k := range keys {
			keys[k] = uint32(k)
			if lo, hi := d.bucket(uint32(k)); lo != offs[k] || hi != offs[k+1] {
				t.Fatalf("%d codes a key: key %d: bucket [%d, %d), want [%d, %d)", tt.s, k, lo, hi, offs[k], offs[k+1])
			}
		}
		if !d.valid(8, offs[len(offs)-1]) {
			t.Fatalf("%d codes a key: not valid", tt.s)
		}
		if d.ends == nil {
			continue
		}
		if got := groupOf(8, len(d.base)); got != d.group {
			t.Fatalf("%d codes a key: groupOf = %d, want %d", tt.s, got, d.group)
		}
		lo, hi := make([]uint32, len(keys)), make([]uint32, len(keys))
		n := compactBuckets(d.ends, d.base, 0, d.group, keys, lo, hi)
		var wantLo, wantHi []uint32
		for k := range keys {
			if offs[k] < offs[k+1] {
				wantLo, wantHi = append(wantLo, offs[k]), append(wantHi, offs[k+1])
			}
		}
		if !slices.Equal(lo[:n], wantLo) || !slices.Equal(hi[:n], wantHi) {
			t.Fatalf("%d codes a key: compactBuckets found %d buckets, want %d, or different", tt.s, n, len(wantLo))
		}
	}
}

// TestCompactBlockLimit checks the largest groups: 255 codes in one
// bucket of a block stays compact, in blocks, and 256 makes it plain.
func TestCompactBlockLimit(t *testing.T) {
	for _, total := range []int{255, 256} {
		sizes := make([]uint32, 4*blockKeys)
		sizes[blockKeys+7] = uint32(total) // the second block's eighth key
		offs := make([]uint32, len(sizes)+1)
		for k, c := range sizes {
			offs[k+1] = offs[k] + c
		}
		d := compact(offs)
		if got, want := d.ends != nil, total <= 255; got != want {
			t.Fatalf("%d codes: compact = %v, want %v", total, got, want)
		}
		if d.ends != nil && d.group != 6 {
			t.Fatalf("%d codes: group %d, want 6", total, d.group)
		}
		for k := range uint32(len(sizes)) {
			if lo, hi := d.bucket(k); lo != offs[k] || hi != offs[k+1] {
				t.Fatalf("%d codes: key %d: bucket [%d, %d), want [%d, %d)", total, k, lo, hi, offs[k], offs[k+1])
			}
		}
	}
}

// TestDirectoryValidRejectsDamage checks that a directory read from a
// damaged snapshot is refused rather than searched out of range.
func TestDirectoryValidRejectsDamage(t *testing.T) {
	rng := rand.New(rand.NewPCG(45, 46))
	keys := sortedKeys(rng, 3000, 10, 0)
	n := uint32(len(keys))
	damage := map[string]func(d *directory){
		"end changed":       func(d *directory) { d.ends[2*blockKeys-1]++ },
		"ends decreasing":   func(d *directory) { d.ends[blockKeys+5] = d.ends[blockKeys+4] - 1 },
		"base changed":      func(d *directory) { d.base[3]-- },
		"total changed":     func(d *directory) { d.base[len(d.base)-1]++ },
		"ends short":        func(d *directory) { d.ends = d.ends[:len(d.ends)-1] },
		"base short":        func(d *directory) { d.base = d.base[:len(d.base)-1] },
		"group changed":     func(d *directory) { d.group-- },
		"both forms":        func(d *directory) { d.offs = []uint32{0} },
		"plain decreasing":  func(d *directory) { *d = directory{offs: dirOf(keys, 10)}; d.offs[5] = n },
		"plain wrong total": func(d *directory) { *d = directory{offs: dirOf(keys, 10)}; d.offs[1<<10] = n - 1 },
	}
	for name, f := range damage {
		d := newDirectory(keys, 10)
		d.ends, d.base = slices.Clone(d.ends), slices.Clone(d.base)
		if !d.valid(10, n) {
			t.Fatalf("%s: the undamaged directory is not valid", name)
		}
		f(&d)
		if d.valid(10, n) {
			t.Errorf("%s: a damaged directory is valid", name)
		}
	}
}

// TestSkewedBucketsKeepPlainDirectories searches a set in which a thousand
// distinct codes share their first 128 bits, so that the tables keyed
// there have a bucket too large for the compact form, and checks the
// tables took the plain form and still find every match.
func TestSkewedBucketsKeepPlainDirectories(t *testing.T) {
	rng := rand.New(rand.NewPCG(47, 48))
	es := uniformEntries(20_000, rng)
	shared := randHash(rng)
	for i := range 1000 {
		h := randHash(rng)
		copy(h[:16], shared[:16])
		es = append(es, Entry{ID: int64(len(es) + 1 + i), Bank: 1, Hash: h})
	}
	x := New()
	if err := x.Load(es); err != nil {
		t.Fatal(err)
	}
	plain, compacted := 0, 0
	for _, s := range x.segs {
		for i := range s.tabs {
			if s.tabs[i].dir.ends == nil {
				plain++
			} else {
				compacted++
			}
		}
	}
	if plain == 0 || compacted == 0 {
		t.Fatalf("%d plain and %d compact directories, want some of each", plain, compacted)
	}
	y := New()
	y.restore(roundTrip(t, x.image())) // both forms through a snapshot
	qs := append(queriesFor(es[20_000:], 20, 31, rng), queriesFor(es[:20_000], 20, 31, rng)...)
	for _, r := range []int{0, 8, 31, 40} {
		for _, q := range qs {
			want := bruteForce(es, []Hash{q}, r, nil)
			checkMatches(t, "skewed", x.Search(q, r), want)
			checkMatches(t, "skewed, restored", y.Search(q, r), want)
		}
	}
}
