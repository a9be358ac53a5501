package pdq

// Luma coefficients as the reference stores them (C++ float constants).
const (
	lumaR = float32(0.299)
	lumaG = float32(0.587)
	lumaB = float32(0.114)
)

// lumaTables holds float32(coefficient·v) for every byte v. The reference
// computes (0.299f·R + 0.587f·G) + 0.114f·B with every product rounded to
// float32, so a table lookup per product gives the same bits.
type lumaTables struct {
	r, g, b [256]float32
}

func newLumaTables() *lumaTables {
	t := &lumaTables{}
	for v := range 256 {
		t.r[v] = float32(lumaR * float32(v))
		t.g[v] = float32(lumaG * float32(v))
		t.b[v] = float32(lumaB * float32(v))
	}
	return t
}

// isGrey reports whether every pixel of p has R=G=B. ImageMagick hands the
// reference a one-channel image in that case, and Y=v differs from the
// weighted sum by float32 rounding.
func isGrey(p Pixels) bool {
	if p.Channels == 1 {
		return true
	}
	for y := range p.Height {
		row := p.Pix[y*p.Stride : y*p.Stride+p.Width*p.Channels]
		for i := 0; i+2 < len(row); i += p.Channels {
			if row[i] != row[i+1] || row[i] != row[i+2] {
				return false
			}
		}
	}
	return true
}

// luma fills h.buf1 with the float32 luminance of p resized to w×ht by
// nearest neighbour (w, ht are p's own size when no resize is needed) and
// returns it. The resize works on the 8-bit samples, before the luminance,
// as the reference's CImg resize does.
func (h *Hasher) luma(p Pixels, w, ht int) []float32 {
	n := w * ht
	if cap(h.buf1) < n {
		h.buf1 = make([]float32, n)
		h.buf2 = make([]float32, n)
	}
	out := h.buf1[:n]
	xs := make([]int, w)
	for x := range xs {
		xs[x] = x * p.Width / w * p.Channels
	}
	grey := isGrey(p)
	var t *lumaTables
	if !grey {
		t = newLumaTables()
	}
	for y := range ht {
		row := p.Pix[(y*p.Height/ht)*p.Stride:]
		o := out[y*w : (y+1)*w]
		if grey {
			for x, sx := range xs {
				o[x] = float32(row[sx])
			}
			continue
		}
		for x, sx := range xs {
			o[x] = (t.r[row[sx]] + t.g[row[sx+1]]) + t.b[row[sx+2]]
		}
	}
	return out
}
