package media

import (
	"context"
	"encoding/binary"
	"errors"
	"image"
	"math"
)

// This file is a pure-Go decoder for the luminance of baseline JPEGs at a
// reduced scale. Entropy decoding cannot be skipped (the chroma blocks sit
// between the luminance blocks in the bit stream), but everything after it
// can: chroma coefficients are parsed and dropped, and each luminance block
// becomes 8/s × 8/s pixels straight from its non-zero coefficients. Each
// output pixel is the exact mean of the s×s pixels a full inverse DCT would
// give (before rounding), which is what PDQ's later box filtering wants. At
// 1/8 only the DC coefficient is used.
//
// It handles what cameras and encoders write by default: 8-bit Huffman
// sequential JPEGs (SOF0, SOF1) with one component or YCbCr, any sampling,
// restart intervals. Anything else returns errNoFastPath and the standard
// library decodes it.

// errCorruptScaled is returned for any malformed stream; the caller then
// lets the standard decoder produce its own, more specific error.
var errCorruptScaled = errors.New("media: malformed JPEG stream")

type jpegComponent struct {
	id, h, v, tq int
	td, ta       int // Huffman tables of the current scan
	pred         int32
}

// huffman is a decoding table: a 9-bit lookahead for short codes, and the
// canonical code ranges for the rest.
type huffman struct {
	lut     [1 << lutBits]uint16 // length<<8 | symbol; 0 when longer than lutBits
	maxcode [18]int32            // largest code of each length, -1 if none
	valptr  [17]int32            // index in vals of the first code of each length
	mincode [17]int32
	vals    [256]uint8
	ok      bool
}

const lutBits = 9

type scaledJPEG struct {
	data   []byte
	pos    int
	w, h   int
	comps  []jpegComponent
	hmax   int
	vmax   int
	quant  [4][64]int32
	dc, ac [4]huffman
	ri     int // restart interval in MCUs
	adobe  int // Adobe APP14 transform, -1 if absent

	bits  uint64 // bit buffer, MSB first
	nbits uint
	zeros int // bytes of zero padding fed after a marker or the end

	scale     int
	maxPixels int64
	weights   [4][64][]float32 // per quant table, zigzag index: output weights
	out       *image.Gray
}

// decodeScaledLuma decodes the luminance of data at 1/scale (2, 4 or 8),
// refusing frames of more than maxPixels before allocating.
func decodeScaledLuma(ctx context.Context, data []byte, scale int, maxPixels int64) (*image.Gray, error) {
	d := &scaledJPEG{data: data, pos: 2, scale: scale, adobe: -1, maxPixels: maxPixels}
	if len(data) < 4 || data[0] != 0xff || data[1] != 0xd8 {
		return nil, errCorruptScaled
	}
	for {
		marker, seg, err := d.segment()
		if err != nil {
			return nil, err
		}
		switch {
		case marker == 0xdb:
			err = d.parseDQT(seg)
		case marker == 0xc4:
			err = d.parseDHT(seg)
		case marker == 0xc0 || marker == 0xc1:
			err = d.parseSOF(seg)
		case marker >= 0xc2 && marker <= 0xcf && marker != 0xc4 && marker != 0xc8 && marker != 0xcc:
			return nil, errNoFastPath // progressive, lossless or arithmetic
		case marker == 0xdd:
			if len(seg) < 2 {
				return nil, errCorruptScaled
			}
			d.ri = int(binary.BigEndian.Uint16(seg))
		case marker == 0xee:
			if len(seg) >= 12 && string(seg[:5]) == "Adobe" {
				d.adobe = int(seg[11])
			}
		case marker == 0xda:
			done, err := d.scan(ctx, seg)
			if err != nil || done {
				return d.out, err
			}
		case marker == 0xd9:
			return nil, errCorruptScaled // no scan with luminance
		}
		if err != nil {
			return nil, err
		}
	}
}

// segment returns the next marker and its payload, skipping fill bytes.
func (d *scaledJPEG) segment() (byte, []byte, error) {
	for d.pos+1 < len(d.data) && d.data[d.pos] == 0xff && d.data[d.pos+1] == 0xff {
		d.pos++
	}
	if d.pos+4 > len(d.data) || d.data[d.pos] != 0xff {
		return 0, nil, errCorruptScaled
	}
	m := d.data[d.pos+1]
	if m == 0xd9 {
		return m, nil, nil
	}
	n := int(binary.BigEndian.Uint16(d.data[d.pos+2:]))
	if n < 2 || d.pos+2+n > len(d.data) {
		return 0, nil, errCorruptScaled
	}
	seg := d.data[d.pos+4 : d.pos+2+n]
	d.pos += 2 + n
	return m, seg, nil
}

// zigzag maps the zigzag index to the natural row-major index.
func zigzag() [64]int {
	return [64]int{
		0, 1, 8, 16, 9, 2, 3, 10, 17, 24, 32, 25, 18, 11, 4, 5,
		12, 19, 26, 33, 40, 48, 41, 34, 27, 20, 13, 6, 7, 14, 21, 28,
		35, 42, 49, 56, 57, 50, 43, 36, 29, 22, 15, 23, 30, 37, 44, 51,
		58, 59, 52, 45, 38, 31, 39, 46, 53, 60, 61, 54, 47, 55, 62, 63,
	}
}

func (d *scaledJPEG) parseDQT(seg []byte) error {
	for len(seg) > 0 {
		pq, tq := seg[0]>>4, int(seg[0]&15)
		if tq > 3 || pq > 1 || len(seg) < 1+64*(1+int(pq)) {
			return errCorruptScaled
		}
		for k := range 64 {
			if pq == 0 {
				d.quant[tq][k] = int32(seg[1+k])
			} else {
				d.quant[tq][k] = int32(binary.BigEndian.Uint16(seg[1+2*k:]))
			}
		}
		seg = seg[1+64*(1+int(pq)):]
	}
	return nil
}

func (d *scaledJPEG) parseDHT(seg []byte) error {
	for len(seg) > 0 {
		if len(seg) < 17 || seg[0]>>4 > 1 || seg[0]&15 > 3 {
			return errCorruptScaled
		}
		t := &d.dc[seg[0]&15]
		if seg[0]>>4 == 1 {
			t = &d.ac[seg[0]&15]
		}
		var counts [17]int
		total := 0
		for l := 1; l <= 16; l++ {
			counts[l] = int(seg[l])
			total += counts[l]
		}
		if total > 256 || len(seg) < 17+total {
			return errCorruptScaled
		}
		*t = huffman{}
		copy(t.vals[:], seg[17:17+total])
		if err := t.build(&counts); err != nil {
			return err
		}
		seg = seg[17+total:]
	}
	return nil
}

// build fills the lookup structures from the code-length counts.
func (t *huffman) build(counts *[17]int) error {
	code, k := int32(0), int32(0)
	for l := 1; l <= 16; l++ {
		t.valptr[l] = k
		t.mincode[l] = code
		t.maxcode[l] = -1
		if counts[l] > 0 {
			t.maxcode[l] = code + int32(counts[l]) - 1
		}
		for range counts[l] {
			if code >= 1<<l {
				return errCorruptScaled // over-subscribed code lengths
			}
			if l <= lutBits {
				shift := lutBits - l
				for i := code << shift; i < (code+1)<<shift; i++ {
					t.lut[i] = uint16(l)<<8 | uint16(t.vals[k])
				}
			}
			code++
			k++
		}
		code <<= 1
	}
	t.maxcode[17] = math.MaxInt32
	t.ok = true
	return nil
}

func (d *scaledJPEG) parseSOF(seg []byte) error {
	if d.comps != nil || len(seg) < 6 {
		return errCorruptScaled
	}
	if seg[0] != 8 {
		return errNoFastPath // 12-bit
	}
	d.h, d.w = int(binary.BigEndian.Uint16(seg[1:])), int(binary.BigEndian.Uint16(seg[3:]))
	n := int(seg[5])
	if d.w == 0 || d.h == 0 || (n != 1 && n != 3) || len(seg) < 6+3*n {
		return errNoFastPath // DNL height, CMYK, two-component…
	}
	if int64(d.w)*int64(d.h) > d.maxPixels {
		return errCorruptScaled // Header checks this first; kept in case of a second SOF
	}
	blocks := 0
	for i := range n {
		c := jpegComponent{id: int(seg[6+3*i]), h: int(seg[7+3*i] >> 4), v: int(seg[7+3*i] & 15), tq: int(seg[8+3*i])}
		if c.h < 1 || c.h > 4 || c.v < 1 || c.v > 4 || c.tq > 3 {
			return errCorruptScaled
		}
		d.hmax, d.vmax = max(d.hmax, c.h), max(d.vmax, c.v)
		blocks += c.h * c.v
		d.comps = append(d.comps, c)
	}
	if blocks > 10 || d.comps[0].h != d.hmax || d.comps[0].v != d.vmax {
		return errNoFastPath // not a luminance-first layout
	}
	if n == 3 && d.comps[0].id == 'R' && d.comps[1].id == 'G' && d.comps[2].id == 'B' {
		return errNoFastPath // RGB stored without a colour transform
	}
	return nil
}
