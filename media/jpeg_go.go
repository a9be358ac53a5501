//go:build !turbojpeg

package media

import (
	"errors"
	"image"
	"image/jpeg"
)

// JPEGDecoder names the decoder DecodeFast uses for JPEG in this build:
// "go" here, "turbojpeg" when built with the turbojpeg tag.
const JPEGDecoder = "go"

// decodeJPEGGray decodes the luminance of a JPEG at 1/scale: with this
// package's reduced decoder when the file is a plain baseline JPEG and
// scale > 1, else with image/jpeg at full size, keeping only the Y plane.
// Any failure of the reduced decoder is handed to image/jpeg, so errors
// read the same in every mode.
func decodeJPEGGray(r *deadlineReader, scale int) (*image.Gray, string, error) {
	if scale > 1 {
		img, err := decodeScaledLuma(r.ctx, r.data, scale, r.maxPixels)
		if err == nil {
			return img, "go-scaled", nil
		}
		if errors.Is(err, errDeadline) {
			return nil, "", err
		}
	}
	img, err := jpeg.Decode(r)
	if err != nil {
		return nil, "", err
	}
	g, err := lumaOf(img)
	return g, "go", err
}
