// Package guard is the parents' side of Vigie: it removes location and
// device metadata from photos before they are posted (Scrub), and defines
// the file of fingerprints a parent submits to register their photos
// (Submission). The same code runs natively for `vigie scrub` and `vigie
// guardian hash`, and in the browser compiled to WebAssembly (guard/wasm),
// so that photos never leave the parent's device.
//
// Scrub never re-encodes pixels: it copies the compressed image data byte
// for byte and leaves out the metadata around it.
package guard

//go:generate go run ./wasmbuild

import (
	"errors"
	"fmt"
)

// ErrUnsupported reports a file whose format Scrub does not handle.
var ErrUnsupported = errors.New("format not supported")

// ErrCorrupt reports a file whose structure is truncated or inconsistent.
var ErrCorrupt = errors.New("corrupt or truncated file")

// Report says what Scrub removed from a file.
type Report struct {
	// Format is "jpeg", "png" or "webp".
	Format string
	// Removed names what was removed, in plain words and each once, in the
	// order it was found: "GPS position", "camera make/model", "XMP"…
	Removed []string
	// Orientation is the Exif orientation (2 to 8) kept so that the photo
	// still displays the right way up, or 0 if none was kept.
	Orientation int
}

// What Scrub can report as removed.
const (
	RemovedGPS        = "GPS position"
	RemovedCamera     = "camera make/model"
	RemovedMakerNotes = "camera maker notes"
	RemovedSerial     = "device serial number or owner"
	RemovedDates      = "dates and times"
	RemovedSoftware   = "software"
	RemovedNames      = "names, descriptions and copyright"
	RemovedUniqueID   = "unique image ID"
	RemovedThumbnail  = "embedded thumbnail"
	RemovedExifOther  = "other Exif data"
	RemovedXMP        = "XMP"
	RemovedIPTC       = "IPTC"
	RemovedComments   = "comments"
	RemovedExtraImage = "extra images (MPF)"
	RemovedAppData    = "other application data"
	RemovedTrailing   = "data after the image"
)

// add records what was removed, once.
func (r *Report) add(what string) {
	for _, w := range r.Removed {
		if w == what {
			return
		}
	}
	r.Removed = append(r.Removed, what)
}

// Changed reports whether Scrub removed anything.
func (r Report) Changed() bool { return len(r.Removed) > 0 }

// Scrub returns a copy of data, a JPEG, PNG or WebP file, without location
// and device metadata: Exif (GPS position, camera, maker notes, dates,
// serial numbers, thumbnail), XMP, IPTC, comments, text chunks and anything
// after the end of the image. Colour profiles and everything that decoders
// need are kept byte for byte, so the decoded pixels are identical.
//
// The Exif orientation is kept in a minimal Exif block of its own in JPEG
// and PNG (a phone photo taken sideways would otherwise display rotated);
// it reveals nothing but how the phone was held.
//
// Scrub returns an error wrapping ErrUnsupported for other formats (HEIC
// among them), and ErrCorrupt when the file's structure is truncated or
// inconsistent. It never modifies data.
func Scrub(data []byte) (clean []byte, report Report, err error) {
	switch {
	case len(data) >= 3 && data[0] == 0xFF && data[1] == 0xD8 && data[2] == 0xFF:
		report.Format = "jpeg"
		clean, err = scrubJPEG(data, &report)
	case len(data) >= 8 && string(data[:8]) == pngSignature:
		report.Format = "png"
		clean, err = scrubPNG(data, &report)
	case len(data) >= 12 && string(data[:4]) == "RIFF" && string(data[8:12]) == "WEBP":
		report.Format = "webp"
		clean, err = scrubWebP(data, &report)
	case isHEIF(data):
		return nil, Report{}, fmt.Errorf("%w: HEIC and AVIF photos cannot be cleaned yet; export the photo as JPEG first (on an iPhone: Settings, Camera, Formats, Most Compatible)", ErrUnsupported)
	default:
		return nil, Report{}, fmt.Errorf("%w: only JPEG, PNG and WebP photos can be cleaned", ErrUnsupported)
	}
	if err != nil {
		return nil, Report{Format: report.Format}, err
	}
	return clean, report, nil
}

// isHEIF reports whether data starts like an ISO base media file (HEIC,
// HEIF, AVIF): a box of type ftyp.
func isHEIF(data []byte) bool {
	return len(data) >= 12 && string(data[4:8]) == "ftyp"
}

// corrupt returns an error wrapping ErrCorrupt for the given format.
func corrupt(format, msg string, args ...any) error {
	return fmt.Errorf("%s: %w: %s", format, ErrCorrupt, fmt.Sprintf(msg, args...))
}
