package media

import (
	"bytes"
	"context"
	"image"
	"image/jpeg"
	"os"
	"path/filepath"
	"testing"

	"github.com/vigie-hotline/vigie/pdq/pdqtest"
)

// boxMean returns the s×s block means of the Y plane of a full decode,
// which is what decodeScaledLuma computes before rounding.
func boxMean(y *image.Gray, s int) *image.Gray {
	b := y.Bounds()
	out := image.NewGray(image.Rect(0, 0, (b.Dx()+s-1)/s, (b.Dy()+s-1)/s))
	for oy := range out.Rect.Dy() {
		for ox := range out.Rect.Dx() {
			sum, n := 0, 0
			for yy := oy * s; yy < min((oy+1)*s, b.Dy()); yy++ {
				for xx := ox * s; xx < min((ox+1)*s, b.Dx()); xx++ {
					sum += int(y.Pix[yy*y.Stride+xx])
					n++
				}
			}
			out.Pix[oy*out.Stride+ox] = uint8((sum + n/2) / n)
		}
	}
	return out
}

// scaledCases are baseline JPEGs: generated (4:2:0 colour, grey) and shared
// test images (4:2:0 with restart markers).
func scaledCases(t *testing.T) map[string][]byte {
	t.Helper()
	cases := map[string][]byte{}
	img := pdqtest.Photo(3, 517, 389) // sizes that are not multiples of 16
	grey := image.NewGray(img.Bounds())
	for i := range grey.Pix {
		grey.Pix[i] = img.Pix[4*i+1]
	}
	for name, m := range map[string]image.Image{"colour": img, "grey": grey} {
		var b bytes.Buffer
		if err := jpeg.Encode(&b, m, &jpeg.Options{Quality: 85}); err != nil {
			t.Fatal(err)
		}
		cases[name] = b.Bytes()
	}
	for _, f := range []string{"bridge-mods/high-contrast.jpg", "bridge-mods/square-512x512.jpg", "reg-test-input/labelme-subset/q2821.jpg"} {
		b, err := os.ReadFile(filepath.Join("../../shared/testdata/pdq", f))
		if err != nil {
			t.Fatal(err)
		}
		cases[f] = b
	}
	return cases
}

// TestScaledLumaMatchesMean checks the reduced decoder against the s×s
// means of the standard library's full-size Y plane. They differ by the
// rounding of the integer IDCT, and where a block saturates: a full decode
// clamps each pixel to 0…255 before the mean, the reduced decoder clamps
// the mean. Measured: mean 0.07–0.16 grey levels on normal photos, 0.7 on
// a low-quality grey JPEG; max 8 on saturated edges.
func TestScaledLumaMatchesMean(t *testing.T) {
	for name, data := range scaledCases(t) {
		full, err := jpeg.Decode(bytes.NewReader(data))
		if err != nil {
			t.Fatal(err)
		}
		y, err := lumaOf(full)
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range []int{2, 4, 8} {
			got, err := decodeScaledLuma(context.Background(), data, s, DefaultMaxPixels)
			if err != nil {
				t.Fatalf("%s 1/%d: %v", name, s, err)
			}
			want := boxMean(y, s)
			if got.Bounds() != want.Bounds() {
				t.Fatalf("%s 1/%d: bounds %v, want %v", name, s, got.Bounds(), want.Bounds())
			}
			maxd, sum := 0, 0
			for yy := range want.Rect.Dy() {
				for xx := range want.Rect.Dx() {
					d := int(got.Pix[yy*got.Stride+xx]) - int(want.Pix[yy*want.Stride+xx])
					maxd, sum = max(maxd, d, -d), sum+max(d, -d)
				}
			}
			mean := float64(sum) / float64(want.Rect.Dx()*want.Rect.Dy())
			t.Logf("%s 1/%d: max %d, mean %.3f grey levels", name, s, maxd, mean)
			if maxd > 8 || mean > 0.75 {
				t.Errorf("%s 1/%d: max %d, mean %.3f grey levels from the mean of a full decode", name, s, maxd, mean)
			}
		}
	}
}

// TestScaledLumaFallback checks that what the reduced decoder does not
// handle is handed back for the standard library to decode.
func TestScaledLumaFallback(t *testing.T) {
	for _, f := range []string{"misc-images/modes/CMYK.jpg", "misc-images/wee.jpg" /* progressive */} {
		b, err := os.ReadFile(filepath.Join("../../shared/testdata/pdq", f))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := decodeScaledLuma(context.Background(), b, 2, DefaultMaxPixels); err != errNoFastPath {
			t.Errorf("%s: err=%v, want errNoFastPath", f, err)
		}
	}
}

// FuzzScaledLuma fuzzes the reduced JPEG decoder directly, without the
// panic guard DecodeFast puts around it: any panic here is a bug.
func FuzzScaledLuma(f *testing.F) {
	img := pdqtest.Photo(9, 40, 24)
	for _, q := range []int{10, 85} {
		var b bytes.Buffer
		if err := jpeg.Encode(&b, img, &jpeg.Options{Quality: q}); err != nil {
			f.Fatal(err)
		}
		f.Add(b.Bytes(), uint8(1))
	}
	f.Fuzz(func(t *testing.T, data []byte, s uint8) {
		scale := 2 << (s % 3) // 2, 4 or 8
		if len(data) > 1<<16 {
			return
		}
		const maxPixels = 1 << 20
		img, err := decodeScaledLuma(context.Background(), data, scale, maxPixels)
		if err == nil && (img.Rect.Empty() || int64(img.Rect.Dx()*img.Rect.Dy()*scale*scale) > 4*maxPixels) {
			t.Fatalf("image %v at 1/%d from a %d-pixel limit", img.Rect, scale, maxPixels)
		}
	})
}
