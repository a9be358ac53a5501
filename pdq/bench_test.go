package pdq_test

import (
	"testing"

	"github.com/vigie-hotline/vigie/pdq"
	"github.com/vigie-hotline/vigie/pdq/pdqtest"
)

// BenchmarkHash measures the hash step alone on decoded pixels, as the
// reference's benchmark-photo-hasher "hash" time does (plus the 512×512
// pre-resize, which that tool leaves untimed).
func BenchmarkHash(b *testing.B) {
	for _, bc := range []struct {
		name string
		w, h int
		grey bool
	}{
		{"RGB512x512", 512, 512, false},
		{"Grey512x512", 512, 512, true},
		{"RGB1024x768", 1024, 768, false},
		{"RGB4000x3000", 4000, 3000, false},
	} {
		b.Run(bc.name, func(b *testing.B) {
			p := pdq.FromImage(pdqtest.Photo(1, bc.w, bc.h))
			if bc.grey {
				p = greyPlane(p)
			}
			var h pdq.Hasher
			b.ResetTimer()
			for b.Loop() {
				if _, err := h.Hash(p); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkDihedral(b *testing.B) {
	r := pdq.HashImage(pdqtest.Photo(1, 512, 512))
	for b.Loop() {
		r.Dihedral()
	}
}

func greyPlane(p pdq.Pixels) pdq.Pixels {
	g := pdq.Pixels{Width: p.Width, Height: p.Height, Channels: 1, Stride: p.Width, Pix: make([]byte, p.Width*p.Height)}
	for y := range p.Height {
		for x := range p.Width {
			g.Pix[y*p.Width+x] = p.Pix[y*p.Stride+x*p.Channels+1]
		}
	}
	return g
}
