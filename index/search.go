package index

import (
	"math/bits"
	"slices"
)

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
	for u := range s.codes {
		if d := distance(&s.codes[u], q); d <= r {
			dst = s.emit(uint32(u), d, banks, dst)
		}
	}
	return dst
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
	for u := range s.codes {
		c0, c1, c2, c3 := s.codes[u][0], s.codes[u][1], s.codes[u][2], s.codes[u][3]
		for j := range blk {
			d := bits.OnesCount64(c0^blk[j][0]) + bits.OnesCount64(c1^blk[j][1]) +
				bits.OnesCount64(c2^blk[j][2]) + bits.OnesCount64(c3^blk[j][3])
			if d <= r && j < len(qs) {
				out[j] = s.emit(uint32(u), d, banks, out[j])
			}
		}
	}
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
