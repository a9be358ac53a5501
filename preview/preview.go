// Package preview renders the image an analyst sees first: small, in
// greyscale and blurred, so that new content is never shown as it is
// without an explicit action. Only the preview's bytes leave Render; the
// original never does.
package preview

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/color"
	"image/png"

	"golang.org/x/image/draw"

	"github.com/vigie-hotline/vigie/media"
)

// Defaults of DefaultOptions, and bounds that Render enforces.
const (
	DefaultMaxSide = 480
	DefaultBlur    = 60
	MaxMaxSide     = 2048 // a larger MaxSide is lowered to this
	MaxBlur        = 100
)

// Options say how a preview is rendered. Start from DefaultOptions: the
// zero value shows the image in colour and unblurred.
type Options struct {
	// MaxSide bounds both sides of the preview, in pixels; the image is
	// scaled down to fit and never up. 0 means DefaultMaxSide.
	MaxSide int
	// Grey renders in greyscale.
	Grey bool
	// Blur is the blur strength from 0 (none) to MaxBlur; values outside
	// are clamped. Its radius is proportional to the preview's size, so a
	// strength looks the same at any size.
	Blur int
	// Pixelate, if positive, averages blocks of this many preview pixels
	// before the blur.
	Pixelate int
	// Limits bound the decoding; zero fields mean media's defaults.
	Limits media.Limits
}

// DefaultOptions returns what an analyst sees unless their settings say
// otherwise: at most 480 pixels, greyscale, blur 60.
func DefaultOptions() Options {
	return Options{MaxSide: DefaultMaxSide, Grey: true, Blur: DefaultBlur, Limits: media.DefaultLimits()}
}

// normalize fills defaults and clamps out-of-range values.
func (o Options) normalize() Options {
	if o.MaxSide <= 0 {
		o.MaxSide = DefaultMaxSide
	}
	o.MaxSide = min(o.MaxSide, MaxMaxSide)
	o.Blur = min(max(o.Blur, 0), MaxBlur)
	o.Pixelate = min(max(o.Pixelate, 0), o.MaxSide)
	return o
}

// Render decodes data with the limits of opts and returns the preview as a
// PNG. Errors from decoding (an unknown format, a bomb, a file too large,
// a corrupt one) are media's *media.Error, returned as they are.
func Render(ctx context.Context, data []byte, opts Options) ([]byte, error) {
	opts = opts.normalize()
	src, err := decode(ctx, data, opts)
	if err != nil {
		return nil, err
	}
	planes := toPlanes(scale(src, opts.MaxSide), opts.Grey)
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	for _, p := range planes {
		p.pixelate(opts.Pixelate)
		p.blur(blurRadius(opts.Blur, p.w, p.h))
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, toImage(planes)); err != nil {
		return nil, fmt.Errorf("preview encode: %w", err)
	}
	return buf.Bytes(), nil
}

// decode decodes data. For a greyscale preview it lets media decode a
// large JPEG straight to luminance at a reduced scale that still covers
// MaxSide, which is several times faster.
func decode(ctx context.Context, data []byte, opts Options) (image.Image, error) {
	var img image.Image
	var err error
	if opts.Grey {
		img, _, err = media.DecodeFast(ctx, data, opts.Limits, opts.MaxSide)
	} else {
		img, _, err = media.Decode(ctx, data, opts.Limits)
	}
	return img, err
}

// fitted returns the size of a w×h image scaled down to fit maxSide, with
// its proportions and at least one pixel a side.
func fitted(w, h, maxSide int) (int, int) {
	if w <= maxSide && h <= maxSide {
		return w, h
	}
	if w >= h {
		return maxSide, max(1, int(int64(h)*int64(maxSide)/int64(w)))
	}
	return max(1, int(int64(w)*int64(maxSide)/int64(h))), maxSide
}

// scale returns src scaled down to fit maxSide, with a filter that
// averages the source pixels each preview pixel covers, flattened onto a
// neutral grey where it is transparent.
func scale(src image.Image, maxSide int) *image.RGBA {
	sb := src.Bounds()
	w, h := fitted(sb.Dx(), sb.Dy(), maxSide)
	dst := image.NewRGBA(image.Rect(0, 0, w, h))
	// Transparent parts are shown on mid grey, so hidden pixels stay hidden.
	draw.Draw(dst, dst.Bounds(), image.NewUniform(color.Gray{Y: 0x80}), image.Point{}, draw.Src)
	draw.BiLinear.Scale(dst, dst.Bounds(), src, sb, draw.Over, nil)
	return dst
}
