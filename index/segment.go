package index

import (
	"cmp"
	"fmt"
	"math/bits"
	"runtime"
	"slices"
	"sort"
	"sync"
)

// code is a 256-bit hash as four little-endian words; only its Hamming
// distance to other codes matters, so the word order is arbitrary.
type code [4]uint64

func distance(a, b *code) int {
	return bits.OnesCount64(a[0]^b[0]) + bits.OnesCount64(a[1]^b[1]) +
		bits.OnesCount64(a[2]^b[2]) + bits.OnesCount64(a[3]^b[3])
}

// table is one multi-index hash table over the segment's unique codes,
// keyed by one substring. Buckets are ranges of pos, found through dir: the
// codes whose key is k are pos[lo:hi] for lo, hi = dir.bucket(k). Sorted
// arrays instead of maps keep it near five bytes per code and make a probe
// two reads.
type table struct {
	word  int  // first word holding the substring
	shift uint // bit offset of the substring in that word
	bits  uint // substring width
	mask  code // the substring's bits, to recompute its distance
	dir   directory
	pos   []uint32 // nil for the first table: codes are stored in its order
}

func newTable(off, b int) table {
	t := table{word: off / 64, shift: uint(off % 64), bits: uint(b)}
	for i := off; i < off+b; i++ {
		t.mask[i/64] |= 1 << (i % 64)
	}
	return t
}

// key returns the substring of c that t is keyed by.
func (t *table) key(c *code) uint64 {
	v := c[t.word] >> t.shift
	if t.shift+t.bits > 64 {
		v |= c[t.word+1] << (64 - t.shift)
	}
	return v & (1<<t.bits - 1)
}

// segment is an immutable set of entries with its hash tables; only its
// tombstones change, under the index's write lock. Identical codes are stored
// once, so a bucket full of identical hashes (flat images) costs one
// comparison; the entries sharing code u are first[u]:first[u+1].
type segment struct {
	codes []code
	first []uint32
	ids   []int64
	banks []int64
	byID  []uint32 // entry slots in increasing id order
	dead  []uint64 // tombstone bit per entry slot
	ndead int
	tabs  []table // empty: the segment is scanned

	// tables[r] says whether the tables beat a scan at radius r, batch[r]
	// whether they beat a batched scan.
	tables, batch [257]bool
}

// newSegment builds a segment over entries, with m substrings (0: scan only).
// Entry ids must be distinct.
func newSegment(es []Entry, m int) (*segment, error) {
	n := len(es)
	s := &segment{
		ids:   make([]int64, n),
		banks: make([]int64, n),
		dead:  make([]uint64, (n+63)/64),
	}
	var l layout
	if m > 0 {
		l = newLayout(m)
		for i := range l.bits {
			s.tabs = append(s.tabs, newTable(l.off[i], l.bits[i]))
		}
	}
	slot := s.group(es)
	if err := s.orderIDs(es, slot); err != nil {
		return nil, err
	}
	s.fillAll()
	s.settle()
	if m > 0 {
		for r := range s.tables {
			c := mihCost(l, len(s.codes), r)
			s.tables[r] = c < scanCost(len(s.codes))
			s.batch[r] = c < float64(len(s.codes))*costPairBatch
		}
	}
	return s, nil
}

// group sorts entries by the first table's key, then by code, stores each
// distinct code once, and returns the entry slot each input entry went to.
// Entries are read once, in key order, into contiguous arrays; sorting and
// deduplicating then run over those arrays, not over scattered entries.
func (s *segment) group(es []Entry) []uint32 {
	order, dir := s.firstOrder(es)
	cs := hugeSlice[code](len(es))
	for e, i := range order {
		cs[e], s.ids[e], s.banks[e] = toCode(&es[i].Hash), es[i].ID, es[i].Bank
	}
	g := grouping{cs, order, s.ids, s.banks}
	if dir == nil {
		sort.Sort(g)
		dir = []uint32{0, uint32(len(es))}
	}
	for k := 0; k+1 < len(dir); k++ {
		if lo, hi := dir[k], dir[k+1]; hi-lo > 1 {
			g.sortRange(int(lo), int(hi))
		}
	}
	slot := make([]uint32, len(es))
	for e, i := range order {
		slot[i] = uint32(e)
	}
	s.dedupe(cs, dir)
	if len(s.tabs) > 0 {
		s.tabs[0].dir = compact(dir)
	}
	return slot
}

// dedupe keeps the distinct codes of cs, in place, as s.codes, fills
// s.first, and turns dir, the directory over entries, into one over codes.
func (s *segment) dedupe(cs []code, dir []uint32) {
	s.first = make([]uint32, 0, len(cs)+1)
	u := 0
	for k := 0; k+1 < len(dir); k++ {
		lo, hi := dir[k], dir[k+1]
		dir[k] = uint32(u)
		for e := lo; e < hi; e++ {
			// Different keys mean different codes: only compare within a bucket.
			if e == lo || cs[e] != cs[u-1] {
				s.first = append(s.first, e)
				cs[u] = cs[e]
				u++
			}
		}
	}
	dir[len(dir)-1] = uint32(u)
	s.first = append(s.first, uint32(len(cs)))
	s.codes = cs[:u]
	if u < cap(cs)*7/8 {
		s.codes = append(hugeSlice[code](u)[:0], s.codes...)
		s.first = slices.Clone(s.first)
	}
}

// firstOrder returns the entry indices sorted by first-table key (a
// counting sort), and the key directory over entries; or the identity and
// no directory if the segment has no tables.
func (s *segment) firstOrder(es []Entry) ([]uint32, []uint32) {
	order := make([]uint32, len(es))
	if len(s.tabs) == 0 {
		for i := range order {
			order[i] = uint32(i)
		}
		return order, nil
	}
	t := &s.tabs[0]
	keys := make([]uint32, len(es))
	for i := range es {
		c := toCode(&es[i].Hash)
		keys[i], order[i] = uint32(t.key(&c)), uint32(i)
	}
	sortPairs(keys, order, make([]uint32, len(es)), make([]uint32, len(es)), int(t.bits))
	return order, dirOf(keys, t.bits)
}

// grouping is the entries in key order, as parallel arrays, sorted by code
// together.
type grouping struct {
	cs         []code
	order      []uint32
	ids, banks []int64
}

func (g grouping) Len() int           { return len(g.cs) }
func (g grouping) Less(i, j int) bool { return compareCodes(&g.cs[i], &g.cs[j]) < 0 }
func (g grouping) Swap(i, j int) {
	g.cs[i], g.cs[j] = g.cs[j], g.cs[i]
	g.order[i], g.order[j] = g.order[j], g.order[i]
	g.ids[i], g.ids[j] = g.ids[j], g.ids[i]
	g.banks[i], g.banks[j] = g.banks[j], g.banks[i]
}

// sortRange sorts entries lo to hi by code: by insertion for the few codes
// of a typical bucket, which is much cheaper than a general sort's setup.
func (g grouping) sortRange(lo, hi int) {
	if hi-lo > 12 {
		sort.Sort(grouping{g.cs[lo:hi], g.order[lo:hi], g.ids[lo:hi], g.banks[lo:hi]})
		return
	}
	for a := lo + 1; a < hi; a++ {
		for b := a; b > lo && g.Less(b, b-1); b-- {
			g.Swap(b, b-1)
		}
	}
}

func compareCodes(a, b *code) int {
	for w := range a {
		if c := cmp.Compare(a[w], b[w]); c != 0 {
			return c
		}
	}
	return 0
}

// orderIDs fills byID and rejects duplicate ids. Entries loaded from a
// database usually arrive in id order, which skips the sort.
func (s *segment) orderIDs(es []Entry, slot []uint32) error {
	perm := make([]uint32, len(es))
	for i := range perm {
		perm[i] = uint32(i)
	}
	sorted := slices.IsSortedFunc(es, func(a, b Entry) int { return cmp.Compare(a.ID, b.ID) })
	if !sorted {
		slices.SortFunc(perm, func(a, b uint32) int { return cmp.Compare(es[a].ID, es[b].ID) })
	}
	prev := -1
	for k, i := range perm {
		if prev >= 0 && es[i].ID == es[prev].ID {
			return fmt.Errorf("duplicate entry id %d", es[i].ID)
		}
		prev, perm[k] = int(i), slot[i]
	}
	s.byID = perm
	return nil
}

// fillAll builds the tables after the first, in parallel: they are
// independent, and building them is most of the time a load takes.
func (s *segment) fillAll() {
	var wg sync.WaitGroup
	next := make(chan int)
	for range min(runtime.GOMAXPROCS(0), len(s.tabs)) {
		wg.Go(func() {
			var f filler
			for i := range next {
				f.fill(s, &s.tabs[i])
			}
		})
	}
	for i := 1; i < len(s.tabs); i++ {
		next <- i
	}
	close(next)
	wg.Wait()
}

// settle moves the arrays a search reads at random onto huge pages.
func (s *segment) settle() {
	settleHuge(s.codes)
	for i := range s.tabs {
		s.tabs[i].dir.settle()
		settleHuge(s.tabs[i].pos)
	}
}

// filler holds the scratch arrays of one table-building goroutine.
type filler struct {
	keys, tk, tv []uint32
}

// fill builds table t over the codes of s.
func (f *filler) fill(s *segment, t *table) {
	n := len(s.codes)
	f.keys = grow(f.keys, n)[:n]
	f.tk, f.tv = grow(f.tk, n)[:n], grow(f.tv, n)[:n]
	t.pos = hugeSlice[uint32](n)
	for u := range s.codes {
		f.keys[u], t.pos[u] = uint32(t.key(&s.codes[u])), uint32(u)
	}
	sortPairs(f.keys, t.pos, f.tk, f.tv, int(t.bits))
	t.dir = newDirectory(f.keys, t.bits)
}

// slotOf returns the slot of the entry with id, or -1.
func (s *segment) slotOf(id int64) int {
	k, ok := slices.BinarySearchFunc(s.byID, id, func(e uint32, id int64) int {
		return cmp.Compare(s.ids[e], id)
	})
	if !ok {
		return -1
	}
	return int(s.byID[k])
}

func (s *segment) isDead(e uint32) bool { return s.dead[e/64]&(1<<(e%64)) != 0 }

// kill tombstones the live entry with id and reports whether there was one.
func (s *segment) kill(id int64) bool {
	e := s.slotOf(id)
	if e < 0 || s.isDead(uint32(e)) {
		return false
	}
	s.dead[e/64] |= 1 << (e % 64)
	s.ndead++
	return true
}

func (s *segment) live() int { return len(s.ids) - s.ndead }

// appendLive appends the segment's live entries to dst, except those whose
// id skip reports (if skip is not nil).
func (s *segment) appendLive(dst []Entry, skip func(int64) bool) []Entry {
	for u := range s.codes {
		h := fromCode(&s.codes[u])
		for e := s.first[u]; e < s.first[u+1]; e++ {
			if !s.isDead(e) && (skip == nil || !skip(s.ids[e])) {
				dst = append(dst, Entry{ID: s.ids[e], Bank: s.banks[e], Hash: h})
			}
		}
	}
	return dst
}

// bytes returns the memory the segment holds.
func (s *segment) bytes() int {
	n := 32*len(s.codes) + 4*len(s.first) + 8*len(s.ids) + 8*len(s.banks) +
		4*len(s.byID) + 8*len(s.dead)
	for i := range s.tabs {
		n += s.tabs[i].dir.bytes() + 4*len(s.tabs[i].pos)
	}
	return n
}
