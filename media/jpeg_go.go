//go:build !turbojpeg

package media

import (
	"image"
	"image/jpeg"
)

// JPEGDecoder names the decoder DecodeFast uses for JPEG in this build:
// "go" here, "turbojpeg" when built with the turbojpeg tag.
const JPEGDecoder = "go"

// decodeJPEGGray decodes the luminance of a JPEG at 1/scale.
func decodeJPEGGray(r *deadlineReader, scale int) (*image.Gray, string, error) {
	img, err := jpeg.Decode(r)
	if err != nil {
		return nil, "", err
	}
	g, err := lumaOf(img)
	return g, "go", err
}
