package media_test

import (
	"context"
	"errors"
	"image"
	"testing"
	"time"

	"github.com/vigie-hotline/vigie/media"
)

func TestSniff(t *testing.T) {
	for _, tt := range []struct {
		in   string
		want media.Format
	}{
		{"\xff\xd8\xff\xe0", media.JPEG},
		{"\x89PNG\r\n\x1a\n....", media.PNG},
		{"GIF89a", media.GIF},
		{"GIF87a", media.GIF},
		{"RIFF\x00\x00\x00\x00WEBPVP8 ", media.WebP},
		{"RIFF\x00\x00\x00\x00WAVEfmt ", ""},
		{"BM", media.BMP},
		{"II*\x00", media.TIFF},
		{"MM\x00*", media.TIFF},
		{"<html>", ""},
		{"", ""},
	} {
		if got := media.Sniff([]byte(tt.in)); got != tt.want {
			t.Errorf("Sniff(%q)=%q, want %q", tt.in, got, tt.want)
		}
	}
}

// TestDecode decodes every generated file and checks the typed error of
// every malformed one.
func TestDecode(t *testing.T) {
	corpus := seedCorpus(t)
	for _, tt := range []struct {
		name   string
		format media.Format
		want   error // nil, or the Kind expected
	}{
		{"jpeg", media.JPEG, nil},
		{"jpeg-grey", media.JPEG, nil},
		{"jpeg-scalable", media.JPEG, nil},
		{"png", media.PNG, nil},
		{"png-grey", media.PNG, nil},
		{"gif", media.GIF, nil},
		{"bmp", media.BMP, nil},
		{"tiff", media.TIFF, nil},
		{"webp", media.WebP, nil},
		{"empty", "", media.ZeroSize},
		{"garbage", "", media.UnknownFormat},
		{"jpeg-truncated", media.JPEG, media.Truncated},
		{"jpeg-header", media.JPEG, media.Truncated},
		{"png-truncated", media.PNG, media.Truncated},
		{"gif-truncated", media.GIF, media.Truncated},
		{"bmp-truncated", media.BMP, media.Truncated},
		{"tiff-truncated", media.TIFF, media.Truncated},
		{"webp-truncated", media.WebP, media.Truncated},
		{"png-bomb", media.PNG, media.Bomb},
		{"jpeg-bomb", media.JPEG, media.Bomb},
		{"gif-bomb", media.GIF, media.Bomb},
		{"png-zero-width", media.PNG, media.ZeroSize},
		{"jpeg-zero-width", media.JPEG, media.ZeroSize},
	} {
		for _, fn := range decoders() {
			t.Run(tt.name+"/"+fn.name, func(t *testing.T) {
				img, info, err := fn.decode(context.Background(), corpus[tt.name], media.Limits{})
				if tt.want == nil {
					if err != nil {
						t.Fatalf("err=%v", err)
					}
					if b := img.Bounds(); b.Dx() == 0 || b.Dy() == 0 {
						t.Fatalf("empty image %v", b)
					}
				} else {
					checkKind(t, err, tt.want)
				}
				if got, want := info.Format, tt.format; got != want {
					t.Errorf("Format=%q, want %q", got, want)
				}
			})
		}
	}
}

type decoderFunc struct {
	name   string
	decode func(context.Context, []byte, media.Limits) (image.Image, media.Info, error)
}

// decoders lists the entry points that take a whole file.
func decoders() []decoderFunc {
	return []decoderFunc{
		{"Decode", func(ctx context.Context, b []byte, l media.Limits) (image.Image, media.Info, error) {
			return media.Decode(ctx, b, l)
		}},
		{"DecodeFast", func(ctx context.Context, b []byte, l media.Limits) (image.Image, media.Info, error) {
			return media.DecodeFast(ctx, b, l, 0)
		}},
	}
}

func checkKind(t *testing.T, err error, want error) {
	t.Helper()
	var e *media.Error
	if !errors.As(err, &e) {
		t.Fatalf("err=%v (%T), want a *media.Error", err, err)
	}
	if !errors.Is(err, want) {
		t.Fatalf("err=%v, want kind %v", err, want)
	}
	if e.Message == "" {
		t.Fatal("empty message")
	}
}

func TestLimits(t *testing.T) {
	file := seedCorpus(t)["png"] // 96×64
	t.Run("ErrTooLarge", func(t *testing.T) {
		_, _, err := media.Decode(context.Background(), file, media.Limits{MaxBytes: int64(len(file) - 1)})
		checkKind(t, err, media.TooLarge)
	})
	t.Run("ErrBomb", func(t *testing.T) {
		_, _, err := media.Decode(context.Background(), file, media.Limits{MaxPixels: 96*64 - 1})
		checkKind(t, err, media.Bomb)
	})
	t.Run("OK", func(t *testing.T) {
		_, _, err := media.Decode(context.Background(), file, media.Limits{MaxBytes: int64(len(file)), MaxPixels: 96 * 64})
		if err != nil {
			t.Fatal(err)
		}
	})
	t.Run("ErrTimeout", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		for _, fn := range decoders() {
			_, _, err := fn.decode(ctx, file, media.Limits{})
			checkKind(t, err, media.Timeout)
		}
	})
	t.Run("ErrTimeoutLimit", func(t *testing.T) {
		_, _, err := media.Decode(context.Background(), file, media.Limits{Timeout: time.Nanosecond})
		checkKind(t, err, media.Timeout)
	})
}

func TestHeader(t *testing.T) {
	info, err := media.Header(seedCorpus(t)["jpeg"], media.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := info, (media.Info{Format: media.JPEG, Width: 96, Height: 64, Scale: 1, Decoder: "go"}); got != want {
		t.Fatalf("Header=%+v, want %+v", got, want)
	}
}
