package pdq

import (
	"math"
	"slices"
)

// dctMatrix returns the reference's 16×64 DCT-II matrix. Row i holds
// frequency i+1: frequency 0 (the DC term) is never used. Each entry is the
// float32 scale factor widened to float64, times a float64 cosine whose
// argument is evaluated left to right, rounded to float32. It is rebuilt per
// call (16·64 cosines, a few microseconds) to keep the package free of
// global state.
func dctMatrix() *[16 * 64]float32 {
	var d [16 * 64]float32
	scale := float64(float32(math.Sqrt(2.0 / 64)))
	for i := range 16 {
		for j := range 64 {
			arg := math.Pi / 2 / 64 * float64(i+1) * float64(2*j+1)
			d[i*64+j] = float32(scale * math.Cos(arg))
		}
	}
	return &d
}

// dct16 returns B = D·A·Dᵀ for the 64×64 grid a. Every dot product runs
// k = 0…63 and rounds each product to float32 before adding it into a
// float32 sum; the explicit conversions stop the compiler from fusing them
// into multiply-adds, which the reference does not use.
func dct16(a *[64 * 64]float32) [256]float32 {
	d := dctMatrix()
	var t [16 * 64]float32
	for i := range 16 {
		drow := d[i*64 : i*64+64]
		for j := range 64 {
			var s float32
			for k := range 64 {
				s += float32(drow[k] * a[k*64+j])
			}
			t[i*64+j] = s
		}
	}
	var b [256]float32
	for i := range 16 {
		trow := t[i*64 : i*64+64]
		for j := range 16 {
			drow := d[j*64 : j*64+64]
			var s float32
			for k := range 64 {
				s += float32(trow[k] * drow[k])
			}
			b[i*16+j] = s
		}
	}
	return b
}

// quality is the reference's image-domain quality metric: the sum of
// truncated, scaled absolute differences between neighbours, over 90,
// capped at 100.
func quality(a *[64 * 64]float32) int {
	sum := 0
	for i := range 63 {
		for j := range 64 {
			sum += gradient(a[i*64+j], a[(i+1)*64+j])
		}
	}
	for i := range 64 {
		for j := range 63 {
			sum += gradient(a[i*64+j], a[i*64+j+1])
		}
	}
	return min(100, sum/90)
}

// gradient is |int(((u−v)·100)/255)| in float32, truncated toward zero.
func gradient(u, v float32) int {
	d := int(float32(float32(u-v)*100) / 255)
	if d < 0 {
		return -d
	}
	return d
}

// threshold sets bit 16i+j of the hash when B[i][j] exceeds the lower median
// of B, which the reference finds with Torben's algorithm: the 128th
// smallest of the 256 values.
func threshold(b *[256]float32) Hash {
	sorted := *b
	slices.Sort(sorted[:])
	m := sorted[127]
	var h Hash
	for k, v := range b {
		if v > m {
			h.setBit(k)
		}
	}
	return h
}

// transform writes into out the DCT of dihedral transform d of the image
// whose DCT is b. Rotating or flipping the image transposes the coefficient
// matrix and/or negates odd frequencies; since row i holds frequency i+1,
// "odd frequency" means an even index.
func transform(d int, b, out *[256]float32) {
	for i := range 16 {
		for j := range 16 {
			v := b[i*16+j]
			ti, tj := i, j
			neg := false
			switch d {
			case Rotate90:
				ti, tj, neg = j, i, j%2 == 0
			case Rotate180:
				neg = (i+j)%2 == 1
			case Rotate270:
				ti, tj, neg = j, i, i%2 == 0
			case FlipX:
				neg = i%2 == 0
			case FlipY:
				neg = j%2 == 0
			case FlipPlus1:
				ti, tj = j, i
			case FlipMinus1:
				ti, tj, neg = j, i, (i+j)%2 == 1
			}
			if neg {
				v = -v
			}
			out[ti*16+tj] = v
		}
	}
}
