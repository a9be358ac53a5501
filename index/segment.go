package index

import (
	"bytes"
	"cmp"
	"fmt"
	"math/bits"
	"runtime"
	"slices"
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
// codes whose key is k are pos[dir[k]:dir[k+1]]. Sorted arrays instead of
// maps keep it at four bytes per code and make a probe two reads.
type table struct {
	word  int  // first word holding the substring
	shift uint // bit offset of the substring in that word
	bits  uint // substring width
	mask  code // the substring's bits, to recompute its distance
	dir   []uint32
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
	if m > 0 {
		for r := range s.tables {
			c := mihCost(l, len(s.codes), r)
			s.tables[r] = c < scanCost(len(s.codes))
			s.batch[r] = c < float64(len(s.codes))*costPairBatch
		}
	}
	return s, nil
}

// group sorts entries by the first table's key, then by hash, stores each
// distinct code once, and returns the entry slot each input entry went to.
func (s *segment) group(es []Entry) []uint32 {
	order, dir := s.firstOrder(es)
	slot := make([]uint32, len(es))
	s.codes = make([]code, 0, len(es))
	s.first = make([]uint32, 0, len(es)+1)
	for e, i := range order {
		if e == 0 || es[i].Hash != es[order[e-1]].Hash {
			s.first = append(s.first, uint32(e))
			s.codes = append(s.codes, toCode(&es[i].Hash))
		}
		s.ids[e], s.banks[e], slot[i] = es[i].ID, es[i].Bank, uint32(e)
	}
	s.first = append(s.first, uint32(len(es)))
	if len(s.codes) < cap(s.codes)*7/8 {
		s.codes, s.first = slices.Clone(s.codes), slices.Clone(s.first)
	}
	if len(s.tabs) > 0 {
		s.tabs[0].dir = uniqueDir(dir, order, es)
	}
	return slot
}

// firstOrder returns the entry indices sorted by first-table key (a
// counting sort) and then by hash, and the key directory over entries.
func (s *segment) firstOrder(es []Entry) ([]uint32, []uint32) {
	order := make([]uint32, len(es))
	if len(s.tabs) == 0 {
		for i := range order {
			order[i] = uint32(i)
		}
		sortByHash(order, es)
		return order, nil
	}
	t := &s.tabs[0]
	keys := make([]uint32, len(es))
	dir := make([]uint32, 1<<t.bits+1)
	for i := range es {
		c := toCode(&es[i].Hash)
		keys[i] = uint32(t.key(&c))
		dir[keys[i]+1]++
	}
	for k := 1; k < len(dir); k++ {
		dir[k] += dir[k-1]
	}
	next := slices.Clone(dir[:len(dir)-1])
	for i, k := range keys {
		order[next[k]] = uint32(i)
		next[k]++
	}
	for k := 0; k+1 < len(dir); k++ {
		if dir[k+1]-dir[k] > 1 {
			sortByHash(order[dir[k]:dir[k+1]], es)
		}
	}
	return order, dir
}

// sortByHash sorts entry indices by hash: by insertion for the few entries
// of a typical bucket, which is much cheaper than a general sort's setup.
func sortByHash(idx []uint32, es []Entry) {
	if len(idx) > 12 {
		slices.SortFunc(idx, func(a, b uint32) int { return bytes.Compare(es[a].Hash[:], es[b].Hash[:]) })
		return
	}
	for a := 1; a < len(idx); a++ {
		for b := a; b > 0 && bytes.Compare(es[idx[b]].Hash[:], es[idx[b-1]].Hash[:]) < 0; b-- {
			idx[b], idx[b-1] = idx[b-1], idx[b]
		}
	}
}

// uniqueDir turns the first table's directory over entries into one over
// distinct codes.
func uniqueDir(dir, order []uint32, es []Entry) []uint32 {
	u := uint32(0)
	for k := 0; k+1 < len(dir); k++ {
		lo, hi := dir[k], dir[k+1]
		dir[k] = u
		for e := lo; e < hi; e++ {
			if e == lo || es[order[e]].Hash != es[order[e-1]].Hash {
				u++
			}
		}
	}
	dir[len(dir)-1] = u
	return dir
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
			var keys []uint32
			for i := range next {
				keys = s.fill(&s.tabs[i], keys)
			}
		})
	}
	for i := 1; i < len(s.tabs); i++ {
		next <- i
	}
	close(next)
	wg.Wait()
}

// fill builds table t over the unique codes by counting sort; keys is a
// reusable buffer, returned.
func (s *segment) fill(t *table, keys []uint32) []uint32 {
	keys = grow(keys, len(s.codes))[:len(s.codes)]
	t.dir = make([]uint32, 1<<t.bits+1)
	for u := range s.codes {
		k := uint32(t.key(&s.codes[u]))
		keys[u] = k
		t.dir[k+1]++
	}
	for k := 1; k < len(t.dir); k++ {
		t.dir[k] += t.dir[k-1]
	}
	t.pos = make([]uint32, len(s.codes))
	next := slices.Clone(t.dir[:len(t.dir)-1])
	for u, k := range keys {
		t.pos[next[k]] = uint32(u)
		next[k]++
	}
	return keys
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
		n += 4*len(s.tabs[i].dir) + 4*len(s.tabs[i].pos)
	}
	return n
}
