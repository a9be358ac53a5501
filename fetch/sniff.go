package fetch

import (
	"bytes"
	"net/http"
	"strings"
)

// Sniff returns the media type of data judged from its first bytes only:
// image magic numbers that http.DetectContentType does not know (TIFF,
// AVIF, HEIC, JPEG XL, QuickTime), then http.DetectContentType. It never
// trusts the server's Content-Type, because a hostile server lies.
func Sniff(data []byte) string {
	if t := sniffMagic(data); t != "" {
		return t
	}
	return mediaType(http.DetectContentType(data))
}

// sniffMagic recognises the image and video signatures that
// http.DetectContentType lacks or reports too vaguely.
func sniffMagic(b []byte) string {
	switch {
	case bytes.HasPrefix(b, []byte("\xFF\xD8\xFF")):
		return "image/jpeg"
	case bytes.HasPrefix(b, []byte("II*\x00")), bytes.HasPrefix(b, []byte("MM\x00*")):
		return "image/tiff"
	case bytes.HasPrefix(b, []byte("\xFF\x0A")), bytes.HasPrefix(b, []byte("\x00\x00\x00\x0CJXL \x0D\x0A\x87\x0A")):
		return "image/jxl"
	case len(b) >= 12 && string(b[4:8]) == "ftyp":
		return isoBrand(string(b[8:12]))
	}
	return ""
}

// isoBrand maps the major brand of an ISO base media file to its type.
func isoBrand(brand string) string {
	switch brand {
	case "avif", "avis":
		return "image/avif"
	case "heic", "heix", "heim", "heis", "mif1", "msf1":
		return "image/heic"
	case "qt  ":
		return "video/quicktime"
	case "3gp4", "3gp5", "3gp6", "3g2a":
		return "video/3gpp"
	}
	return "video/mp4"
}

// IsMedia reports whether the media type t is an image or a video.
func IsMedia(t string) bool {
	return strings.HasPrefix(t, "image/") || strings.HasPrefix(t, "video/")
}
