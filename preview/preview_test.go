package preview_test

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"math/rand/v2"
	"testing"

	"github.com/vigie-hotline/vigie/media"
	"github.com/vigie-hotline/vigie/preview"
)

// checkerboard returns a w×h colour image of cell×cell squares with a
// band of thin text-like strokes: the sharp detail a blur must remove.
func checkerboard(w, h, cell int) *image.NRGBA {
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			c := color.NRGBA{30, 200, 60, 255}
			if (x/cell+y/cell)%2 == 0 {
				c = color.NRGBA{240, 20, 180, 255}
			}
			if y%16 < 10 && x%7 < 2 && (y/16)%3 == 0 { // strokes, like letters
				c = color.NRGBA{0, 0, 0, 255}
			}
			img.SetNRGBA(x, y, c)
		}
	}
	return img
}

func encodePNG(tb testing.TB, img image.Image) []byte {
	tb.Helper()
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		tb.Fatal(err)
	}
	return buf.Bytes()
}

// mustRender renders data and decodes the preview.
func mustRender(tb testing.TB, data []byte, opts preview.Options) image.Image {
	tb.Helper()
	out, err := preview.Render(context.Background(), data, opts)
	if err != nil {
		tb.Fatal(err)
	}
	img, err := png.Decode(bytes.NewReader(out))
	if err != nil {
		tb.Fatalf("the preview is not a PNG: %v", err)
	}
	return img
}

// detail returns the mean squared difference between neighbouring pixels'
// luminance: the energy of an image's high frequencies.
func detail(img image.Image) float64 {
	b := img.Bounds()
	luma := func(x, y int) float64 {
		return float64(color.GrayModel.Convert(img.At(x, y)).(color.Gray).Y)
	}
	var sum float64
	var n int
	for y := b.Min.Y; y < b.Max.Y-1; y++ {
		for x := b.Min.X; x < b.Max.X-1; x++ {
			dx, dy := luma(x+1, y)-luma(x, y), luma(x, y+1)-luma(x, y)
			sum += dx*dx + dy*dy
			n++
		}
	}
	return sum / float64(n)
}

func TestRender_Size(t *testing.T) {
	for _, tc := range []struct {
		name          string
		w, h, maxSide int
		wantW, wantH  int
	}{
		{"OKWide", 1000, 500, 0, 480, 240},
		{"OKTall", 300, 1200, 0, 120, 480},
		{"OKSmallNotEnlarged", 100, 50, 0, 100, 50},
		{"OKMaxSide", 640, 640, 64, 64, 64},
		{"OKThinLine", 4000, 2, 0, 480, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			opts := preview.DefaultOptions()
			opts.MaxSide = tc.maxSide
			img := mustRender(t, encodePNG(t, checkerboard(tc.w, tc.h, 8)), opts)
			if got, want := img.Bounds().Size(), image.Pt(tc.wantW, tc.wantH); got != want {
				t.Fatalf("size=%v, want %v", got, want)
			}
		})
	}
}

func TestRender_Grey(t *testing.T) {
	data := encodePNG(t, checkerboard(600, 400, 20))
	t.Run("OK", func(t *testing.T) {
		img := mustRender(t, data, preview.DefaultOptions())
		b := img.Bounds()
		for y := b.Min.Y; y < b.Max.Y; y++ {
			for x := b.Min.X; x < b.Max.X; x++ {
				r, g, bl, _ := img.At(x, y).RGBA()
				if r != g || g != bl {
					t.Fatalf("pixel (%d,%d) = %d,%d,%d, want R=G=B", x, y, r, g, bl)
				}
			}
		}
	})
	t.Run("OKColour", func(t *testing.T) {
		opts := preview.DefaultOptions()
		opts.Grey = false
		img := mustRender(t, data, opts)
		r, g, _, _ := img.At(0, 0).RGBA()
		if r == g {
			t.Fatalf("colour preview pixel (0,0) has R=G=%d, want colour kept", r)
		}
	})
	t.Run("OKJPEG", func(t *testing.T) {
		var buf bytes.Buffer
		if err := jpeg.Encode(&buf, checkerboard(1600, 1200, 20), &jpeg.Options{Quality: 90}); err != nil {
			t.Fatal(err)
		}
		img := mustRender(t, buf.Bytes(), preview.DefaultOptions())
		if got, want := img.Bounds().Size(), image.Pt(480, 360); got != want {
			t.Fatalf("size=%v, want %v", got, want)
		}
		if _, ok := img.(*image.Gray); !ok {
			t.Fatalf("preview decodes as %T, want *image.Gray", img)
		}
	})
}

func TestRender_Blur(t *testing.T) {
	data := encodePNG(t, checkerboard(480, 480, 6))
	at := func(blur int) float64 {
		opts := preview.DefaultOptions()
		opts.Blur = blur
		return detail(mustRender(t, data, opts))
	}
	sharp := at(0)
	t.Run("OKDefaultUnrecognisable", func(t *testing.T) {
		blurred := at(preview.DefaultBlur)
		if sharp < 1000 {
			t.Fatalf("the test image has detail %.0f; too little to test a blur", sharp)
		}
		t.Logf("detail %.1f unblurred, %.4f at blur %d", sharp, blurred, preview.DefaultBlur)
		if ratio := sharp / blurred; ratio < 1000 {
			t.Fatalf("detail %.1f → %.3f at the default blur: %.0f× less, want at least 1000×", sharp, blurred, ratio)
		}
	})
	t.Run("OKMonotonic", func(t *testing.T) {
		prev := sharp
		for _, b := range []int{5, 20, 40, 60, 100} {
			got := at(b)
			if got >= prev {
				t.Fatalf("blur %d: detail %.3f, want less than %.3f", b, got, prev)
			}
			prev = got
		}
	})
	t.Run("OKClamped", func(t *testing.T) {
		if got, want := at(1000), at(preview.MaxBlur); got != want {
			t.Fatalf("blur 1000: detail %.3f, want that of %d: %.3f", got, preview.MaxBlur, want)
		}
	})
	t.Run("OKPixelate", func(t *testing.T) {
		opts := preview.DefaultOptions()
		opts.Blur, opts.Pixelate = 0, 16
		img := mustRender(t, data, opts)
		if got, want := img.At(0, 0), img.At(15, 15); got != want {
			t.Fatalf("pixels of one block differ: %v and %v", got, want)
		}
		if got := detail(img); got >= sharp {
			t.Fatalf("pixelated detail %.1f, want less than %.1f", got, sharp)
		}
	})
}

// withSize returns a PNG whose header declares w×h pixels.
func withSize(tb testing.TB, w, h uint32) []byte {
	tb.Helper()
	data := encodePNG(tb, checkerboard(8, 8, 2))
	binary.BigEndian.PutUint32(data[16:], w)
	binary.BigEndian.PutUint32(data[20:], h)
	binary.BigEndian.PutUint32(data[29:], crc32.ChecksumIEEE(data[12:29]))
	return data
}

func TestRender_Errors(t *testing.T) {
	ctx := context.Background()
	good := encodePNG(t, checkerboard(64, 64, 4))
	for _, tc := range []struct {
		name string
		data []byte
		kind media.Kind
	}{
		{"ErrBomb", withSize(t, 100_000, 100_000), media.Bomb},
		{"ErrUnknownFormat", []byte("<html>not an image</html>"), media.UnknownFormat},
		{"ErrEmpty", nil, media.ZeroSize},
		{"ErrTruncated", good[:len(good)/2], media.Truncated},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out, err := preview.Render(ctx, tc.data, preview.DefaultOptions())
			if out != nil {
				t.Fatalf("Render returned %d bytes, want none", len(out))
			}
			if !errors.Is(err, tc.kind) {
				t.Fatalf("err=%v, want %v", err, tc.kind)
			}
		})
	}
	t.Run("ErrTooLarge", func(t *testing.T) {
		opts := preview.DefaultOptions()
		opts.Limits.MaxBytes = 100
		if _, err := preview.Render(ctx, good, opts); !errors.Is(err, media.TooLarge) {
			t.Fatalf("err=%v, want %v", err, media.TooLarge)
		}
	})
	t.Run("ErrCanceled", func(t *testing.T) {
		ctx, cancel := context.WithCancel(ctx)
		cancel()
		if out, err := preview.Render(ctx, good, preview.DefaultOptions()); err == nil {
			t.Fatalf("Render with a canceled context returned %d bytes, want an error", len(out))
		}
	})
	t.Run("ErrGarbage", func(t *testing.T) {
		rng := rand.New(rand.NewPCG(1, 2))
		for i := range 200 {
			bad := bytes.Clone(good)
			for range 1 + i%8 {
				bad[8+rng.IntN(len(bad)-8)] = byte(rng.Uint32())
			}
			// Corrupted files may still decode; what matters is no panic
			// and, when there is no error, a PNG.
			if out, err := preview.Render(ctx, bad, preview.DefaultOptions()); err == nil {
				if _, err := png.Decode(bytes.NewReader(out)); err != nil {
					t.Fatalf("case %d: the preview is not a PNG: %v", i, err)
				}
			}
		}
	})
}

// BenchmarkRender renders a photo-sized 4000×3000 JPEG with the default
// options and in colour.
func BenchmarkRender(b *testing.B) {
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, checkerboard(4000, 3000, 24), &jpeg.Options{Quality: 85}); err != nil {
		b.Fatal(err)
	}
	data := buf.Bytes()
	for _, grey := range []bool{true, false} {
		name := "Grey"
		if !grey {
			name = "Colour"
		}
		b.Run(name, func(b *testing.B) {
			opts := preview.DefaultOptions()
			opts.Grey = grey
			b.SetBytes(int64(len(data)))
			for b.Loop() {
				if _, err := preview.Render(context.Background(), data, opts); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
