package index

// A directory finds a table's bucket for a key: the range of positions
// holding the codes with that key. The plain form is an array of 1<<bits+1
// offsets, four bytes a key. The compact form stores one byte a key plus
// the offset of every block of blockKeys keys: 1.06 bytes a key. The byte
// is where the key's bucket ends, counted from the block's first code (or
// a smaller group's, below), so a bucket is two bytes read from one line
// and one offset. At 10M codes a
// bucket holds one to five codes on average, so the compact form lets the
// tables use keys a bit or two longer within the same memory, which cuts
// the candidates a search verifies (each a cache miss): at 10M, from about
// 7,300 to 2,900 a query. It also puts the 64 keys that differ only in
// their low six bits on one cache line, and a search probes many such keys
// together: the keys within distance two of a 24-bit key lie on 172 lines
// instead of 301.
//
// A block holds 76 codes on average at 10M codes with 23-bit keys, but a
// byte counts only 255, so denser tables (past about 20M codes) count the
// ends from smaller groups of keys, each with its offset: 1<<group keys,
// down to minGroup. A table with a bucket of more than 255 codes, or a
// group of minGroup keys holding more (skewed hashes: many distinct codes
// sharing a substring), keeps the plain form.
type directory struct {
	offs  []uint32 // plain form: the codes with key k are at offs[k]:offs[k+1]
	ends  []uint8  // compact form: where the bucket of key k ends, from its group's first code
	base  []uint32 // compact form: the offset of the first code of group k>>group, and the total
	group uint     // compact form: log2 of the keys in a group, minGroup to 6 (a block)
}

// minGroup is the smallest group of a compact directory, log2 of its keys:
// its offsets then take a byte a key.
const minGroup = 2

// blockKeys is the number of keys in a block of the compact form: a cache
// line of ends.
const blockKeys = 64

// newDirectory returns the directory of sorted keys, each below 1<<bits:
// the keys equal to k are keys[lo:hi] for lo, hi = bucket(k).
func newDirectory(keys []uint32, bits uint) directory {
	return compact(dirOf(keys, bits))
}

// compact returns the directory given by plain offsets, in compact form
// with the largest group whose codes fit in a byte, if there is one.
func compact(offs []uint32) directory {
	nkeys := len(offs) - 1
	if nkeys%blockKeys != 0 {
		return directory{offs: offs}
	}
	for g := uint(6); g >= minGroup; g-- {
		if groupsFit(offs, g) {
			return compactGroups(offs, g)
		}
	}
	return directory{offs: offs}
}

// groupsFit reports whether every group of 1<<g keys holds at most 255
// codes.
func groupsFit(offs []uint32, g uint) bool {
	for k := 0; k+1<<g < len(offs); k += 1 << g {
		if offs[k+1<<g]-offs[k] > 255 {
			return false
		}
	}
	return true
}

// compactGroups returns the compact directory with groups of 1<<g keys.
func compactGroups(offs []uint32, g uint) directory {
	nkeys := len(offs) - 1
	d := directory{ends: hugeSlice[uint8](nkeys), base: make([]uint32, nkeys>>g+1), group: g}
	for k := range nkeys {
		first := offs[k&^(1<<g-1)]
		d.ends[k] = uint8(offs[k+1] - first)
		d.base[k>>g] = first
	}
	d.base[nkeys>>g] = offs[nkeys]
	return d
}

// bucket returns the range of positions holding the codes with key k.
func (d *directory) bucket(k uint32) (lo, hi uint32) {
	if d.ends == nil {
		return d.offs[k], d.offs[k+1]
	}
	lo = d.base[k>>d.group]
	hi = lo + uint32(d.ends[k])
	if k&(1<<d.group-1) != 0 {
		lo += uint32(d.ends[k-1])
	}
	return lo, hi
}

// buckets writes to lo and hi the ranges of the non-empty buckets with
// keys k^masks[i], prefetching ahead, and returns how many it wrote. lo and
// hi must have room for len(masks).
func (d *directory) buckets(k uint32, masks, lo, hi []uint32) int {
	lo, hi = lo[:len(masks)], hi[:len(masks)]
	if d.ends != nil {
		return compactBuckets(d.ends, d.base, k, d.group, masks, lo, hi)
	}
	return d.bucketsGo(k, masks, lo, hi)
}

// bucketsGo is buckets in Go: the plain form's loop everywhere, and the
// compact form's where no assembly version exists.
func (d *directory) bucketsGo(k uint32, masks, lo, hi []uint32) int {
	for j := 0; j < prefetchAhead; j += prefetchChunk {
		d.prefetchKeys(k, window(masks, j))
	}
	n := 0
	for j, m := range masks {
		if j%prefetchChunk == 0 {
			d.prefetchKeys(k, window(masks, j+prefetchAhead))
		}
		l, h := d.bucket(k ^ m)
		n += keep(lo, hi, n, l, h)
	}
	return n
}

// prefetchKeys starts loading the buckets of the keys k^m for the at most
// prefetchChunk masks m.
func (d *directory) prefetchKeys(k uint32, masks []uint32) {
	var keys [prefetchChunk]uint32
	for i, m := range masks {
		keys[i] = k ^ m
	}
	d.prefetch(keys[:len(masks)])
}

// keep writes bucket l, h to slot n of lo and hi, and returns 1 if it is
// non-empty, so the slot is kept, or 0. The slot is written either way: a
// branch on the loaded offsets would mispredict about half the time.
func keep(lo, hi []uint32, n int, l, h uint32) int {
	lo[n], hi[n] = l, h
	if l < h {
		return 1
	}
	return 0
}

// valid reports whether a directory read from a snapshot covers 1<<bits
// keys and n codes, with every bucket inside them; a search can then
// never index out of range.
func (d *directory) valid(bits uint, n uint32) bool {
	nkeys := 1 << bits
	if d.ends == nil {
		if len(d.offs) != nkeys+1 || d.offs[0] != 0 || d.offs[nkeys] != n {
			return false
		}
		for k := range nkeys {
			if d.offs[k] > d.offs[k+1] {
				return false
			}
		}
		return true
	}
	g := d.group
	if g < minGroup || g > 6 || len(d.offs) != 0 || len(d.ends) != nkeys || len(d.base) != nkeys>>g+1 || d.base[0] != 0 {
		return false
	}
	for i := range nkeys >> g {
		end := uint8(0)
		for _, e := range d.ends[i<<g : (i+1)<<g] {
			if e < end {
				return false
			}
			end = e
		}
		if uint64(d.base[i])+uint64(end) != uint64(d.base[i+1]) {
			return false
		}
	}
	return d.base[nkeys>>g] == n
}

// groupOf returns the group of a compact directory of 1<<bits keys with
// nbase offsets (the group is not stored: it follows from them), or 0.
func groupOf(bits uint, nbase int) uint {
	for g := uint(minGroup); g <= 6; g++ {
		if nbase == 1<<bits>>g+1 {
			return g
		}
	}
	return 0
}

// bytes returns the memory the directory holds.
func (d *directory) bytes() int { return 4*len(d.offs) + len(d.ends) + 4*len(d.base) }

// settle moves the directory's arrays onto huge pages.
func (d *directory) settle() {
	settleHuge(d.offs)
	settleHuge(d.ends)
}

// compactBytesPerKey is the memory per key of a compact directory.
const compactBytesPerKey = 1 + 4.0/blockKeys

// prefetch asks the CPU to start loading the buckets of keys in a plain
// directory. Compact ones prefetch in compactBuckets.
func (d *directory) prefetch(keys []uint32) {
	if d.ends == nil {
		prefetchWords(d.offs, keys)
	}
}
