//go:build !js

// Service is left out of the WebAssembly build for the browser
// (guard/wasm), so that the module does not depend on the domain package.

package fingerprint

import (
	"context"
	"io"
	"sync"

	vigie "github.com/vigie-hotline/vigie"
)

var _ vigie.Fingerprinter = (*Service)(nil)

// Service is a vigie.Fingerprinter safe for concurrent use: it keeps a pool
// of Hashers, whose buffers are reused between requests.
type Service struct {
	Options Options
	pool    sync.Pool
}

// NewService returns a Service that hashes with opts.
func NewService(opts Options) *Service { return &Service{Options: opts} }

// Fingerprint reads r to its end and returns its fingerprints. When the
// bytes are read but are not a decodable image, the file hashes are
// returned together with the error.
func (s *Service) Fingerprint(ctx context.Context, r io.Reader) (*vigie.Fingerprints, error) {
	h, _ := s.pool.Get().(*Hasher)
	if h == nil {
		h = &Hasher{Options: s.Options}
	}
	defer s.pool.Put(h)
	res, err := h.Reader(ctx, r)
	if res.SHA256 == "" {
		return nil, err
	}
	fp := &vigie.Fingerprints{MD5: res.MD5, SHA1: res.SHA1, SHA256: res.SHA256,
		Width: res.Width, Height: res.Height, Format: string(res.Format)}
	if err == nil {
		fp.PDQ, fp.Quality = res.PDQ.String(), res.Quality
		for i, d := range res.Dihedral {
			fp.Dihedral[i] = d.String()
		}
	}
	return fp, err
}
