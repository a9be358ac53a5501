package media

import "bytes"

// Format names an image file format.
type Format string

// Formats this package decodes.
const (
	JPEG Format = "jpeg"
	PNG  Format = "png"
	GIF  Format = "gif"
	WebP Format = "webp"
	BMP  Format = "bmp"
	TIFF Format = "tiff"
)

// Sniff returns the format of data from its first bytes, never from a file
// name, or "" if it is none of the supported formats.
func Sniff(data []byte) Format {
	if len(data) >= 12 && bytes.HasPrefix(data, []byte("RIFF")) && string(data[8:12]) == "WEBP" {
		return WebP
	}
	// WebP is checked apart because its signature has a length field in
	// the middle.
	magic := [...]struct {
		prefix string
		format Format
	}{
		{"\xff\xd8\xff", JPEG},
		{"\x89PNG\r\n\x1a\n", PNG},
		{"GIF87a", GIF},
		{"GIF89a", GIF},
		{"BM", BMP},
		{"II*\x00", TIFF},
		{"MM\x00*", TIFF},
	}
	for _, m := range magic {
		if bytes.HasPrefix(data, []byte(m.prefix)) {
			return m.format
		}
	}
	return ""
}
