package media

import (
	"context"
	"errors"
	"image"
)

// errNoFastPath tells DecodeFast to fall back to Decode.
var errNoFastPath = errors.New("media: no luminance fast path for this JPEG")

// DefaultMinSide is the smallest side DecodeFast keeps when it reduces a
// JPEG: PDQ's reference first resizes anything larger than 512×512 to
// 512×512, so decoding below that would throw away detail it uses.
const DefaultMinSide = 512

// DecodeFast decodes data for perceptual hashing. A JPEG larger than
// minSide×minSide is decoded straight to luminance (an *image.Gray, chroma
// never decoded) at the smallest DCT scale 1/2, 1/4 or 1/8 that keeps both
// sides at least minSide; other JPEGs go to luminance at full size. Other
// formats, and JPEGs stored as CMYK or RGB, decode as Decode does.
//
// minSide ≤ 0 means DefaultMinSide. Info.Scale and Info.Decoder say which
// path ran.
func DecodeFast(ctx context.Context, data []byte, lim Limits, minSide int) (image.Image, Info, error) {
	lim = lim.withDefaults()
	info, err := Header(data, lim)
	if err != nil {
		return nil, info, err
	}
	if info.Format != JPEG {
		return Decode(ctx, data, lim)
	}
	if minSide <= 0 {
		minSide = DefaultMinSide
	}
	scale := chooseScale(info.Width, info.Height, minSide)
	var img *image.Gray
	err = withDeadline(ctx, lim, info.Format, data, func(r *deadlineReader) (err error) {
		img, info.Decoder, err = decodeJPEGGray(r, scale)
		return err
	})
	if errors.Is(err, errNoFastPath) {
		return Decode(ctx, data, lim)
	}
	if err == nil && img == nil {
		err = errorf(Corrupt, JPEG, nil, "the JPEG could not be decoded")
	}
	if err != nil {
		return nil, info, err
	}
	info.Scale = scale
	if img.Bounds().Dx() == info.Width {
		info.Scale = 1 // a fallback decoded at full size
	}
	return img, info, nil
}

// chooseScale returns the largest denominator s in {8, 4, 2} for which both
// ⌈w/s⌉ and ⌈h/s⌉ are at least minSide, or 1.
func chooseScale(w, h, minSide int) int {
	for s := 8; s > 1; s /= 2 {
		if (w+s-1)/s >= minSide && (h+s-1)/s >= minSide {
			return s
		}
	}
	return 1
}

// lumaOf returns the luminance plane of a standard-library JPEG decode
// without copying, or errNoFastPath for colour models that have none
// (CMYK, Adobe RGB).
func lumaOf(img image.Image) (*image.Gray, error) {
	switch m := img.(type) {
	case *image.Gray:
		return m, nil
	case *image.YCbCr:
		return &image.Gray{Pix: m.Y, Stride: m.YStride, Rect: m.Rect}, nil
	}
	return nil, errNoFastPath
}
