package vigie

import (
	"context"
	"io"
)

// MinPDQQuality is the PDQ quality under which a hash is not trusted: the
// image is too plain (a flat colour, a tiny icon) to be recognised.
const MinPDQQuality = 50

// Fingerprints are everything Vigie keeps to recognise one file.
type Fingerprints struct {
	MD5, SHA1, SHA256 string // of the bytes, lower-case hex
	// PDQ is empty when the bytes are not a decodable image.
	PDQ     string
	Quality int
	// Dihedral holds the PDQ hashes of the image's 8 rotations and mirrors,
	// in the reference's order (original first).
	Dihedral      [8]string
	Width, Height int
	Format        string
}

// Signals returns the fingerprints as lookups: the file hashes, and the PDQ
// hash when it is trusted — with its rotations and mirrors if dihedral.
func (f *Fingerprints) Signals(dihedral bool) []Signal {
	out := []Signal{{SignalMD5, f.MD5}, {SignalSHA1, f.SHA1}, {SignalSHA256, f.SHA256}}
	if f.PDQ == "" || f.Quality < MinPDQQuality {
		return out
	}
	out = append(out, Signal{SignalPDQ, f.PDQ})
	if dihedral {
		for _, h := range f.Dihedral[1:] {
			if h != "" && h != f.PDQ {
				out = append(out, Signal{SignalPDQ, h})
			}
		}
	}
	return out
}

// Fingerprinter computes the fingerprints of a file's bytes, within the
// configured limits of size, pixels and time. A file that is not an image
// still gets its file hashes, with an error that says why it has no PDQ.
type Fingerprinter interface {
	Fingerprint(ctx context.Context, r io.Reader) (*Fingerprints, error)
}
