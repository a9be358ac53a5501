// Package fingerprint computes every fingerprint Vigie keeps for a file in
// one read of its bytes: MD5, SHA-1 and SHA-256 of the bytes, and the PDQ
// perceptual hash, quality and dihedral hashes of the decoded image.
//
// It joins two leaf packages, media (safe decoding) and pdq (hashing), and
// is what the command line, the fetcher's jobs and the API call.
package fingerprint

import (
	"bytes"
	"context"
	"crypto/md5"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"image"
	"io"
	"os"

	"github.com/vigie-hotline/vigie/media"
	"github.com/vigie-hotline/vigie/pdq"
)

// Options choose how files are decoded.
type Options struct {
	// Exact decodes at full resolution to RGB before hashing, as the
	// reference does, instead of the faster JPEG luminance path. Use it to
	// compare with hashes made by other PDQ implementations bit for bit.
	Exact bool
	// Limits bound each file; zero fields take media's defaults.
	Limits media.Limits
	// MinSide is the smallest side the fast JPEG path decodes to; zero
	// means media.DefaultMinSide.
	MinSide int
}

// Result holds the fingerprints of one file.
type Result struct {
	MD5, SHA1, SHA256 string // lower-case hex of the file's bytes

	PDQ      pdq.Hash
	Quality  int
	Dihedral [8]pdq.Hash // in the order of pdq.Original…pdq.FlipMinus1

	Format        media.Format
	Width, Height int    // of the stored image
	Decoder       string // media.Info.Decoder
	Scale         int    // media.Info.Scale
}

// Hasher fingerprints files and reuses its buffers between them. The zero
// value uses default Options. A Hasher must not be used by two goroutines at
// once; give each worker its own.
type Hasher struct {
	Options Options
	pdq     pdq.Hasher
}

// File fingerprints the file at path. If the bytes were read but the image
// could not be decoded, the Result still carries the MD5, SHA-1 and SHA-256,
// and the error is a *media.Error.
func (h *Hasher) File(ctx context.Context, path string) (Result, error) {
	f, err := os.Open(path)
	if err != nil {
		return Result{}, err
	}
	defer f.Close()
	size := int64(0)
	if st, err := f.Stat(); err == nil {
		if !st.Mode().IsRegular() {
			return Result{}, fmt.Errorf("%s is not a regular file", path)
		}
		size = st.Size()
	}
	return h.read(ctx, f, size)
}

// Reader fingerprints the bytes read from r until EOF.
func (h *Hasher) Reader(ctx context.Context, r io.Reader) (Result, error) {
	return h.read(ctx, r, 0)
}

// read reads r once, feeding the digests and a buffer together, then
// decodes and hashes the buffer. sizeHint, when known, refuses an
// oversized file before reading it and sizes the buffer.
func (h *Hasher) read(ctx context.Context, r io.Reader, sizeHint int64) (Result, error) {
	lim := h.limits()
	if sizeHint > lim.MaxBytes {
		return Result{}, &media.Error{Kind: media.TooLarge, Message: fmt.Sprintf("the file is %d bytes; the limit is %d", sizeHint, lim.MaxBytes)}
	}
	m5, s1, s256 := md5.New(), sha1.New(), sha256.New()
	var buf bytes.Buffer
	buf.Grow(int(sizeHint) + bytes.MinRead)
	w := io.MultiWriter(m5, s1, s256, &buf)
	n, err := io.Copy(w, io.LimitReader(r, lim.MaxBytes+1))
	if err != nil {
		return Result{}, err
	}
	if n > lim.MaxBytes {
		return Result{}, &media.Error{Kind: media.TooLarge, Message: fmt.Sprintf("the file is more than %d bytes", lim.MaxBytes)}
	}
	res := Result{
		MD5:    hex.EncodeToString(m5.Sum(nil)),
		SHA1:   hex.EncodeToString(s1.Sum(nil)),
		SHA256: hex.EncodeToString(s256.Sum(nil)),
	}
	return res, h.image(ctx, buf.Bytes(), &res)
}

// image decodes data and fills the perceptual fields of res.
func (h *Hasher) image(ctx context.Context, data []byte, res *Result) error {
	decode := func(ctx context.Context, b []byte, l media.Limits) (img image.Image, info media.Info, err error) {
		return media.DecodeFast(ctx, b, l, h.Options.MinSide)
	}
	if h.Options.Exact {
		decode = media.Decode
	}
	img, info, err := decode(ctx, data, h.limits())
	res.Format, res.Width, res.Height = info.Format, info.Width, info.Height
	if err != nil {
		return err
	}
	res.Decoder, res.Scale = info.Decoder, info.Scale
	p, err := h.pdq.Hash(pdq.FromImage(img))
	if err != nil {
		return err // FromImage always returns valid Pixels; kept for safety
	}
	res.PDQ, res.Quality, res.Dihedral = p.Hash, p.Quality, p.Dihedral()
	return nil
}

func (h *Hasher) limits() media.Limits {
	l, d := h.Options.Limits, media.DefaultLimits()
	if l.MaxBytes <= 0 {
		l.MaxBytes = d.MaxBytes
	}
	return l
}

// HashFile fingerprints one file with a new Hasher.
func HashFile(ctx context.Context, path string, opts Options) (Result, error) {
	h := Hasher{Options: opts}
	return h.File(ctx, path)
}
