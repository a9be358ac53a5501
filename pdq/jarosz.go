package pdq

// The reference downsamples with a Jarosz filter: two passes, each a box
// filter along every row and then along every column, followed by picking
// 64×64 samples. Bit-exactness depends on the box filter being a running
// float32 sum updated in the reference's order (add the incoming sample,
// then subtract the outgoing one, then divide by the current count).

// jaroszPasses is the number of row-then-column box passes.
const jaroszPasses = 2

// windowSize is the reference's computeJaroszFilterWindowSize(old, 64).
func windowSize(n int) int {
	return (n + 2*64 - 1) / (2 * 64)
}

// boxPhases returns the reference's loop counts for a window of size w over
// n samples: samples summed before the first output, outputs while the
// window grows, outputs at full size, and outputs while it shrinks.
func boxPhases(n, w int) (p1, p2, p3, p4 int) {
	half := (w + 2) / 2
	return half - 1, w - half + 1, n - w, half - 1
}

// boxRow box-filters the contiguous vector in into out.
func boxRow(in, out []float32, w int) {
	p1, p2, p3, p4 := boxPhases(len(in), w)
	var sum float32
	cnt, ri, li, oi := 0, 0, 0, 0
	for range p1 {
		sum += in[ri]
		cnt++
		ri++
	}
	for range p2 {
		sum += in[ri]
		cnt++
		out[oi] = sum / float32(cnt)
		ri++
		oi++
	}
	c := float32(cnt)
	for range p3 {
		sum += in[ri]
		sum -= in[li]
		out[oi] = sum / c
		li++
		ri++
		oi++
	}
	for range p4 {
		sum -= in[li]
		cnt--
		out[oi] = sum / float32(cnt)
		li++
		oi++
	}
}

// boxRows box-filters every row of the w×h matrix in into out.
func boxRows(in, out []float32, w, h, win int) {
	for y := range h {
		boxRow(in[y*w:(y+1)*w], out[y*w:(y+1)*w], win)
	}
}

// boxCols box-filters every column of the w×h matrix in into out. It walks
// the rows once and keeps one running sum per column, which performs exactly
// the reference's per-column operations in a cache-friendly order.
func boxCols(in, out, sums []float32, w, h, win int) {
	p1, p2, p3, p4 := boxPhases(h, win)
	clear(sums)
	cnt, ri, li, oi := 0, 0, 0, 0
	for range p1 {
		addRow(sums, in[ri*w:(ri+1)*w])
		cnt++
		ri++
	}
	for range p2 {
		addRow(sums, in[ri*w:(ri+1)*w])
		cnt++
		divRow(out[oi*w:(oi+1)*w], sums, float32(cnt))
		ri++
		oi++
	}
	for range p3 {
		addRow(sums, in[ri*w:(ri+1)*w])
		subRow(sums, in[li*w:(li+1)*w])
		divRow(out[oi*w:(oi+1)*w], sums, float32(cnt))
		li++
		ri++
		oi++
	}
	for range p4 {
		subRow(sums, in[li*w:(li+1)*w])
		cnt--
		divRow(out[oi*w:(oi+1)*w], sums, float32(cnt))
		li++
		oi++
	}
}

func addRow(sums, row []float32) {
	row = row[:len(sums)]
	for i := range sums {
		sums[i] += row[i]
	}
}

func subRow(sums, row []float32) {
	row = row[:len(sums)]
	for i := range sums {
		sums[i] -= row[i]
	}
}

func divRow(out, sums []float32, c float32) {
	out = out[:len(sums)]
	for i := range sums {
		out[i] = sums[i] / c
	}
}

// blur runs the Jarosz filter over the w×ht luminance in h.buf1 and returns
// the 64×64 decimation of the result.
func (h *Hasher) blur(luma []float32, w, ht int) *[64 * 64]float32 {
	b1, b2 := luma, h.buf2[:w*ht]
	wr, wc := windowSize(w), windowSize(ht)
	sums := make([]float32, w)
	for range jaroszPasses {
		boxRows(b1, b2, w, ht, wr)
		boxCols(b2, b1, sums, w, ht, wc)
	}
	return decimate(b1, w, ht)
}

// decimate picks the reference's 64×64 samples from the w×h matrix in.
func decimate(in []float32, w, h int) *[64 * 64]float32 {
	var out [64 * 64]float32
	for i := range 64 {
		y := int((float64(i) + 0.5) * float64(h) / 64)
		for j := range 64 {
			x := int((float64(j) + 0.5) * float64(w) / 64)
			out[i*64+j] = in[y*w+x]
		}
	}
	return &out
}
