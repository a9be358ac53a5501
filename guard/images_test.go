package guard_test

import (
	"bytes"
	"encoding/binary"
	"hash/crc32"
	"image"
	"image/jpeg"
	"image/png"
	"testing"

	"github.com/vigie-hotline/vigie/pdq/pdqtest"
)

// Values the generated metadata carries, looked for in the cleaned files.
const (
	testMake    = "VigieCam"
	testModel   = "Model X-42"
	testXMP     = `<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF><rdf:Description exif:GPSLatitude="48,51.5N"/></rdf:RDF></x:xmpmeta>`
	testComment = "taken at 12 rue des Lilas"
	testIPTC    = "Photoshop 3.0\x008BIM\x04\x04\x00\x00\x00\x00\x00\x0a\x1c\x02\x5a\x00\x05Paris"
)

// tiffWriter builds a little-endian TIFF structure by hand, as a camera
// writes it: IFD0 (Make, Model, Orientation, Exif and GPS pointers), an
// Exif IFD (MakerNote, DateTimeOriginal) and a GPS IFD (latitude and
// longitude as rationals).
type tiffWriter struct {
	bo binary.ByteOrder
}

type tiffEntry struct {
	tag, typ uint16
	count    uint32
	data     []byte // inline when 4 bytes or fewer, else written after the IFD
}

func ascii(tag uint16, s string) tiffEntry {
	return tiffEntry{tag, 2, uint32(len(s) + 1), append([]byte(s), 0)}
}

func short(tag, v uint16) tiffEntry {
	return tiffEntry{tag, 3, 1, binary.LittleEndian.AppendUint16(nil, v)}
}

func long(tag uint16, v uint32) tiffEntry {
	return tiffEntry{tag, 4, 1, binary.LittleEndian.AppendUint32(nil, v)}
}

func rationals(tag uint16, v ...uint32) tiffEntry {
	var b []byte
	for _, x := range v {
		b = binary.LittleEndian.AppendUint32(b, x)
	}
	return tiffEntry{tag, 5, uint32(len(v) / 2), b}
}

// ifd appends an IFD at the end of b (its offset is len(b)) followed by
// its out-of-line values.
func ifd(b []byte, entries []tiffEntry) []byte {
	start := len(b)
	extra := start + 2 + 12*len(entries) + 4
	var tail []byte
	b = binary.LittleEndian.AppendUint16(b, uint16(len(entries)))
	for _, e := range entries {
		b = binary.LittleEndian.AppendUint16(b, e.tag)
		b = binary.LittleEndian.AppendUint16(b, e.typ)
		b = binary.LittleEndian.AppendUint32(b, e.count)
		if len(e.data) <= 4 {
			b = append(b, e.data...)
			b = append(b, make([]byte, 4-len(e.data))...)
			continue
		}
		b = binary.LittleEndian.AppendUint32(b, uint32(extra+len(tail)))
		tail = append(tail, e.data...)
	}
	b = binary.LittleEndian.AppendUint32(b, 0)
	return append(b, tail...)
}

// cameraExif returns a TIFF structure with a GPS position, a camera, maker
// notes, a date and orientation o.
func cameraExif(o uint16) []byte {
	exifIFD := []tiffEntry{ascii(0x9003, "2024:06:01 14:03:22"), {0x927C, 7, 8, []byte("SECRETMN")}}
	gpsIFD := []tiffEntry{ascii(0x0001, "N"), rationals(0x0002, 48, 1, 51, 1, 2940, 100),
		ascii(0x0003, "E"), rationals(0x0004, 2, 1, 21, 1, 780, 100)}
	b := []byte("II*\x00\x08\x00\x00\x00")
	ifd0 := []tiffEntry{ascii(0x010F, testMake), ascii(0x0110, testModel), short(0x0112, o), long(0x8769, 0), long(0x8825, 0)}
	ifd0Len := 2 + 12*len(ifd0) + 4 + len(testMake) + 1 + len(testModel) + 1
	exifOff := uint32(8 + ifd0Len)
	gpsOff := uint32(len(ifd(make([]byte, exifOff), exifIFD)))
	ifd0[3], ifd0[4] = long(0x8769, exifOff), long(0x8825, gpsOff)
	b = ifd(b, ifd0)
	b = ifd(b, exifIFD)
	return ifd(b, gpsIFD)
}

// jpegSegmentBytes returns a JPEG segment with marker m and payload p.
func jpegSegmentBytes(m byte, p string) []byte {
	n := len(p) + 2
	return append([]byte{0xFF, m, byte(n >> 8), byte(n)}, p...)
}

// photo returns a synthetic photo-like image.
func photo(seed uint64) image.Image { return pdqtest.Photo(seed, 96, 64) }

// plainJPEG returns a JPEG encoded by image/jpeg, which writes no metadata.
func plainJPEG(t testing.TB, seed uint64) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := jpeg.Encode(&b, photo(seed), &jpeg.Options{Quality: 90}); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// cameraJPEG returns plain with Exif (GPS, camera, orientation 6), XMP,
// IPTC and a comment after SOI, and trailing bytes after EOI.
func cameraJPEG(plain []byte) []byte {
	out := []byte{0xFF, 0xD8}
	out = append(out, jpegSegmentBytes(0xE1, "Exif\x00\x00"+string(cameraExif(6)))...)
	out = append(out, jpegSegmentBytes(0xE1, "http://ns.adobe.com/xap/1.0/\x00"+testXMP)...)
	out = append(out, jpegSegmentBytes(0xED, testIPTC)...)
	out = append(out, jpegSegmentBytes(0xFE, testComment)...)
	out = append(out, plain[2:]...)
	return append(out, "MotionPhoto_Data"...)
}

// pngChunk returns a PNG chunk with its CRC.
func pngChunk(typ string, body []byte) []byte {
	c := binary.BigEndian.AppendUint32(nil, uint32(len(body)))
	c = append(append(c, typ...), body...)
	return binary.BigEndian.AppendUint32(c, crc32.ChecksumIEEE(c[4:]))
}

// plainPNG returns a PNG encoded by image/png, which writes no metadata.
func plainPNG(t testing.TB, seed uint64) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := png.Encode(&b, photo(seed)); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// ihdrEnd is the offset after the signature and the IHDR chunk.
const ihdrEnd = 8 + 12 + 13

// cameraPNG returns plain with eXIf (GPS, camera, orientation 6), a tEXt
// comment, an iTXt XMP packet and tIME after IHDR, and trailing bytes.
func cameraPNG(plain []byte) []byte {
	out := append([]byte{}, plain[:ihdrEnd]...)
	out = append(out, pngChunk("eXIf", cameraExif(6))...)
	out = append(out, pngChunk("tEXt", []byte("Comment\x00"+testComment))...)
	out = append(out, pngChunk("iTXt", []byte("XML:com.adobe.xmp\x00\x00\x00\x00\x00"+testXMP))...)
	out = append(out, pngChunk("tIME", []byte{0x07, 0xE8, 6, 1, 14, 3, 22})...)
	out = append(out, plain[ihdrEnd:]...)
	return append(out, "trailing"...)
}

// bitWriter writes bits least significant first, as VP8L reads them.
type bitWriter struct {
	b    []byte
	nbit uint
}

func (w *bitWriter) write(v uint32, n uint) {
	for i := range n {
		if w.nbit%8 == 0 {
			w.b = append(w.b, 0)
		}
		w.b[len(w.b)-1] |= byte(v>>i&1) << (w.nbit % 8)
		w.nbit++
	}
}

// simpleCode writes a VP8L "simple" prefix code of one or two 8-bit symbols.
func (w *bitWriter) simpleCode(symbols ...uint32) {
	w.write(1, 1)                      // simple code
	w.write(uint32(len(symbols)-1), 1) // number of symbols - 1
	w.write(1, 1)                      // first symbol on 8 bits
	for _, s := range symbols {
		w.write(s, 8)
	}
}

// vp8lCheckerboard returns a lossless WebP bitstream (VP8L, from the
// WebP lossless specification) of a w×h checkerboard of two colours that
// differ in green: each pixel is one bit of a two-symbol green code, and
// red, blue and alpha are single-symbol codes that take no bits.
func vp8lCheckerboard(w, h int) []byte {
	bw := &bitWriter{}
	bw.write(0x2F, 8)
	bw.write(uint32(w-1), 14)
	bw.write(uint32(h-1), 14)
	bw.write(0, 1)         // alpha is not used
	bw.write(0, 3)         // version
	bw.write(0, 1)         // no transform
	bw.write(0, 1)         // no colour cache
	bw.write(0, 1)         // no meta prefix codes
	bw.simpleCode(40, 200) // green
	bw.simpleCode(120)     // red
	bw.simpleCode(30)      // blue
	bw.simpleCode(255)     // alpha
	bw.write(1, 1)         // distance: simple code,
	bw.write(0, 1)         // one symbol,
	bw.write(0, 1)         // on 1 bit,
	bw.write(0, 1)         // symbol 0
	for y := range h {
		for x := range w {
			bw.write(uint32((x/4+y/4)%2), 1)
		}
	}
	return bw.b
}

// riffChunk returns a RIFF chunk with its pad byte.
func riffChunk(fourCC string, payload []byte) []byte {
	c := binary.LittleEndian.AppendUint32([]byte(fourCC), uint32(len(payload)))
	c = append(c, payload...)
	if len(payload)%2 == 1 {
		c = append(c, 0)
	}
	return c
}

// riff wraps chunks in a RIFF WEBP header.
func riff(chunks ...[]byte) []byte {
	body := []byte("WEBP")
	for _, c := range chunks {
		body = append(body, c...)
	}
	return append(binary.LittleEndian.AppendUint32([]byte("RIFF"), uint32(len(body))), body...)
}

// vp8xHeader returns a VP8X payload with flags for a w×h canvas.
func vp8xHeader(flags byte, w, h int) []byte {
	p := []byte{flags, 0, 0, 0}
	for _, v := range []int{w - 1, h - 1} {
		p = append(p, byte(v), byte(v>>8), byte(v>>16))
	}
	return p
}

// cameraWebP returns an extended WebP with Exif and XMP around a
// checkerboard, and the same image without them, as a simple WebP would
// be after cleaning.
func cameraWebP() (dirty, want []byte) {
	const w, h = 24, 16
	img := riffChunk("VP8L", vp8lCheckerboard(w, h))
	dirty = riff(riffChunk("VP8X", vp8xHeader(0x0C, w, h)), img,
		riffChunk("EXIF", cameraExif(6)), riffChunk("XMP ", []byte(testXMP)))
	want = riff(riffChunk("VP8X", vp8xHeader(0, w, h)), img)
	return append(dirty, "trailing"...), want
}

// plainGreyPNG returns a uniform grey PNG, too plain to register.
func plainGreyPNG(t testing.TB) []byte {
	t.Helper()
	img := image.NewGray(image.Rect(0, 0, 64, 64))
	for i := range img.Pix {
		img.Pix[i] = 128
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}
