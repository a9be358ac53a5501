package media

import (
	"context"
	"image"
	"math"
)

// coef is one non-zero coefficient of a block: zigzag index and value.
type coef struct {
	k int
	v int32
}

// scan decodes one scan. It reports done once the luminance has been
// decoded; scans without luminance are skipped.
func (d *scaledJPEG) scan(ctx context.Context, seg []byte) (done bool, err error) {
	if d.comps == nil || len(seg) < 1 {
		return false, errCorruptScaled
	}
	if len(d.comps) == 3 && d.adobe == 0 {
		return false, errNoFastPath // Adobe RGB: no luminance to take
	}
	ns := int(seg[0])
	if ns < 1 || ns > len(d.comps) || len(seg) < 4+2*ns {
		return false, errCorruptScaled
	}
	if seg[1+2*ns] != 0 || seg[2+2*ns] != 63 || seg[3+2*ns] != 0 {
		return false, errNoFastPath // spectral selection or approximation
	}
	var scomps []*jpegComponent
	hasY := false
	for i := range ns {
		id := int(seg[1+2*i])
		var c *jpegComponent
		for j := range d.comps {
			if d.comps[j].id == id {
				c = &d.comps[j]
				hasY = hasY || j == 0
			}
		}
		if c == nil {
			return false, errCorruptScaled
		}
		c.td, c.ta = int(seg[2+2*i]>>4), int(seg[2+2*i]&15)
		if c.td > 3 || c.ta > 3 || !d.dc[c.td].ok || !d.ac[c.ta].ok {
			return false, errCorruptScaled
		}
		c.pred = 0
		scomps = append(scomps, c)
	}
	if !hasY {
		return false, d.skipEntropy()
	}
	d.prepare()
	if ns == 1 {
		return true, d.decodeSingle(ctx, scomps[0])
	}
	return true, d.decodeInterleaved(ctx, scomps)
}

// skipEntropy moves past a scan's entropy-coded data to the next marker.
func (d *scaledJPEG) skipEntropy() error {
	for d.pos+1 < len(d.data) {
		if d.data[d.pos] == 0xff {
			m := d.data[d.pos+1]
			if m != 0 && (m < 0xd0 || m > 0xd7) {
				return nil
			}
		}
		d.pos++
	}
	return errCorruptScaled
}

// mcus returns the number of MCUs across and down an interleaved scan.
func (d *scaledJPEG) mcus() (int, int) {
	return (d.w + 8*d.hmax - 1) / (8 * d.hmax), (d.h + 8*d.vmax - 1) / (8 * d.vmax)
}

// prepare allocates the output and the coefficient weights.
func (d *scaledJPEG) prepare() {
	mx, my := d.mcus()
	o := 8 / d.scale
	stride := mx * d.hmax * o
	pix := make([]byte, stride*my*d.vmax*o)
	r := image.Rect(0, 0, (d.w+d.scale-1)/d.scale, (d.h+d.scale-1)/d.scale)
	d.out = &image.Gray{Pix: pix, Stride: stride, Rect: r}
	d.weights[d.comps[0].tq] = blockWeights(&d.quant[d.comps[0].tq], d.scale)
}

// blockWeights returns, for each zigzag index, the contribution of a unit
// coefficient to each of the (8/s)² output pixels: the mean over the output
// pixel's s×s area of the JPEG inverse DCT basis, times the quantiser.
func blockWeights(q *[64]int32, s int) [64][]float32 {
	o := 8 / s
	var ka [8][8]float64 // ka[a][u]: 1-D basis u averaged over group a
	for a := range o {
		for u := range 8 {
			cu := 1.0
			if u == 0 {
				cu = 1 / math.Sqrt2
			}
			for x := a * s; x < (a+1)*s; x++ {
				ka[a][u] += cu / 2 * math.Cos(float64(2*x+1)*float64(u)*math.Pi/16) / float64(s)
			}
		}
	}
	zz := zigzag()
	var w [64][]float32
	for k := range 64 {
		v, u := zz[k]/8, zz[k]%8
		w[k] = make([]float32, o*o)
		for b := range o {
			for a := range o {
				w[k][b*o+a] = float32(float64(q[k]) * ka[b][v] * ka[a][u])
			}
		}
	}
	return w
}

// decodeSingle decodes a scan holding only the luminance component.
func (d *scaledJPEG) decodeSingle(ctx context.Context, c *jpegComponent) error {
	bw, bh := (d.w+7)/8, (d.h+7)/8
	var nz [64]coef
	for by := range bh {
		if ctx.Err() != nil {
			return errDeadline
		}
		for bx := range bw {
			if err := d.restartIfDue(by*bw+bx, []*jpegComponent{c}); err != nil {
				return err
			}
			cnt, err := d.block(c, nz[:], true)
			if err != nil {
				return err
			}
			d.render(bx, by, nz[:cnt], c.tq)
		}
		if d.zeros > 10 {
			return errCorruptScaled // ran past the data
		}
	}
	return nil
}

// decodeInterleaved decodes a scan of several components, keeping the
// luminance blocks and dropping the others.
func (d *scaledJPEG) decodeInterleaved(ctx context.Context, comps []*jpegComponent) error {
	mx, my := d.mcus()
	var nz [64]coef
	for y := range my {
		if ctx.Err() != nil {
			return errDeadline
		}
		for x := range mx {
			if err := d.restartIfDue(y*mx+x, comps); err != nil {
				return err
			}
			for _, c := range comps {
				keep := c == &d.comps[0]
				for j := range c.v {
					for i := range c.h {
						cnt, err := d.block(c, nz[:], keep)
						if err != nil {
							return err
						}
						if keep {
							d.render(x*c.h+i, y*c.v+j, nz[:cnt], c.tq)
						}
					}
				}
			}
		}
		if d.zeros > 10 {
			return errCorruptScaled
		}
	}
	return nil
}

// restartIfDue consumes a restart marker before MCU number i when one is
// due, and resets the DC predictions.
func (d *scaledJPEG) restartIfDue(i int, comps []*jpegComponent) error {
	if d.ri == 0 || i == 0 || i%d.ri != 0 {
		return nil
	}
	d.bits, d.nbits, d.zeros = 0, 0, 0
	if d.pos+1 >= len(d.data) || d.data[d.pos] != 0xff || d.data[d.pos+1] < 0xd0 || d.data[d.pos+1] > 0xd7 {
		return errCorruptScaled
	}
	d.pos += 2
	for _, c := range comps {
		c.pred = 0
	}
	return nil
}

// fill tops the bit buffer up to at least 57 bits. At a marker or the end
// of the data it feeds zero bytes, as libjpeg does, and counts them.
func (d *scaledJPEG) fill() {
	for d.nbits <= 56 {
		var b byte
		switch {
		case d.pos < len(d.data) && d.data[d.pos] != 0xff:
			b = d.data[d.pos]
			d.pos++
		case d.pos+1 < len(d.data) && d.data[d.pos+1] == 0: // stuffed 0xFF
			b = 0xff
			d.pos += 2
		default:
			d.zeros++
		}
		d.bits |= uint64(b) << (56 - d.nbits)
		d.nbits += 8
	}
}

// decode reads one Huffman symbol; the caller has filled at least 16 bits.
func (d *scaledJPEG) decode(t *huffman) (int, error) {
	if e := t.lut[d.bits>>(64-lutBits)]; e != 0 {
		l := uint(e >> 8)
		d.bits <<= l
		d.nbits -= l
		return int(e & 0xff), nil
	}
	for l := lutBits + 1; l <= 16; l++ {
		code := int32(d.bits >> (64 - l))
		if code <= t.maxcode[l] {
			d.bits <<= uint(l)
			d.nbits -= uint(l)
			return int(t.vals[(t.valptr[l]+code-t.mincode[l])&0xff]), nil
		}
	}
	return 0, errCorruptScaled
}

// receive reads s bits (s ≤ 16) and sign-extends them as JPEG does.
func (d *scaledJPEG) receive(s int) int32 {
	if s == 0 {
		return 0
	}
	v := int32(d.bits >> (64 - uint(s)))
	d.bits <<= uint(s)
	d.nbits -= uint(s)
	if v < 1<<(s-1) {
		v += -1<<s + 1
	}
	return v
}

// block decodes one block's coefficients. When keep is set it stores the
// DC (as an absolute value) and, unless only the DC is needed, the
// non-zero AC coefficients into nz, and returns how many it stored.
func (d *scaledJPEG) block(c *jpegComponent, nz []coef, keep bool) (int, error) {
	if d.nbits < 32 {
		d.fill()
	}
	s, err := d.decode(&d.dc[c.td])
	if err != nil || s > 11 {
		return 0, errCorruptScaled
	}
	c.pred += d.receive(s)
	n := 0
	if keep {
		nz[0] = coef{0, c.pred}
		n = 1
	}
	keepAC := keep && d.scale < 8
	ac := &d.ac[c.ta]
	for k := 1; k < 64; k++ {
		if d.nbits < 32 {
			d.fill()
		}
		rs, err := d.decode(ac)
		if err != nil {
			return 0, err
		}
		r, s := rs>>4, rs&15
		if s == 0 {
			if r != 15 {
				break // end of block
			}
			k += 15
			continue
		}
		k += r
		if k > 63 {
			return 0, errCorruptScaled
		}
		v := d.receive(s)
		if keepAC {
			nz[n] = coef{k, v}
			n++
		}
	}
	return n, nil
}

// render writes the (8/s)² output pixels of luminance block (bx, by).
func (d *scaledJPEG) render(bx, by int, nz []coef, tq int) {
	o := 8 / d.scale
	pix := d.out.Pix[by*o*d.out.Stride+bx*o:]
	if len(nz) == 1 {
		v := clampByte(float32(nz[0].v*d.quant[tq][0])/8 + 128.5)
		for b := range o {
			row := pix[b*d.out.Stride : b*d.out.Stride+o]
			for a := range row {
				row[a] = v
			}
		}
		return
	}
	var acc [16]float32
	w := &d.weights[tq]
	for _, c := range nz {
		v := float32(c.v)
		for j, wj := range w[c.k] {
			acc[j] += v * wj
		}
	}
	for b := range o {
		row := pix[b*d.out.Stride : b*d.out.Stride+o]
		for a := range row {
			row[a] = clampByte(acc[b*o+a] + 128.5)
		}
	}
}

func clampByte(v float32) byte {
	switch {
	case v <= 0:
		return 0
	case v >= 255:
		return 255
	}
	return byte(v)
}
