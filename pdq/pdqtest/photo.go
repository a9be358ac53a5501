// Package pdqtest generates synthetic, deterministic, photo-like test images
// for the tests and benchmarks of pdq, media and the command line, so that no
// test depends on real photographs.
package pdqtest

import (
	"image"
	"math"
	"math/rand/v2"
)

// Photo returns a w×h opaque RGB image that looks, to a perceptual hash and a
// JPEG encoder, roughly like a photograph: smooth multi-scale colour fields,
// a few sharp-edged shapes and a little sensor-like noise. The same seed and
// size always give the same pixels; different seeds give unrelated images.
func Photo(seed uint64, w, h int) *image.NRGBA {
	rng := rand.New(rand.NewPCG(seed, 0x9e3779b97f4a7c15))
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	if w == 0 || h == 0 {
		return img
	}
	fields := [3]*noise{newNoise(rng), newNoise(rng), newNoise(rng)}
	shapes := newShapes(rng, 12)
	for y := range h {
		v := float64(y) / float64(h)
		row := img.Pix[y*img.Stride:]
		for x := range w {
			u := float64(x) / float64(w)
			var c [3]float64
			for k, f := range fields {
				c[k] = f.at(u, v)
			}
			shapes.paint(u, v, &c)
			i := 4 * x
			for k := range 3 {
				row[i+k] = clamp(c[k]*255 + float64(int(rng.Uint32()%9)-4))
			}
			row[i+3] = 255
		}
	}
	return img
}

// noise is fractal value noise: six octaves of bilinearly interpolated
// random grids.
type noise struct {
	octaves [6]grid
}

type grid struct {
	n   int
	amp float64
	v   []float64
}

func newNoise(rng *rand.Rand) *noise {
	var f noise
	for o := range f.octaves {
		n := 3 << o
		g := grid{n: n, amp: math.Pow(0.7, float64(o)), v: make([]float64, (n+1)*(n+1))}
		for i := range g.v {
			g.v[i] = rng.Float64()
		}
		f.octaves[o] = g
	}
	return &f
}

// at returns the field at (u, v) in [0,1)², scaled to [0,1].
func (f *noise) at(u, v float64) float64 {
	sum, norm := 0.0, 0.0
	for _, g := range f.octaves {
		x, y := u*float64(g.n), v*float64(g.n)
		x0, y0 := int(x), int(y)
		fx, fy := smooth(x-float64(x0)), smooth(y-float64(y0))
		s := g.n + 1
		a := g.v[y0*s+x0] + (g.v[y0*s+x0+1]-g.v[y0*s+x0])*fx
		b := g.v[(y0+1)*s+x0] + (g.v[(y0+1)*s+x0+1]-g.v[(y0+1)*s+x0])*fx
		sum += g.amp * (a + (b-a)*fy)
		norm += g.amp
	}
	// Averaged octaves crowd around 0.5; stretch them back to full range.
	return 0.5 + 2.2*(sum/norm-0.5)
}

func smooth(t float64) float64 { return t * t * (3 - 2*t) }

// shapes are discs and rectangles of flat colour, blended at half opacity,
// which give a hash the strong edges that photographs have.
type shapes []shape

type shape struct {
	disc           bool
	cx, cy, rx, ry float64
	c              [3]float64
}

func newShapes(rng *rand.Rand, n int) shapes {
	s := make(shapes, n)
	for i := range s {
		s[i] = shape{
			disc: rng.IntN(2) == 0,
			cx:   rng.Float64(), cy: rng.Float64(),
			rx: 0.05 + 0.2*rng.Float64(), ry: 0.05 + 0.2*rng.Float64(),
			c: [3]float64{rng.Float64(), rng.Float64(), rng.Float64()},
		}
	}
	return s
}

func (s shapes) paint(u, v float64, c *[3]float64) {
	for _, sh := range s {
		du, dv := (u-sh.cx)/sh.rx, (v-sh.cy)/sh.ry
		inside := math.Abs(du) < 1 && math.Abs(dv) < 1
		if sh.disc {
			inside = du*du+dv*dv < 1
		}
		if inside {
			for k := range 3 {
				c[k] = (c[k] + sh.c[k]) / 2
			}
		}
	}
}

func clamp(v float64) uint8 {
	switch {
	case v < 0:
		return 0
	case v > 255:
		return 255
	}
	return uint8(v)
}
