package index

import (
	"cmp"
	"math/bits"
	"slices"
)

// A table search runs in three passes over all the tables: bucket offsets,
// then candidate positions, then candidate codes. Each pass is a loop of
// independent reads scattered over a large array, with the reads of the
// pass prefetched ahead, so that many cache misses are in flight at once. A
// bucket-by-bucket loop would instead wait for a chain of three misses
// (directory, positions, code) per bucket; those misses are what a search
// costs.

// scratch holds a search's intermediate arrays, reused across searches.
type scratch struct {
	balls  map[[2]uint][]uint32 // ball(bits, radius)
	lo, hi []uint32             // non-empty buckets to visit
	cand   []uint32             // candidate codes
	near   []uint32             // positions in cand of the codes within the radius
	bend   []int                // table i's buckets end at lo[bend[i]]
	cend   []int                // table i's candidates end at cand[cend[i]]
}

// Reads are prefetched prefetchAhead items before they are used,
// prefetchChunk at a time.
const (
	prefetchAhead = 64
	prefetchChunk = 16
)

// search appends to dst the live entries of s within radius r of q that
// pass the bank filter.
func (s *segment) search(q *code, r int, banks []int64, sc *scratch, dst []Match) []Match {
	if !s.useTables(r) {
		return s.scan(q, r, banks, dst)
	}
	sc.lo, sc.hi, sc.bend = sc.lo[:0], sc.hi[:0], sc.bend[:0]
	m := len(s.tabs)
	for i := range s.tabs {
		if sr := subRadius(r, m, i); sr >= 0 {
			s.probe(i, q, sr, sc)
		}
		sc.bend = append(sc.bend, len(sc.lo))
	}
	s.gather(sc)
	return s.verify(q, r, banks, sc, dst)
}

// probe records the non-empty buckets of table i whose key is within sr of
// q's key.
func (s *segment) probe(i int, q *code, sr int, sc *scratch) {
	t := &s.tabs[i]
	masks := sc.ball(t.bits, sr)
	n := len(sc.lo)
	need := n + len(masks)
	sc.lo, sc.hi = grow(sc.lo, need)[:need], grow(sc.hi, need)[:need]
	n += t.dir.buckets(uint32(t.key(q)), masks, sc.lo[n:], sc.hi[n:])
	sc.lo, sc.hi = sc.lo[:n], sc.hi[:n]
}

// window returns the prefetchChunk items of s from j on, or fewer at its end.
func window(s []uint32, j int) []uint32 {
	return s[min(j, len(s)):min(j+prefetchChunk, len(s))]
}

// ball returns the b-bit masks of at most sr bits: the probed keys are a
// key XORed with each. A search reuses the few it needs from one query to
// the next instead of enumerating them again (a tenth of a search at 10M).
func (sc *scratch) ball(b uint, sr int) []uint32 {
	id := [2]uint{b, uint(sr)}
	if m, ok := sc.balls[id]; ok {
		return m
	}
	if sc.balls == nil {
		sc.balls = make(map[[2]uint][]uint32)
	}
	m := appendBall(nil, 0, int(b), sr)
	byLine(m)
	sc.balls[id] = m
	return m
}

// byLine orders masks so that those whose keys share a directory line are
// next to each other: the line of key k^m is (k>>6)^(m>>6) for every k, so
// masks equal above their low six bits probe one line. A probe then reads
// each line once, in one run, and the prefetches ahead of it name that many
// more distinct lines.
func byLine(masks []uint32) {
	slices.SortStableFunc(masks, func(a, b uint32) int { return cmp.Compare(a/blockKeys, b/blockKeys) })
}

// appendBall appends the b-bit keys within distance sr of k. Masks with c
// bits set are enumerated in increasing order (Gosper's hack), so the loop
// needs no stack.
func appendBall(dst []uint32, k uint32, b, sr int) []uint32 {
	dst = append(dst, k)
	lim := uint64(1) << b
	for c := 1; c <= sr && c <= b; c++ {
		for x := uint64(1)<<c - 1; x < lim; x = nextComb(x) {
			dst = append(dst, k^uint32(x))
		}
	}
	return dst
}

// nextComb returns the next larger integer with as many bits set as x.
func nextComb(x uint64) uint64 {
	low := x & -x
	y := x + low
	return ((y ^ x) >> (2 + uint(bits.TrailingZeros64(low)))) | y
}

// grow returns s with capacity for at least n elements.
func grow[T any](s []T, n int) []T {
	if n <= cap(s) {
		return s
	}
	return append(s[:cap(s)], make([]T, n-cap(s))...)[:len(s)]
}

// gather lists the codes in the recorded buckets, table by table.
func (s *segment) gather(sc *scratch) {
	sc.cand, sc.cend = sc.cand[:0], sc.cend[:0]
	b0 := 0
	for i, b1 := range sc.bend {
		lo, hi := sc.lo[b0:b1], sc.hi[b0:b1]
		if pos := s.tabs[i].pos; pos != nil {
			s.gatherPos(pos, lo, hi, sc)
		} else {
			for b := range lo {
				for u := lo[b]; u < hi[b]; u++ {
					sc.cand = append(sc.cand, u)
				}
			}
		}
		sc.cend = append(sc.cend, len(sc.cand))
		b0 = b1
	}
}

// gatherPos appends pos[lo[b]:hi[b]] for every b to the candidates.
func (s *segment) gatherPos(pos, lo, hi []uint32, sc *scratch) {
	total := 0
	for b := range lo {
		total += int(hi[b] - lo[b])
	}
	// Room for four more lets the assembly copy the last bucket four
	// positions at a time too.
	n := len(sc.cand)
	sc.cand = grow(sc.cand, n+total+4)
	sc.cand = sc.cand[:n+gatherPositions(pos, lo, hi, sc.cand[n:n+total+4])]
}

// gatherPositionsGo appends pos[lo[b]:hi[b]] for every b to out, which has
// room for them all, and returns how many it wrote.
func gatherPositionsGo(pos, lo, hi, out []uint32) int {
	prefetchWords(pos, lo[:min(prefetchAhead, len(lo))])
	n := 0
	for b := range lo {
		if b%prefetchChunk == 0 {
			prefetchWords(pos, window(lo, b+prefetchAhead))
		}
		n += copy(out[n:], pos[lo[b]:hi[b]])
	}
	return n
}

// verify compares the candidates with q and emits each match once.
func (s *segment) verify(q *code, r int, banks []int64, sc *scratch, dst []Match) []Match {
	sc.near = grow(sc.near[:0], len(sc.cand))[:len(sc.cand)]
	i := 0
	for _, j := range sc.near[:nearCands(s.codes, sc.cand, q, r, sc.near)] {
		for int(j) >= sc.cend[i] {
			i++
		}
		if u := sc.cand[j]; !s.seenBefore(u, i, q, r) {
			dst = s.emit(u, distance(&s.codes[u], q), banks, dst)
		}
	}
	return dst
}

// nearCandsGo writes to near the positions in cand of the codes within r
// of q, and returns how many it wrote; near has room for len(cand).
func nearCandsGo(codes []code, cand []uint32, q *code, r int, near []uint32) int {
	prefetchCodes(codes, cand[:min(prefetchAhead, len(cand))])
	n := 0
	for j, u := range cand {
		if j%prefetchChunk == 0 {
			prefetchCodes(codes, window(cand, j+prefetchAhead))
		}
		near[n] = uint32(j)
		if distance(&codes[u], q) <= r {
			n++
		}
	}
	return n
}

// seenBefore reports whether code u, a match found through table i, is also
// found through an earlier table. Every match is then reported once, by the
// first table that finds it, without a per-query set of visited codes.
func (s *segment) seenBefore(u uint32, i int, q *code, r int) bool {
	c := &s.codes[u]
	m := len(s.tabs)
	for j := 0; j < i; j++ {
		w := &s.tabs[j].mask
		d := bits.OnesCount64((c[0]^q[0])&w[0]) + bits.OnesCount64((c[1]^q[1])&w[1]) +
			bits.OnesCount64((c[2]^q[2])&w[2]) + bits.OnesCount64((c[3]^q[3])&w[3])
		if d <= subRadius(r, m, j) {
			return true
		}
	}
	return false
}

// useTables reports whether the hash tables are expected to beat a scan at
// radius r.
func (s *segment) useTables(r int) bool {
	return len(s.tabs) > 0 && s.tables[r]
}

// useTablesBatched reports whether the hash tables are expected to beat a
// scan for a batch of at least scanBlock queries at radius r.
func (s *segment) useTablesBatched(r int) bool {
	return len(s.tabs) > 0 && s.batch[r]
}
