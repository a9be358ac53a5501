package pdq_test

import (
	"bytes"
	"image"
	"image/color"
	"image/jpeg"
	"strings"
	"testing"

	"github.com/vigie-hotline/vigie/pdq"
	"github.com/vigie-hotline/vigie/pdq/pdqtest"
)

func TestParseHash(t *testing.T) {
	const s = "d8f8f0cee0f4a84f0637022a078f67f0b36e2ed596621e1d33e6339c4e9c9b22"
	t.Run("OK", func(t *testing.T) {
		h, err := pdq.ParseHash(strings.ToUpper(s))
		if err != nil {
			t.Fatal(err)
		}
		if got, want := h.String(), s; got != want {
			t.Fatalf("String=%s, want %s", got, want)
		}
	})
	for name, in := range map[string]string{
		"ErrShort":  s[:63],
		"ErrLong":   s + "0",
		"ErrNotHex": "x" + s[1:],
		"ErrEmpty":  "",
	} {
		t.Run(name, func(t *testing.T) {
			if _, err := pdq.ParseHash(in); err == nil {
				t.Fatal("no error")
			}
		})
	}
}

// TestBitOrder pins the reference's layout: bit k of word k/16, words
// printed from 15 down to 0.
func TestBitOrder(t *testing.T) {
	for _, tt := range []struct {
		hex string
		bit int
	}{
		{strings.Repeat("0", 63) + "1", 0},
		{strings.Repeat("0", 60) + "8000", 15},
		{strings.Repeat("0", 59) + "10000", 16},
		{"8" + strings.Repeat("0", 63), 255},
	} {
		h, err := pdq.ParseHash(tt.hex)
		if err != nil {
			t.Fatal(err)
		}
		for k := range 256 {
			if got, want := h.Bit(k), k == tt.bit; got != want {
				t.Fatalf("%s: Bit(%d)=%v, want %v", tt.hex, k, got, want)
			}
		}
	}
}

func TestDistance(t *testing.T) {
	a, _ := pdq.ParseHash(strings.Repeat("f", 64))
	var zero pdq.Hash
	for _, tt := range []struct {
		a, b pdq.Hash
		want int
	}{
		{zero, zero, 0},
		{a, zero, 256},
		{a, a, 0},
	} {
		if got := pdq.Distance(tt.a, tt.b); got != tt.want {
			t.Errorf("Distance(%s, %s)=%d, want %d", tt.a, tt.b, got, tt.want)
		}
	}
}

func TestHashText(t *testing.T) {
	h := pdq.HashImage(pdqtest.Photo(1, 200, 150)).Hash
	b, err := h.MarshalText()
	if err != nil {
		t.Fatal(err)
	}
	var got pdq.Hash
	if err := got.UnmarshalText(b); err != nil {
		t.Fatal(err)
	}
	if got != h {
		t.Fatalf("round trip %s, want %s", got, h)
	}
}

func TestHasherBadPixels(t *testing.T) {
	var h pdq.Hasher
	for name, p := range map[string]pdq.Pixels{
		"ErrChannels":    {Width: 8, Height: 8, Channels: 2, Stride: 16, Pix: make([]byte, 128)},
		"ErrShortBuffer": {Width: 8, Height: 8, Channels: 3, Stride: 24, Pix: make([]byte, 100)},
		"ErrStride":      {Width: 8, Height: 8, Channels: 1, Stride: 4, Pix: make([]byte, 64)},
		"ErrNegative":    {Width: -1, Height: 8, Channels: 1, Stride: 1, Pix: make([]byte, 64)},
	} {
		t.Run(name, func(t *testing.T) {
			if _, err := h.Hash(p); err == nil {
				t.Fatal("no error")
			}
		})
	}
}

// TestTooSmall checks the reference's rule: under 5 pixels on a side, the
// hash is all zeros and quality 0, including every dihedral variant.
func TestTooSmall(t *testing.T) {
	for _, size := range []image.Point{{0, 0}, {4, 100}, {100, 4}, {1, 1}} {
		r := pdq.HashImage(pdqtest.Photo(2, size.X, size.Y))
		if r.Hash != (pdq.Hash{}) || r.Quality != 0 {
			t.Errorf("%v: Hash=%s Quality=%d, want zero", size, r.Hash, r.Quality)
		}
		for d, h := range r.Dihedral() {
			if h != (pdq.Hash{}) {
				t.Errorf("%v: %s=%s, want zero", size, pdq.DihedralNames[d], h)
			}
		}
	}
}

// TestPreResizeWide checks that a 600×3 image is resized to 512×512 first
// and hashed, as the reference does, rather than refused as too thin.
func TestPreResizeWide(t *testing.T) {
	if r := pdq.HashImage(pdqtest.Photo(3, 600, 3)); r.Hash == (pdq.Hash{}) {
		t.Fatal("600×3 image got the zero hash")
	}
}

// TestGray16HighByte documents the deliberate difference from the reference:
// a 16-bit image hashes like its high bytes, not its low bytes.
func TestGray16HighByte(t *testing.T) {
	src := pdqtest.Photo(4, 300, 200)
	g8 := image.NewGray(src.Bounds())
	g16 := image.NewGray16(src.Bounds())
	for y := range 200 {
		for x := range 300 {
			v := color.GrayModel.Convert(src.At(x, y)).(color.Gray).Y
			g8.SetGray(x, y, color.Gray{Y: v})
			g16.SetGray16(x, y, color.Gray16{Y: uint16(v)<<8 | uint16(255-v)})
		}
	}
	if got, want := pdq.HashImage(g16).Hash, pdq.HashImage(g8).Hash; got != want {
		t.Fatalf("16-bit hash %s, want the 8-bit high-byte hash %s", got, want)
	}
}

// TestRGBGreyIsGrey checks that an RGB image with R=G=B everywhere hashes
// like the one-channel image ImageMagick hands the reference.
func TestRGBGreyIsGrey(t *testing.T) {
	src := pdqtest.Photo(5, 120, 90)
	g := image.NewGray(src.Bounds())
	rgb := image.NewNRGBA(src.Bounds())
	for y := range 90 {
		for x := range 120 {
			v := color.GrayModel.Convert(src.At(x, y)).(color.Gray).Y
			g.SetGray(x, y, color.Gray{Y: v})
			rgb.SetNRGBA(x, y, color.NRGBA{v, v, v, 255})
		}
	}
	a, b := pdq.HashImage(g), pdq.HashImage(rgb)
	if a.Hash != b.Hash || a.Quality != b.Quality {
		t.Fatalf("RGB grey %s/%d, grey %s/%d", b.Hash, b.Quality, a.Hash, a.Quality)
	}
}

// TestNearDuplicates checks the property PDQ exists for: edits that keep the
// picture stay within MatchThreshold, different pictures are far apart.
func TestNearDuplicates(t *testing.T) {
	orig := pdqtest.Photo(10, 800, 600)
	ro := pdq.HashImage(orig)
	if ro.Quality < pdq.MinQuality {
		t.Fatalf("synthetic photo quality %d, want ≥ %d", ro.Quality, pdq.MinQuality)
	}
	dih := ro.Dihedral()
	for _, tt := range []struct {
		name string
		img  image.Image
		want pdq.Hash // the hash the edited image should be near
	}{
		{"JPEGQuality30", reencode(t, orig, 30), ro.Hash},
		{"HalfSize", halve(orig), ro.Hash},
		{"Mirrored", mirror(orig), dih[pdq.FlipY]},
	} {
		t.Run(tt.name, func(t *testing.T) {
			d := pdq.Distance(pdq.HashImage(tt.img).Hash, tt.want)
			t.Logf("distance %d", d)
			if d > pdq.MatchThreshold {
				t.Fatalf("distance %d, want ≤ %d", d, pdq.MatchThreshold)
			}
		})
	}
	t.Run("Different", func(t *testing.T) {
		for seed := uint64(11); seed < 16; seed++ {
			d := pdq.Distance(pdq.HashImage(pdqtest.Photo(seed, 800, 600)).Hash, ro.Hash)
			if d <= 90 {
				t.Errorf("seed %d: distance %d to seed 10, want > 90", seed, d)
			}
		}
	})
}

func reencode(t *testing.T, img image.Image, q int) image.Image {
	t.Helper()
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: q}); err != nil {
		t.Fatal(err)
	}
	out, err := jpeg.Decode(&buf)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// halve averages 2×2 blocks.
func halve(src *image.NRGBA) image.Image {
	b := src.Bounds()
	dst := image.NewNRGBA(image.Rect(0, 0, b.Dx()/2, b.Dy()/2))
	for y := range b.Dy() / 2 {
		for x := range b.Dx() / 2 {
			for c := range 4 {
				s := 0
				for _, o := range [4][2]int{{0, 0}, {1, 0}, {0, 1}, {1, 1}} {
					s += int(src.Pix[(2*y+o[1])*src.Stride+(2*x+o[0])*4+c])
				}
				dst.Pix[y*dst.Stride+x*4+c] = uint8(s / 4)
			}
		}
	}
	return dst
}

func mirror(src *image.NRGBA) image.Image {
	b := src.Bounds()
	dst := image.NewNRGBA(b)
	for y := range b.Dy() {
		for x := range b.Dx() {
			copy(dst.Pix[y*dst.Stride+x*4:][:4], src.Pix[y*src.Stride+(b.Dx()-1-x)*4:][:4])
		}
	}
	return dst
}
