//go:build turbojpeg

package media_test

import (
	"context"
	"testing"

	"github.com/vigie-hotline/vigie/media"
)

// TestTurboCompiledIn fails if the turbojpeg tag is set but the cgo fast
// path is not the one that runs.
func TestTurboCompiledIn(t *testing.T) {
	if got, want := media.JPEGDecoder, "turbojpeg"; got != want {
		t.Fatalf("JPEGDecoder=%q, want %q", got, want)
	}
	_, info, err := media.DecodeFast(context.Background(), seedCorpus(t)["jpeg"], media.Limits{}, 0)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := info.Decoder, "turbojpeg"; got != want {
		t.Fatalf("Decoder=%q, want %q", got, want)
	}
}
