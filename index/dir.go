package index

import "encoding/binary"

// A directory finds a table's bucket for a key: the range of positions
// holding the codes with that key. The plain form is an array of 1<<bits+1
// offsets, four bytes a key. The compact form stores one byte a key, the
// bucket's size, plus the offset of every block of blockKeys keys: 1.06
// bytes a key. At 10M codes a bucket holds one to five codes on average, so
// the compact form lets the tables use keys a bit or two longer within the
// same memory, which cuts the candidates a search verifies (each a cache
// miss): at 10M, from about 7,300 to 2,900 a query. It also puts the 64 keys that differ only in their
// low six bits on one cache line, and a search probes many such keys
// together: the keys within distance two of a 24-bit key lie on 172 lines
// instead of 301.
//
// A table whose largest bucket holds more than 255 codes (skewed hashes:
// many distinct codes sharing a substring) keeps the plain form.
type directory struct {
	offs  []uint32 // plain form: the codes with key k are at offs[k]:offs[k+1]
	sizes []uint8  // compact form: the number of codes with key k
	base  []uint32 // compact form: the offset of the first code of block k/blockKeys, and the total
}

// blockKeys is the number of keys in a block of the compact form: a cache
// line of sizes.
const blockKeys = 64

// newDirectory returns the directory of sorted keys, each below 1<<bits:
// the keys equal to k are keys[lo:hi] for lo, hi = bucket(k).
func newDirectory(keys []uint32, bits uint) directory {
	return compact(dirOf(keys, bits))
}

// compact returns the directory given by plain offsets, in compact form
// if every bucket fits in a byte.
func compact(offs []uint32) directory {
	nkeys := len(offs) - 1
	if nkeys%blockKeys != 0 {
		return directory{offs: offs}
	}
	for k := range nkeys {
		if offs[k+1]-offs[k] > 255 {
			return directory{offs: offs}
		}
	}
	d := directory{sizes: hugeSlice[uint8](nkeys), base: make([]uint32, nkeys/blockKeys+1)}
	for k := range nkeys {
		d.sizes[k] = uint8(offs[k+1] - offs[k])
		if k%blockKeys == 0 {
			d.base[k/blockKeys] = offs[k]
		}
	}
	d.base[nkeys/blockKeys] = offs[nkeys]
	return d
}

// bucket returns the range of positions holding the codes with key k.
func (d *directory) bucket(k uint32) (lo, hi uint32) {
	if d.sizes == nil {
		return d.offs[k], d.offs[k+1]
	}
	b := k / blockKeys
	line := d.sizes[b*blockKeys : b*blockKeys+blockKeys]
	lo = d.base[b] + sumBytes(line, k%blockKeys)
	return lo, lo + uint32(line[k%blockKeys])
}

// buckets writes to lo and hi the ranges of the non-empty buckets with
// keys k^masks[i], prefetching ahead, and returns how many it wrote. lo and
// hi must have room for len(masks).
func (d *directory) buckets(k uint32, masks, lo, hi []uint32) int {
	lo, hi = lo[:len(masks)], hi[:len(masks)]
	if d.sizes != nil {
		return compactBuckets(d.sizes, d.base, k, masks, lo, hi)
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

// sumBytes returns the sum of the first j bytes of line, a block of sizes,
// eight at a time: each 64-bit word's bytes are added pairwise into four
// 16-bit lanes, and the lanes are summed by one multiplication at the end
// (at most 63 bytes of at most 255 each: no lane overflows).
func sumBytes(line []uint8, j uint32) uint32 {
	const pairs = 0x00FF00FF00FF00FF
	var acc uint64
	w := j / 8
	for i := range w {
		x := binary.LittleEndian.Uint64(line[8*i:])
		acc += x&pairs + x>>8&pairs
	}
	if r := j % 8; r != 0 {
		x := binary.LittleEndian.Uint64(line[8*w:]) & (1<<(8*r) - 1)
		acc += x&pairs + x>>8&pairs
	}
	return uint32(acc * 0x0001000100010001 >> 48)
}

// valid reports whether a directory read from a snapshot covers 1<<bits
// keys and n codes, with every bucket inside them; a search can then
// never index out of range.
func (d *directory) valid(bits uint, n uint32) bool {
	nkeys := 1 << bits
	if d.sizes == nil {
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
	if len(d.offs) != 0 || len(d.sizes) != nkeys || len(d.base) != nkeys/blockKeys+1 || d.base[0] != 0 {
		return false
	}
	for b := range nkeys / blockKeys {
		sum := uint64(d.base[b])
		for _, c := range d.sizes[b*blockKeys : (b+1)*blockKeys] {
			sum += uint64(c)
		}
		if sum != uint64(d.base[b+1]) {
			return false
		}
	}
	return d.base[nkeys/blockKeys] == n
}

// bytes returns the memory the directory holds.
func (d *directory) bytes() int { return 4*len(d.offs) + len(d.sizes) + 4*len(d.base) }

// settle moves the directory's arrays onto huge pages.
func (d *directory) settle() {
	settleHuge(d.offs)
	settleHuge(d.sizes)
}

// compactBytesPerKey is the memory per key of a compact directory.
const compactBytesPerKey = 1 + 4.0/blockKeys

// prefetch asks the CPU to start loading the buckets of keys.
func (d *directory) prefetch(keys []uint32) {
	if d.sizes == nil {
		prefetchWords(d.offs, keys)
	} else {
		prefetchDir(d.sizes, d.base, keys)
	}
}
