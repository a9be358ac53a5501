// Package index finds every stored 256-bit PDQ hash within a Hamming radius
// of a query, exactly, and looks up MD5, SHA-1 and SHA-256 values.
//
// The PDQ index is multi-index hashing (Norouzi, Punjani and Fleet, "Fast
// exact search in Hamming space with multi-index hashing", TPAMI 2014): the
// 256 bits are cut into m substrings, each keys a table, and by the
// pigeonhole principle a code within r of the query is within r/m of it on
// some substring, so probing the nearby keys of every table finds all
// matches. A cost model picks m from the number of hashes and falls back to
// a linear scan at radii where the tables would lose.
//
// Entries live in immutable segments of sorted arrays (no pointer or slice
// per entry) plus a small unindexed delta. Adds go to the delta, which is
// flushed into a new segment when full; segments of similar size are merged,
// so an add costs amortised O(log n) work and never a full rebuild. Removals
// set a tombstone bit. Searches run concurrently with each other; writers are
// serialised and block readers only while they swap segments in.
package index

import (
	"cmp"
	"encoding/binary"
	"fmt"
	"slices"
	"sync"
)

// Hash is a 256-bit PDQ hash, byte i being hex digits 2i and 2i+1 of its
// 64-digit text form.
type Hash [32]byte

// Entry is one stored PDQ hash: ID is the bank entry's id, unique in the
// index, and Bank the id of the bank it belongs to.
type Entry struct {
	ID   int64
	Bank int64
	Hash Hash
}

// Match is a stored entry within the radius of a query.
type Match struct {
	ID       int64
	Bank     int64
	Distance int // Hamming distance to the (closest) query hash
}

// Query is a search: every live entry within Radius of any of Hashes, in
// one of Banks (all banks if Banks is empty).
type Query struct {
	// Hashes is one hash, or the 8 dihedral variants of an image's hash
	// (rotations and mirrors) to find it however it was turned.
	Hashes []Hash
	Radius int
	Banks  []int64
}

// Stats describes the index's size.
type Stats struct {
	Entries  int // live entries
	Segments int // immutable segments, besides the delta
	Bytes    int // memory held by the index's arrays
}

// Index is an exact Hamming range-search index over PDQ hashes. Its zero
// value is not ready: use New. It is safe for concurrent use.
type Index struct {
	// Radius is the search radius the hash tables are shaped for (31, PDQ's
	// usual match threshold). Searches at any radius are exact; far from it
	// they are slower.
	Radius int

	// BytesPerHash bounds the memory per entry that the cost model may
	// spend on hash tables when it picks the number of substrings.
	BytesPerHash float64

	// DeltaSize is how many added entries are kept unindexed before they
	// are flushed into a segment.
	DeltaSize int

	wmu   sync.Mutex   // serialises writers
	mu    sync.RWMutex // guards segs, delta and tombstones
	segs  []*segment
	delta delta
	pool  sync.Pool // *scratch

	force forcing // tests only
}

// forcing overrides the cost model in tests so that both search paths run
// on segments of every size.
type forcing struct {
	m     int  // substrings for every segment, if > 0
	scan  bool // never use the tables
	table bool // always use the tables
}

// growth is the size ratio below which adjacent segments are merged, which
// keeps the number of segments logarithmic in the number of entries.
const growth = 4

// New returns an empty index with the default settings.
func New() *Index {
	return &Index{Radius: 31, BytesPerHash: 128, DeltaSize: 1024}
}

// Load replaces the contents of the index with entries, building one
// segment. It returns an error if two entries have the same ID.
func (x *Index) Load(entries []Entry) error {
	x.wmu.Lock()
	defer x.wmu.Unlock()
	s, err := x.build(entries)
	if err != nil {
		return err
	}
	x.mu.Lock()
	defer x.mu.Unlock()
	x.segs = x.segs[:0:0]
	if s != nil {
		x.segs = append(x.segs, s)
	}
	x.delta.reset()
	return nil
}

// Add stores e, replacing any entry with the same ID.
func (x *Index) Add(e Entry) {
	x.wmu.Lock()
	defer x.wmu.Unlock()
	x.mu.Lock()
	x.removeLocked(e.ID)
	x.delta.add(e)
	full := x.delta.len() >= x.DeltaSize
	x.mu.Unlock()
	if full {
		x.flush()
	}
}

// AddBatch stores entries, replacing any entries with the same IDs, as one
// new segment rather than one delta flush after another: use it to import
// many entries into a running index. Searches see either none or all of the
// batch. It returns an error, and changes nothing, if two of entries have
// the same ID.
func (x *Index) AddBatch(entries []Entry) error {
	ids := make([]int64, len(entries))
	for i := range entries {
		ids[i] = entries[i].ID
	}
	slices.Sort(ids)
	for i := 1; i < len(ids); i++ {
		if ids[i] == ids[i-1] {
			return fmt.Errorf("duplicate entry id %d", ids[i])
		}
	}
	replaced := func(id int64) bool { _, ok := slices.BinarySearch(ids, id); return ok }
	x.wmu.Lock()
	defer x.wmu.Unlock()
	es := slices.DeleteFunc(x.delta.entries(nil), func(e Entry) bool { return replaced(e.ID) })
	es = append(es, entries...)
	k := x.mergeFrom(len(es))
	for _, s := range x.segs[k:] {
		es = s.appendLive(es, replaced)
	}
	s := x.mustBuild(es)
	x.mu.Lock()
	defer x.mu.Unlock()
	for _, old := range x.segs[:k] {
		for _, id := range ids {
			old.kill(id)
		}
	}
	x.segs = append(x.segs[:k:k], nonNil(s)...)
	x.delta.reset()
	return nil
}

// mergeFrom returns the index of the first segment to merge with n new
// entries: the trailing segments that are not much larger, so that segment
// sizes keep growing geometrically.
func (x *Index) mergeFrom(n int) int {
	k := len(x.segs)
	for k > 0 && x.segs[k-1].live() <= growth*n {
		k--
		n += x.segs[k].live()
	}
	return k
}

// Remove deletes the entry with id and reports whether there was one.
func (x *Index) Remove(id int64) bool {
	x.wmu.Lock()
	defer x.wmu.Unlock()
	x.mu.Lock()
	ok := x.removeLocked(id)
	x.mu.Unlock()
	x.compactDead()
	return ok
}

func (x *Index) removeLocked(id int64) bool {
	if x.delta.remove(id) {
		return true
	}
	for _, s := range x.segs {
		if s.kill(id) {
			return true
		}
	}
	return false
}

// flush turns the delta into a segment, merged with the trailing segments
// that mergeFrom picks. The merge is built outside the read lock: the
// segments it reads change only under wmu, which the caller holds.
func (x *Index) flush() {
	es := x.delta.entries(nil)
	k := x.mergeFrom(len(es))
	for _, s := range x.segs[k:] {
		es = s.appendLive(es, nil)
	}
	s := x.mustBuild(es)
	x.mu.Lock()
	defer x.mu.Unlock()
	x.segs = append(x.segs[:k:k], nonNil(s)...)
	x.delta.reset()
}

// compactDead rebuilds segments of which more than half the entries are
// removed, so that memory follows the live entries.
func (x *Index) compactDead() {
	for i := 0; i < len(x.segs); i++ {
		s := x.segs[i]
		if s.ndead*2 <= len(s.ids) || len(s.ids) < x.DeltaSize {
			continue
		}
		n := x.mustBuild(s.appendLive(nil, nil))
		x.mu.Lock()
		x.segs = slices.Concat(x.segs[:i], nonNil(n), x.segs[i+1:])
		x.mu.Unlock()
	}
}

func nonNil(s *segment) []*segment {
	if s == nil {
		return nil
	}
	return []*segment{s}
}

// build returns a segment over es shaped by the cost model, or nil if es
// is empty.
func (x *Index) build(es []Entry) (*segment, error) {
	if len(es) == 0 {
		return nil, nil
	}
	m := choose(len(es), x.Radius, x.BytesPerHash)
	if x.force.m > 0 {
		m = x.force.m
	}
	s, err := newSegment(es, m)
	if err != nil {
		return nil, err
	}
	if x.force.scan || x.force.table {
		for r := range s.tables {
			s.tables[r] = x.force.table && len(s.tabs) > 0
			s.batch[r] = s.tables[r]
		}
	}
	return s, nil
}

// mustBuild builds from entries already in the index, whose ids are
// distinct by construction.
func (x *Index) mustBuild(es []Entry) *segment {
	s, err := x.build(es)
	if err != nil {
		panic("index: " + err.Error())
	}
	return s
}

// Search returns the live entries within radius r of h, closest first.
func (x *Index) Search(h Hash, r int) []Match {
	return x.Find(Query{Hashes: []Hash{h}, Radius: r})
}

// SearchAny returns the live entries within radius r of any of hs (such
// as the 8 dihedral variants of one image's hash), each entry once with its
// smallest distance, closest first.
func (x *Index) SearchAny(hs []Hash, r int) []Match {
	return x.Find(Query{Hashes: hs, Radius: r})
}

// Find runs q and returns each matching entry once, with its smallest
// distance to the query hashes, closest first, then by ID.
func (x *Index) Find(q Query) []Match {
	out := x.run(q.Hashes, q.Radius, q.Banks)
	var ms []Match
	for _, o := range out {
		ms = append(ms, o...)
	}
	if len(out) > 1 {
		ms = closestPerEntry(ms)
	}
	sortMatches(ms)
	return ms
}

// SearchBatch returns, for each of hs, the live entries within radius r,
// closest first. At large radii it scans each segment once per block of
// queries instead of once per query.
func (x *Index) SearchBatch(hs []Hash, r int) [][]Match {
	out := x.run(hs, r, nil)
	for _, ms := range out {
		sortMatches(ms)
	}
	return out
}

// run collects the matches of each hash, unsorted.
func (x *Index) run(hs []Hash, r int, banks []int64) [][]Match {
	out := make([][]Match, len(hs))
	if r < 0 {
		return out
	}
	r = min(r, 256)
	qs := make([]code, len(hs))
	for i := range hs {
		qs[i] = toCode(&hs[i])
	}
	sc, _ := x.pool.Get().(*scratch)
	if sc == nil {
		sc = new(scratch)
	}
	defer x.pool.Put(sc)
	x.mu.RLock()
	defer x.mu.RUnlock()
	for _, s := range x.segs {
		s.searchBatch(qs, r, banks, sc, out)
	}
	for j := range qs {
		out[j] = x.delta.search(&qs[j], r, banks, out[j])
	}
	return out
}

// closestPerEntry keeps one match per entry, the one at the smallest
// distance.
func closestPerEntry(ms []Match) []Match {
	slices.SortFunc(ms, func(a, b Match) int {
		return cmp.Or(cmp.Compare(a.ID, b.ID), cmp.Compare(a.Distance, b.Distance))
	})
	return slices.CompactFunc(ms, func(a, b Match) bool { return a.ID == b.ID })
}

func sortMatches(ms []Match) {
	slices.SortFunc(ms, func(a, b Match) int {
		return cmp.Or(cmp.Compare(a.Distance, b.Distance), cmp.Compare(a.ID, b.ID))
	})
}

// Len returns the number of live entries.
func (x *Index) Len() int {
	x.mu.RLock()
	defer x.mu.RUnlock()
	n := x.delta.len()
	for _, s := range x.segs {
		n += s.live()
	}
	return n
}

// Stats returns the index's size.
func (x *Index) Stats() Stats {
	x.mu.RLock()
	defer x.mu.RUnlock()
	st := Stats{Entries: x.delta.len(), Segments: len(x.segs), Bytes: 48 * cap(x.delta.ids)}
	for _, s := range x.segs {
		st.Entries += s.live()
		st.Bytes += s.bytes()
	}
	return st
}

func toCode(h *Hash) code {
	var c code
	for w := range c {
		c[w] = binary.LittleEndian.Uint64(h[8*w:])
	}
	return c
}

func fromCode(c *code) Hash {
	var h Hash
	for w := range c {
		binary.LittleEndian.PutUint64(h[8*w:], c[w])
	}
	return h
}
