package pdq

// The reference downsamples with a Jarosz filter: two passes, each a box
// filter along every row and then along every column, followed by picking
// 64×64 samples. Bit-exactness depends on the box filter being a running
// float32 sum updated in the reference's order (add the incoming sample,
// then subtract the outgoing one, then divide by the current count).

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
// the reference's per-column operations in a cache-friendly order; where a
// row is both added and taken away, one loop does both and the division.
func boxCols(in, out, sums []float32, w, h, win int) {
	p1, p2, _, _ := boxPhases(h, win)
	row := func(y int) []float32 { return in[y*w : (y+1)*w] }
	clear(sums)
	ri, li := 0, 0
	for ; ri < p1; ri++ {
		addRow(sums, row(ri))
	}
	for oi := range h {
		o := out[oi*w : (oi+1)*w]
		switch add, sub := ri < h, oi >= p2; {
		case add && sub:
			addSubDivRow(o, sums, row(ri), row(li), float32(ri-li))
			ri, li = ri+1, li+1
		case add:
			addRow(sums, row(ri))
			ri++
			divRow(o, sums, float32(ri-li))
		default:
			subRow(sums, row(li))
			li++
			divRow(o, sums, float32(ri-li))
		}
	}
}

// boxRowAt box-filters the vector in as boxRow does, but keeps only the
// outputs at the indices xs (ascending), into out[0:len(xs)]: the running
// sum goes through the same additions and subtractions in the same order.
func boxRowAt(in, out []float32, w int, xs []int) {
	n := len(in)
	p1, p2, _, _ := boxPhases(n, w)
	var sum float32
	ri, li, k := 0, 0, 0
	for ; ri < p1; ri++ {
		sum += in[ri]
	}
	for oi := range n {
		if ri < n {
			sum += in[ri]
			ri++
		}
		if oi >= p2 {
			sum -= in[li]
			li++
		}
		for k < len(xs) && xs[k] == oi {
			out[k] = sum / float32(ri-li)
			k++
		}
	}
}

// boxColsAt box-filters the 64 columns of the 64-wide, h-high matrix in and
// writes the rows ys (ascending) of the result to out, as boxCols would.
func boxColsAt(in []float32, h, win int, ys []int, out *[64 * 64]float32) {
	p1, p2, _, _ := boxPhases(h, win)
	row := func(y int) []float32 { return in[y*64 : (y+1)*64] }
	var sums [64]float32
	ri, li, k := 0, 0, 0
	for ; ri < p1; ri++ {
		addRow(sums[:], row(ri))
	}
	for oi := range h {
		if ri < h {
			addRow(sums[:], row(ri))
			ri++
		}
		if oi >= p2 {
			subRow(sums[:], row(li))
			li++
		}
		for k < len(ys) && ys[k] == oi {
			divRow(out[k*64:(k+1)*64], sums[:], float32(ri-li))
			k++
		}
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

// addSubDivRow adds row a to sums, then takes row b away, and writes the
// sums divided by c to out: addRow, subRow and divRow in one loop.
func addSubDivRow(out, sums, a, b []float32, c float32) {
	a, b, out = a[:len(sums)], b[:len(sums)], out[:len(sums)]
	for i, s := range sums {
		s += a[i]
		s -= b[i]
		sums[i] = s
		out[i] = s / c
	}
}

// blur runs the Jarosz filter over the w×ht luminance and returns the 64×64
// decimation of the result. The first pass filters everything; the second
// computes only what the decimation keeps: along rows, the 64 sampled
// columns, and along those columns, the 64 sampled rows. Each kept value is
// the same running sum as in the full filter, so the grid is bit for bit the
// one the reference decimates.
func (h *Hasher) blur(luma []float32, w, ht int) *[64 * 64]float32 {
	b1, b2 := luma, h.buf2[:w*ht]
	wr, wc := windowSize(w), windowSize(ht)
	boxRows(b1, b2, w, ht, wr)
	boxCols(b2, b1, make([]float32, w), w, ht, wc)
	xs, ys := samples(w), samples(ht)
	if cap(h.cols) < 64*ht {
		h.cols = make([]float32, 64*ht)
	}
	cols := h.cols[:64*ht]
	for y := range ht {
		boxRowAt(b1[y*w:(y+1)*w], cols[y*64:(y+1)*64], wr, xs[:])
	}
	var out [64 * 64]float32
	boxColsAt(cols, ht, wc, ys[:], &out)
	return &out
}

// samples returns the reference's 64 decimation indices along n samples.
func samples(n int) (s [64]int) {
	for i := range s {
		s[i] = int((float64(i) + 0.5) * float64(n) / 64)
	}
	return s
}
