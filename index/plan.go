package index

import "math"

// Cost-model constants, in seconds, measured on a 2-core Xeon (Sapphire
// Rapids, KVM) with 1M uniform codes (see bench/index/README.md); the model
// then predicted the measured time per query within 15% at radii 31 to 56.
// Only their ratios matter: they pick the number of substrings and decide
// when a scan beats the tables.
const (
	costLine      = 17e-9   // one directory cache line (a prefetched read, most often a miss)
	costKey       = 2e-9    // one probed key's bucket found in a line already read
	costCand      = 11e-9   // one candidate: its position, then its code, both random reads
	costPairMem   = 3.0e-9  // one code in a single-query scan of codes out of cache (memory-bound)
	costPairCache = 1.3e-9  // one code in a single-query scan of codes in cache (popcount-bound)
	costPairBatch = 1.35e-9 // one code per query in a batched scan (popcount-bound)
	cacheBytes    = 4 << 20
)

// Limits on the substring layout. Keys are at most maxBits wide so that a
// directory of 1<<bits offsets stays small next to the codes.
const (
	minM    = 8
	maxM    = 64
	maxBits = 24
)

// layout is how the 256 bits are split into m substrings: bits[i] wide,
// starting at bit off[i]. Longer substrings come first, which is where the
// pigeonhole bound puts the larger per-substring radius.
type layout struct {
	bits []int
	off  []int
}

// newLayout splits 256 bits into m contiguous substrings as evenly as possible.
func newLayout(m int) layout {
	l := layout{bits: make([]int, m), off: make([]int, m)}
	base, extra := 256/m, 256%m
	off := 0
	for i := range l.bits {
		b := base
		if i < extra {
			b++
		}
		l.bits[i], l.off[i] = b, off
		off += b
	}
	return l
}

// subRadius returns the radius to search substring i at when the whole code
// is searched at radius r with m substrings. By the pigeonhole principle
// (Norouzi, Punjani and Fleet, 2014), with r = m*q + a a code within r of the
// query is within q of it on one of the first a+1 substrings or within q-1 on
// one of the others. A negative result means the substring is not probed.
func subRadius(r, m, i int) int {
	q, a := r/m, r%m
	if i <= a {
		return q
	}
	return q - 1
}

// ball returns the number of b-bit keys within Hamming distance s of a key.
func ball(b, s int) float64 {
	if s > b {
		s = b
	}
	v, c := 0.0, 1.0
	for k := 0; k <= s; k++ {
		v += c
		c = c * float64(b-k) / float64(k+1)
	}
	return v
}

// mihCost estimates the seconds one query at radius r takes on n codes
// indexed with layout l, assuming uniformly distributed codes.
func mihCost(l layout, n, r int) float64 {
	m := len(l.bits)
	t := 0.0
	for i, b := range l.bits {
		s := subRadius(r, m, i)
		if s < 0 {
			continue
		}
		probes := ball(b, s)
		t += dirLines(b, s)*costLine + probes*costKey + probes*float64(n)/math.Exp2(float64(b))*costCand
	}
	return t
}

// dirLines returns the number of directory cache lines a probe of the
// b-bit keys within distance s of a key reads: the keys of one line differ
// only in their low six bits.
func dirLines(b, s int) float64 {
	if b <= 6 {
		return 1
	}
	return ball(b-6, s)
}

// scanCost estimates the seconds a single-query scan over n codes takes.
func scanCost(n int) float64 {
	if 32*n <= cacheBytes {
		return float64(n) * costPairCache
	}
	return float64(n) * costPairMem
}

// fixedBytes is the memory per entry that does not depend on the layout:
// the code (32), id (8), bank (8), code-group offset (4), id order (4).
const fixedBytes = 56

// layoutBytes estimates the memory per entry of a segment of n codes: fixed
// fields, one 4-byte position per substring but the first (codes are stored
// in its order), and the directories.
func layoutBytes(l layout, n int) float64 {
	dirs := 0.0
	for _, b := range l.bits {
		dirs += compactBytesPerKey * math.Exp2(float64(b))
	}
	return fixedBytes + 4*float64(len(l.bits)-1) + dirs/float64(n)
}

// choose returns the number of substrings that minimises the estimated
// query time at radius r for n codes, or 0 if a scan is estimated to be as
// fast. Layouts must fit in budget bytes per entry, or in smallBytes per
// entry up to smallSlack in all, whichever is more: a small segment's
// directories, which do not shrink with it, would otherwise rule out
// tables below a few hundred thousand codes.
func choose(n, r int, budget float64) int {
	allowed := max(budget*float64(n), min(smallSlack, smallBytes*float64(n)))
	best, bestCost := 0, scanCost(n)
	for m := minM; m <= maxM; m++ {
		l := newLayout(m)
		if l.bits[0] > maxBits || layoutBytes(l, n)*float64(n) > allowed {
			continue
		}
		if c := mihCost(l, n, r); c < bestCost {
			best, bestCost = m, c
		}
	}
	return best
}

// The memory a small segment may use, whatever the budget.
const (
	smallSlack = 8 << 20
	smallBytes = 384
)
