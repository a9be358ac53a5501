package media_test

import (
	"context"
	"errors"
	"image"
	"strings"
	"testing"
	"time"

	"github.com/vigie-hotline/vigie/media"
)

// fuzzLimits keep each fuzz input cheap.
var fuzzLimits = media.Limits{MaxBytes: 1 << 20, MaxPixels: 4 << 20, Timeout: 2 * time.Second}

func addSeeds(f *testing.F) {
	for _, b := range seedCorpus(f) {
		f.Add(b)
	}
}

// checkResult fails on anything but a decoded image within the limits or a
// *media.Error. A decoder panic is recovered as Corrupt in production; here
// it is a bug to fix.
func checkResult(t *testing.T, img image.Image, err error) {
	t.Helper()
	if err != nil {
		var e *media.Error
		if !errors.As(err, &e) {
			t.Fatalf("err=%v (%T), want a *media.Error", err, err)
		}
		if e.Err != nil && strings.HasPrefix(e.Err.Error(), "panic:") {
			t.Fatalf("decoder panicked: %v", e.Err)
		}
		return
	}
	b := img.Bounds()
	if b.Empty() || int64(b.Dx())*int64(b.Dy()) > fuzzLimits.MaxPixels {
		t.Fatalf("image bounds %v outside limits", b)
	}
}

func FuzzHeader(f *testing.F) {
	addSeeds(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		info, err := media.Header(data, fuzzLimits)
		if err == nil && int64(info.Width)*int64(info.Height) > fuzzLimits.MaxPixels {
			t.Fatalf("Header accepted %dx%d", info.Width, info.Height)
		}
		checkResult(t, image.NewGray(image.Rect(0, 0, 1, 1)), err)
	})
}

func FuzzDecode(f *testing.F) {
	addSeeds(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		img, _, err := media.Decode(context.Background(), data, fuzzLimits)
		checkResult(t, img, err)
	})
}

func FuzzDecodeFast(f *testing.F) {
	addSeeds(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		img, _, err := media.DecodeFast(context.Background(), data, fuzzLimits, 64)
		checkResult(t, img, err)
	})
}
