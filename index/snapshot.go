package index

import (
	"fmt"
	"slices"
)

// image is a consistent copy of an index's state for a snapshot. Segments
// are immutable but for their tombstones, so it shares their arrays and
// copies only the tombstone bits and the delta: taking it holds the read
// lock for microseconds, and writing it out blocks no search or change.
type image struct {
	segs  []segImage
	delta delta
}

type segImage struct {
	s     *segment
	dead  []uint64
	ndead int
}

// image returns the index's current state.
func (x *Index) image() *image {
	x.mu.RLock()
	defer x.mu.RUnlock()
	img := &image{delta: delta{
		codes: slices.Clone(x.delta.codes),
		ids:   slices.Clone(x.delta.ids),
		banks: slices.Clone(x.delta.banks),
	}}
	for _, s := range x.segs {
		img.segs = append(img.segs, segImage{s: s, dead: slices.Clone(s.dead), ndead: s.ndead})
	}
	return img
}

// restore replaces the index's contents with img.
func (x *Index) restore(img *image) {
	x.wmu.Lock()
	defer x.wmu.Unlock()
	x.mu.Lock()
	defer x.mu.Unlock()
	x.segs = x.segs[:0:0]
	for _, si := range img.segs {
		x.segs = append(x.segs, si.s)
	}
	x.delta = img.delta
}

func (img *image) len() int {
	n := img.delta.len()
	for _, si := range img.segs {
		n += len(si.s.ids) - si.ndead
	}
	return n
}

// writeImage writes the segments with their hash tables, so that reading
// them back skips the build, which is most of what loading from the
// database costs in CPU.
func writeImage(e *encoder, img *image) {
	var f fields
	f.put(uint64(len(img.segs)))
	e.section(f.b)
	for _, si := range img.segs {
		writeSegment(e, si)
	}
	writeArray(e, img.delta.codes)
	writeArray(e, img.delta.ids)
	writeArray(e, img.delta.banks)
}

func writeSegment(e *encoder, si segImage) {
	s := si.s
	var f fields
	f.put(uint64(len(s.ids)), uint64(len(s.codes)), uint64(si.ndead), uint64(len(s.tabs)))
	for _, t := range s.tabs {
		f.put(uint64(t.word), uint64(t.shift), uint64(t.bits), t.mask[0], t.mask[1], t.mask[2], t.mask[3])
	}
	for r := range s.tables {
		f.b = append(f.b, boolByte(s.tables[r]), boolByte(s.batch[r]))
	}
	e.section(f.b)
	writeArray(e, s.codes)
	writeArray(e, s.first)
	writeArray(e, s.ids)
	writeArray(e, s.banks)
	writeArray(e, s.byID)
	writeArray(e, si.dead)
	for _, t := range s.tabs {
		writeArray(e, t.dir.offs)
		writeArray(e, t.dir.ends)
		writeArray(e, t.dir.base)
		writeArray(e, t.pos)
	}
}

func boolByte(b bool) byte {
	if b {
		return 1
	}
	return 0
}

// readImage reads what writeImage wrote, checking that every array has
// the length the others imply, so that a damaged file that still passes
// its checksums cannot make a search read out of bounds.
func readImage(d *decoder) (*image, error) {
	f := fields{b: readArray[byte](d)}
	n := f.small(1 << 20)
	if d.err != nil || f.bad {
		return nil, orCorrupt(d.err)
	}
	img := &image{}
	for range n {
		si, err := readSegment(d)
		if err != nil {
			return nil, err
		}
		img.segs = append(img.segs, si)
	}
	img.delta.codes = readArray[code](d)
	img.delta.ids = readArray[int64](d)
	img.delta.banks = readArray[int64](d)
	if d.err != nil {
		return nil, d.err
	}
	if len(img.delta.ids) != len(img.delta.codes) || len(img.delta.banks) != len(img.delta.codes) {
		return nil, fmt.Errorf("%w: delta arrays differ in length", errCorrupt)
	}
	return img, nil
}

func readSegment(d *decoder) (segImage, error) {
	f := fields{b: readArray[byte](d)}
	n, u, ndead, ntabs := f.small(1<<32-1), f.small(1<<32-1), f.small(1<<32-1), f.small(256)
	s := &segment{tabs: make([]table, ntabs)}
	for i := range s.tabs {
		t := &s.tabs[i]
		t.word, t.shift, t.bits = f.small(3), uint(f.small(63)), uint(f.small(32))
		for w := range t.mask {
			t.mask[w] = f.get()
		}
		if t.shift+t.bits > 64 && t.word == 3 {
			f.bad = true
		}
	}
	if len(f.b) != 2*len(s.tables) {
		f.bad = true
	}
	for r := 0; r < len(s.tables) && !f.bad; r++ {
		s.tables[r], s.batch[r] = f.b[2*r] == 1, f.b[2*r+1] == 1
	}
	if d.err != nil || f.bad {
		return segImage{}, orCorrupt(d.err)
	}
	s.codes, s.first = readArray[code](d), readArray[uint32](d)
	s.ids, s.banks, s.byID = readArray[int64](d), readArray[int64](d), readArray[uint32](d)
	s.dead, s.ndead = readArray[uint64](d), ndead
	for i := range s.tabs {
		t := &s.tabs[i]
		t.dir.offs, t.dir.ends, t.dir.base = readArray[uint32](d), readArray[uint8](d), readArray[uint32](d)
		t.pos = readArray[uint32](d)
		t.dir.group = groupOf(t.bits, len(t.dir.base))
		if len(t.dir.ends) == 0 {
			t.dir.ends, t.dir.base = nil, nil
		}
	}
	if d.err != nil {
		return segImage{}, d.err
	}
	if !s.consistent(n, u) {
		return segImage{}, fmt.Errorf("%w: segment arrays differ in length", errCorrupt)
	}
	return segImage{s: s, dead: s.dead, ndead: ndead}, nil
}

// consistent reports whether the segment's arrays have the lengths of n
// entries over u distinct codes.
func (s *segment) consistent(n, u int) bool {
	ok := len(s.codes) == u && len(s.first) == u+1 && len(s.ids) == n && len(s.banks) == n &&
		len(s.byID) == n && len(s.dead) == (n+63)/64 && s.ndead <= n && u <= n && n > 0
	if !ok || s.first[u] != uint32(n) {
		return false
	}
	for i, t := range s.tabs {
		if t.bits > maxBits || !t.dir.valid(t.bits, uint32(u)) || (i > 0) != (len(t.pos) == u) || !below(t.pos, uint32(u)) {
			return false
		}
	}
	return true
}

// below reports whether every position is below u. A search reads the
// code at each position in assembly, without Go's bounds checks.
func below(pos []uint32, u uint32) bool {
	for _, p := range pos {
		if p >= u {
			return false
		}
	}
	return true
}

func orCorrupt(err error) error {
	if err != nil {
		return err
	}
	return errCorrupt
}

// exactImage is a copy of an exact set's entries, in parallel arrays.
type exactImage[K comparable] struct {
	ids, banks []int64
	keys       []K
}

// image returns the entries for which keep reports true.
func (x *Exact[K]) image(keep func(bank int64) bool) exactImage[K] {
	x.mu.RLock()
	defer x.mu.RUnlock()
	var img exactImage[K]
	for _, i := range x.byID {
		if n := &x.node[i]; keep(n.bank) {
			img.ids, img.banks, img.keys = append(img.ids, n.id), append(img.banks, n.bank), append(img.keys, n.key)
		}
	}
	return img
}

// restore replaces the set's contents with img.
func (x *Exact[K]) restore(img exactImage[K]) {
	x.mu.Lock()
	defer x.mu.Unlock()
	x.head, x.byID = make(map[K]int32, len(img.ids)), make(map[int64]int32, len(img.ids))
	x.node, x.free = make([]exactNode[K], 0, len(img.ids)), nil
	for i, id := range img.ids {
		if _, dup := x.byID[id]; dup {
			continue
		}
		n := exactNode[K]{id: id, bank: img.banks[i], key: img.keys[i], next: -1}
		if h, ok := x.head[n.key]; ok {
			n.next = h
		}
		x.head[n.key], x.byID[id] = int32(len(x.node)), int32(len(x.node))
		x.node = append(x.node, n)
	}
}

func writeExact[K comparable](e *encoder, img exactImage[K]) {
	writeArray(e, img.ids)
	writeArray(e, img.banks)
	writeArray(e, img.keys)
}

func readExact[K comparable](d *decoder) (exactImage[K], error) {
	img := exactImage[K]{ids: readArray[int64](d), banks: readArray[int64](d), keys: readArray[K](d)}
	if d.err != nil {
		return img, d.err
	}
	if len(img.banks) != len(img.ids) || len(img.keys) != len(img.ids) {
		return img, fmt.Errorf("%w: exact arrays differ in length", errCorrupt)
	}
	return img, nil
}
