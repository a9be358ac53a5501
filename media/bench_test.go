package media_test

import (
	"bytes"
	"context"
	"fmt"
	"image/jpeg"
	"testing"

	"github.com/vigie-hotline/vigie/media"
	"github.com/vigie-hotline/vigie/pdq/pdqtest"
)

// BenchmarkDecodeJPEG compares the decode paths on a photo-like quality-85
// JPEG: Decode (full RGB, what --exact uses) and DecodeFast (luminance at
// the reduced scale; pure Go or libjpeg-turbo depending on the build tag).
func BenchmarkDecodeJPEG(b *testing.B) {
	for _, sz := range [][2]int{{4000, 3000}, {1024, 768}} {
		var buf bytes.Buffer
		if err := jpeg.Encode(&buf, pdqtest.Photo(1, sz[0], sz[1]), &jpeg.Options{Quality: 85}); err != nil {
			b.Fatal(err)
		}
		data := buf.Bytes()
		for _, mode := range []string{"Decode", "DecodeFast"} {
			b.Run(fmt.Sprintf("%s/%dx%d", mode, sz[0], sz[1]), func(b *testing.B) {
				b.SetBytes(int64(len(data)))
				for b.Loop() {
					var err error
					if mode == "Decode" {
						_, _, err = media.Decode(context.Background(), data, media.Limits{})
					} else {
						_, _, err = media.DecodeFast(context.Background(), data, media.Limits{}, 0)
					}
					if err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}
