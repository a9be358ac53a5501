package index

import (
	"math/bits"
	"slices"
)

// emit appends the live entries stored under code u.
func (s *segment) emit(u uint32, d int, banks []int64, dst []Match) []Match {
	for e := s.first[u]; e < s.first[u+1]; e++ {
		if s.isDead(e) || !inBanks(s.banks[e], banks) {
			continue
		}
		dst = append(dst, Match{ID: s.ids[e], Bank: s.banks[e], Distance: d})
	}
	return dst
}

func inBanks(b int64, banks []int64) bool {
	return len(banks) == 0 || slices.Contains(banks, b)
}

// scan compares q with every code of the segment.
func (s *segment) scan(q *code, r int, banks []int64, dst []Match) []Match {
	for u := nextMatch(s.codes, q, r, 0); u < len(s.codes); u = nextMatch(s.codes, q, r, u+1) {
		dst = s.emit(uint32(u), distance(&s.codes[u], q), banks, dst)
	}
	return dst
}

// nextMatch returns the first u >= from with codes[u] within r of q, or
// len(codes). Scan loops are leaf functions like this one: a call in the
// loop, even one rarely taken, makes the compiler keep the loop's variables
// in memory.
func nextMatch(codes []code, q *code, r, from int) int {
	q0, q1, q2, q3 := q[0], q[1], q[2], q[3]
	for u := from; u < len(codes); u++ {
		c := &codes[u]
		d := bits.OnesCount64(c[0]^q0) + bits.OnesCount64(c[1]^q1) +
			bits.OnesCount64(c[2]^q2) + bits.OnesCount64(c[3]^q3)
		if d <= r {
			return u
		}
	}
	return len(codes)
}

// scanBlock is how many queries one pass of a batched scan compares with
// each code while the code is in registers.
const scanBlock = 16

// scanBatch compares every query with every code, streaming the codes once
// per block of queries; matches of query j are appended to out[j].
func (s *segment) scanBatch(qs []code, r int, banks []int64, out [][]Match) {
	for lo := 0; lo < len(qs); lo += scanBlock {
		s.scanBlock(qs[lo:min(lo+scanBlock, len(qs))], r, banks, out[lo:])
	}
}

// scanBlock scans for up to scanBlock queries. The block is a fixed-size
// array so that the inner loop has a constant trip count; missing queries
// are all ones, and their matches are dropped.
func (s *segment) scanBlock(qs []code, r int, banks []int64, out [][]Match) {
	var blk [scanBlock]code
	for j := range blk {
		if j < len(qs) {
			blk[j] = qs[j]
		} else {
			blk[j] = code{^uint64(0), ^uint64(0), ^uint64(0), ^uint64(0)}
		}
	}
	for u := 0; u < len(s.codes); u++ {
		var hit uint32
		u, hit = nextBlockMatch(s.codes, &blk, r, u)
		for ; hit != 0; hit &= hit - 1 {
			if j := bits.TrailingZeros32(hit); j < len(qs) {
				out[j] = s.emit(uint32(u), distance(&s.codes[u], &blk[j]), banks, out[j])
			}
		}
	}
}

// nextBlockMatch returns the first u >= from with codes[u] within r of a
// query of blk, and the set of those queries as a bit mask, or len(codes).
func nextBlockMatch(codes []code, blk *[scanBlock]code, r, from int) (int, uint32) {
	for u := from; u < len(codes); u++ {
		c := &codes[u]
		c0, c1, c2, c3 := c[0], c[1], c[2], c[3]
		var hit uint32
		for j := range blk {
			d := bits.OnesCount64(c0^blk[j][0]) + bits.OnesCount64(c1^blk[j][1]) +
				bits.OnesCount64(c2^blk[j][2]) + bits.OnesCount64(c3^blk[j][3])
			if d <= r {
				hit |= 1 << j
			}
		}
		if hit != 0 {
			return u, hit
		}
	}
	return len(codes), 0
}

// searchBatch appends the matches of query j to out[j], batching the scan
// when the tables would not help at radius r.
func (s *segment) searchBatch(qs []code, r int, banks []int64, sc *scratch, out [][]Match) {
	if len(qs) >= scanBlock && !s.useTablesBatched(r) {
		s.scanBatch(qs, r, banks, out)
		return
	}
	for j := range qs {
		out[j] = s.search(&qs[j], r, banks, sc, out[j])
	}
}
