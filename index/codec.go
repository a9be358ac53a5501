package index

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"unsafe"
)

// The snapshot codec writes a stream of sections, each its length, its
// bytes and their CRC-32C, so that a reader finds a truncated or damaged
// file before it uses any of it. Arrays are written as they lie in memory
// (little-endian), so reading one is a single read into its final place.

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// littleEndian reports whether this machine stores words as the snapshot
// does; on others snapshots are neither written nor read.
var littleEndian = func() bool {
	x := uint16(1)
	return *(*byte)(unsafe.Pointer(&x)) == 1
}()

var errCorrupt = errors.New("snapshot is damaged")

// asBytes returns the memory of s as bytes. T holds no pointers.
func asBytes[T any](s []T) []byte {
	if len(s) == 0 {
		return nil
	}
	var zero T
	return unsafe.Slice((*byte)(unsafe.Pointer(unsafe.SliceData(s))), len(s)*int(unsafe.Sizeof(zero)))
}

type encoder struct {
	w   *bufio.Writer
	err error
}

// section writes b as one checksummed section.
func (e *encoder) section(b []byte) {
	if e.err != nil {
		return
	}
	var n [8]byte
	binary.LittleEndian.PutUint64(n[:], uint64(len(b)))
	var sum [4]byte
	binary.LittleEndian.PutUint32(sum[:], crc32.Checksum(b, castagnoli))
	for _, p := range [][]byte{n[:], b, sum[:]} {
		if _, err := e.w.Write(p); err != nil {
			e.err = err
			return
		}
	}
}

func writeArray[T any](e *encoder, s []T) { e.section(asBytes(s)) }

type decoder struct {
	r    *bufio.Reader
	left int64 // bytes left in the file: no length read may exceed it
	err  error
}

// next reads the length of the next section, of which each element has
// size bytes.
func (d *decoder) next(size int) int {
	var n [8]byte
	if d.err != nil {
		return 0
	}
	if _, err := io.ReadFull(d.r, n[:]); err != nil {
		d.fail(err)
		return 0
	}
	l := binary.LittleEndian.Uint64(n[:])
	d.left -= 8
	if l > uint64(d.left) || l%uint64(size) != 0 {
		d.fail(fmt.Errorf("%w: a section of %d bytes", errCorrupt, l))
		return 0
	}
	return int(l) / size
}

// fill reads a section's bytes into b and checks its checksum.
func (d *decoder) fill(b []byte) {
	var sum [4]byte
	if _, err := io.ReadFull(d.r, b); err != nil {
		d.fail(err)
		return
	}
	if _, err := io.ReadFull(d.r, sum[:]); err != nil {
		d.fail(err)
		return
	}
	d.left -= int64(len(b)) + 4
	if binary.LittleEndian.Uint32(sum[:]) != crc32.Checksum(b, castagnoli) {
		d.fail(fmt.Errorf("%w: checksum mismatch", errCorrupt))
	}
}

func (d *decoder) fail(err error) {
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		err = fmt.Errorf("%w: truncated", errCorrupt)
	}
	if d.err == nil {
		d.err = err
	}
}

// readArray reads a section written by writeArray.
func readArray[T any](d *decoder) []T {
	var zero T
	n := d.next(int(unsafe.Sizeof(zero)))
	if d.err != nil || n == 0 {
		if d.err == nil {
			d.fill(nil)
		}
		return nil
	}
	// Large arrays get huge pages as a built index's do (hugeSlice):
	// searches read them at random.
	s := hugeSlice[T](n)
	d.fill(asBytes(s))
	settleHuge(s)
	return s
}

// fields builds and parses the small sections of scalars.
type fields struct {
	b   []byte
	bad bool
}

func (f *fields) put(vs ...uint64) {
	for _, v := range vs {
		f.b = binary.LittleEndian.AppendUint64(f.b, v)
	}
}

func (f *fields) putString(s string) {
	f.put(uint64(len(s)))
	f.b = append(f.b, s...)
}

func (f *fields) get() uint64 {
	if len(f.b) < 8 {
		f.bad = true
		return 0
	}
	v := binary.LittleEndian.Uint64(f.b)
	f.b = f.b[8:]
	return v
}

// small reads a count that must not exceed limit.
func (f *fields) small(limit int) int {
	v := f.get()
	if v > uint64(limit) {
		f.bad = true
		return 0
	}
	return int(v)
}

func (f *fields) getString() string {
	n := f.small(len(f.b))
	s := string(f.b[:n])
	f.b = f.b[n:]
	return s
}
