package pdq

import (
	"math"
	"math/rand/v2"
	"testing"
)

// fullBlur is the Jarosz filter done in full, as the reference does it:
// two passes of a box filter along every row and then every column, then
// the 64×64 decimation. blur must give the same grid bit for bit.
func fullBlur(luma []float32, w, h int) *[64 * 64]float32 {
	b1, b2 := append([]float32(nil), luma...), make([]float32, w*h)
	wr, wc := windowSize(w), windowSize(h)
	for range 2 {
		boxRows(b1, b2, w, h, wr)
		for x := range w { // one column at a time, as the reference walks it
			col, out := make([]float32, h), make([]float32, h)
			for y := range h {
				col[y] = b2[y*w+x]
			}
			boxRow(col, out, wc)
			for y := range h {
				b1[y*w+x] = out[y]
			}
		}
	}
	var grid [64 * 64]float32
	for i := range 64 {
		y := int((float64(i) + 0.5) * float64(h) / 64)
		for j := range 64 {
			x := int((float64(j) + 0.5) * float64(w) / 64)
			grid[i*64+j] = b1[y*w+x]
		}
	}
	return &grid
}

// TestBlurExact compares blur with the full filter on random luminance of
// sizes from the smallest hashed to the pre-resize limit, odd and even,
// wide and tall, and on a flat image (where sums cancel exactly).
func TestBlurExact(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	sizes := [][2]int{{5, 5}, {7, 64}, {64, 64}, {63, 65}, {100, 37}, {128, 129}, {255, 257}, {320, 240},
		{511, 300}, {512, 512}, {512, 384}, {300, 512}}
	var h Hasher
	for _, sz := range sizes {
		for _, flat := range []bool{false, true} {
			w, ht := sz[0], sz[1]
			luma := make([]float32, w*ht)
			for i := range luma {
				luma[i] = float32(rng.IntN(256)) * 0.7152
				if flat {
					luma[i] = 117.3
				}
			}
			want := fullBlur(luma, w, ht)
			h.buf2 = make([]float32, w*ht)
			got := h.blur(append([]float32(nil), luma...), w, ht)
			for i := range got {
				if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
					t.Fatalf("%dx%d flat=%v: grid[%d]=%v, want %v", w, ht, flat, i, got[i], want[i])
				}
			}
		}
	}
}
