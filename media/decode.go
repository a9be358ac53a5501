// Package media decodes untrusted image files safely: the format is sniffed
// from the bytes, size limits are checked from the header before any pixel
// buffer is allocated, decoding stops at a deadline, and every failure is a
// *Error with a Kind, never a panic.
//
// Decode returns full-resolution pixels. DecodeFast is for hashing: it
// decodes most JPEGs straight to a reduced luminance plane.
package media

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"image"
	"image/gif"
	"image/jpeg"
	"image/png"
	"io"
	"strings"
	"time"

	"golang.org/x/image/bmp"
	"golang.org/x/image/tiff"
	"golang.org/x/image/webp"
)

// Limits bound the resources one file may use. A zero field means the
// default from DefaultLimits.
type Limits struct {
	MaxBytes  int64         // size of the file
	MaxPixels int64         // width × height declared by the header
	Timeout   time.Duration // wall time for one decode
}

// Defaults for Limits.
const (
	DefaultMaxBytes  = 50 << 20
	DefaultMaxPixels = 100_000_000
	DefaultTimeout   = 30 * time.Second
)

// DefaultLimits returns 50 MiB, 100 megapixels and 30 seconds.
func DefaultLimits() Limits {
	return Limits{MaxBytes: DefaultMaxBytes, MaxPixels: DefaultMaxPixels, Timeout: DefaultTimeout}
}

// withDefaults fills zero fields.
func (l Limits) withDefaults() Limits {
	d := DefaultLimits()
	if l.MaxBytes <= 0 {
		l.MaxBytes = d.MaxBytes
	}
	if l.MaxPixels <= 0 {
		l.MaxPixels = d.MaxPixels
	}
	if l.Timeout <= 0 {
		l.Timeout = d.Timeout
	}
	return l
}

// Info describes a decoded file.
type Info struct {
	Format        Format
	Width, Height int // of the stored image, before any reduced-scale decode
	// Scale is the denominator of the DCT scale DecodeFast used: 1, 2, 4
	// or 8 (the image returned is about Width/Scale × Height/Scale).
	Scale int
	// Decoder names the code path: "go" (standard library or x/image),
	// "go-scaled" (this package's reduced JPEG decoder), "turbojpeg".
	Decoder string
}

// Header sniffs data and reads its header, checking the byte, zero-size and
// pixel limits without decoding any pixels.
func Header(data []byte, lim Limits) (Info, error) {
	lim = lim.withDefaults()
	if len(data) == 0 {
		return Info{}, errorf(ZeroSize, "", nil, "the file is empty")
	}
	if int64(len(data)) > lim.MaxBytes {
		return Info{}, errorf(TooLarge, "", nil, "the file is %d bytes; the limit is %d", len(data), lim.MaxBytes)
	}
	f := Sniff(data)
	if f == "" {
		return Info{}, errorf(UnknownFormat, "", nil, "not a JPEG, PNG, GIF, WebP, BMP or TIFF file")
	}
	if f == PNG && len(data) >= 24 && (binary.BigEndian.Uint32(data[16:]) == 0 || binary.BigEndian.Uint32(data[20:]) == 0) {
		// image/png calls a zero dimension malformed; say what it is.
		return Info{Format: f}, errorf(ZeroSize, f, nil, "the image is %d×%d pixels", binary.BigEndian.Uint32(data[16:]), binary.BigEndian.Uint32(data[20:]))
	}
	var cfg image.Config
	err := guard(f, func() (err error) {
		cfg, err = decodeConfig(f, bytes.NewReader(data))
		return err
	})
	if err != nil {
		return Info{Format: f}, err
	}
	info := Info{Format: f, Width: cfg.Width, Height: cfg.Height, Scale: 1, Decoder: "go"}
	return info, checkSize(info, lim)
}

// checkSize refuses empty and oversized images.
func checkSize(info Info, lim Limits) error {
	w, h := int64(info.Width), int64(info.Height)
	switch {
	case w <= 0 || h <= 0:
		return errorf(ZeroSize, info.Format, nil, "the image is %d×%d pixels", w, h)
	case w > lim.MaxPixels || h > lim.MaxPixels || w*h > lim.MaxPixels:
		return errorf(Bomb, info.Format, nil, "the header declares %d×%d pixels; the limit is %d", w, h, lim.MaxPixels)
	}
	return nil
}

func decodeConfig(f Format, r io.Reader) (image.Config, error) {
	switch f {
	case JPEG:
		return jpeg.DecodeConfig(r)
	case PNG:
		return png.DecodeConfig(r)
	case GIF:
		return gif.DecodeConfig(r)
	case WebP:
		return webp.DecodeConfig(r)
	case BMP:
		return bmp.DecodeConfig(r)
	case TIFF:
		return tiff.DecodeConfig(r)
	}
	return image.Config{}, errorf(UnknownFormat, f, nil, "no decoder")
}

func decodeImage(f Format, r io.Reader) (image.Image, error) {
	switch f {
	case JPEG:
		return jpeg.Decode(r)
	case PNG:
		return png.Decode(r)
	case GIF:
		return gif.Decode(r) // the first frame only
	case WebP:
		return webp.Decode(r)
	case BMP:
		return bmp.Decode(r)
	case TIFF:
		return tiff.Decode(r)
	}
	return nil, errorf(UnknownFormat, f, nil, "no decoder")
}

// Decode decodes the first image in data at full resolution. The pixels are
// as the format's decoder returns them (for example *image.YCbCr for JPEG,
// *image.NRGBA for PNG with alpha); EXIF orientation is not applied, as
// PDQ's reference ignores it too.
func Decode(ctx context.Context, data []byte, lim Limits) (image.Image, Info, error) {
	lim = lim.withDefaults()
	info, err := Header(data, lim)
	if err != nil {
		return nil, info, err
	}
	var img image.Image
	err = withDeadline(ctx, lim, info.Format, data, func(r *deadlineReader) (err error) {
		img, err = decodeImage(info.Format, r)
		return err
	})
	if err != nil {
		return nil, info, err
	}
	if b := img.Bounds(); b.Empty() {
		return nil, info, errorf(ZeroSize, info.Format, nil, "the first frame has no pixels")
	}
	return img, info, nil
}

// withDeadline runs decode on a reader over data that fails once the
// context is done or lim.Timeout has passed. Go's decoders cannot be
// interrupted, but they all read as they go, so a slow decode stops at its
// next read instead of running on in a leaked goroutine.
func withDeadline(ctx context.Context, lim Limits, f Format, data []byte, decode func(*deadlineReader) error) error {
	ctx, cancel := context.WithTimeout(ctx, lim.Timeout)
	defer cancel()
	r := &deadlineReader{ctx: ctx, data: data, maxPixels: lim.MaxPixels}
	return guard(f, func() error { return decode(r) })
}

// errDeadline is what deadlineReader returns once the context is done.
var errDeadline = errors.New("media: decode deadline exceeded")

// deadlineReader reads data in small chunks and checks the context before
// each one.
type deadlineReader struct {
	ctx       context.Context
	data      []byte
	off       int
	maxPixels int64 // for decoders that parse the header themselves
}

func (r *deadlineReader) Read(p []byte) (int, error) {
	if r.ctx.Err() != nil {
		return 0, errDeadline
	}
	if r.off >= len(r.data) {
		return 0, io.EOF
	}
	const chunk = 64 << 10
	if len(p) > chunk {
		p = p[:chunk]
	}
	n := copy(p, r.data[r.off:])
	r.off += n
	return n, nil
}

// guard runs fn, turns a panic in a decoder into a Corrupt error, and
// classifies any other error.
func guard(f Format, fn func() error) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = errorf(Corrupt, f, fmt.Errorf("panic: %v", p), "the decoder failed on malformed data")
		}
	}()
	return classify(f, fn())
}

// truncationMessage reports whether err is how one of the standard decoders
// says that its data ran out; they do not all wrap io.ErrUnexpectedEOF.
func truncationMessage(err error) bool {
	msg := err.Error()
	for _, s := range [...]string{
		"short Huffman data",    // image/jpeg
		"not enough pixel data", // image/png
		"not enough image data", // image/gif
		"missing SOS marker",    // image/jpeg, file cut in the header
	} {
		if strings.Contains(msg, s) {
			return true
		}
	}
	return false
}

// classify turns a decoder's error into an *Error.
func classify(f Format, err error) error {
	var e *Error
	switch {
	case err == nil:
		return nil
	case errors.As(err, &e), errors.Is(err, errNoFastPath):
		return err
	case errors.Is(err, errDeadline):
		return errorf(Timeout, f, err, "decoding took too long")
	case errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) || truncationMessage(err):
		return errorf(Truncated, f, err, "the file ends before the image does")
	}
	switch err.(type) {
	case jpeg.UnsupportedError, png.UnsupportedError, tiff.UnsupportedError:
		return errorf(Unsupported, f, err, "%v", err)
	}
	return errorf(Corrupt, f, err, "%v", err)
}
