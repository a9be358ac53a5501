package fingerprint_test

import (
	"bytes"
	"context"
	"crypto/md5"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"image"
	"image/jpeg"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/vigie-hotline/vigie/fingerprint"
	"github.com/vigie-hotline/vigie/media"
	"github.com/vigie-hotline/vigie/pdq"
	"github.com/vigie-hotline/vigie/pdq/pdqtest"
)

func writeJPEG(t testing.TB, dir string, seed uint64, w, h, q int) (string, []byte) {
	t.Helper()
	var b bytes.Buffer
	if err := jpeg.Encode(&b, pdqtest.Photo(seed, w, h), &jpeg.Options{Quality: q}); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, fmt.Sprintf("photo-%d-%dx%d.jpg", seed, w, h))
	if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return path, b.Bytes()
}

func TestHashFile(t *testing.T) {
	path, data := writeJPEG(t, t.TempDir(), 1, 300, 200, 85)
	r, err := fingerprint.HashFile(context.Background(), path, fingerprint.Options{})
	if err != nil {
		t.Fatal(err)
	}
	m, s1, s256 := md5.Sum(data), sha1.Sum(data), sha256.Sum256(data)
	for _, tt := range []struct{ name, got, want string }{
		{"MD5", r.MD5, hex.EncodeToString(m[:])},
		{"SHA1", r.SHA1, hex.EncodeToString(s1[:])},
		{"SHA256", r.SHA256, hex.EncodeToString(s256[:])},
		{"Format", string(r.Format), "jpeg"},
		{"Size", fmt.Sprint(r.Width, r.Height), "300 200"},
	} {
		if tt.got != tt.want {
			t.Errorf("%s=%s, want %s", tt.name, tt.got, tt.want)
		}
	}
	if r.Dihedral[pdq.Original] != r.PDQ {
		t.Errorf("Dihedral[Original]=%s, want PDQ %s", r.Dihedral[pdq.Original], r.PDQ)
	}
	if r.Quality < pdq.MinQuality {
		t.Errorf("Quality=%d, want ≥ %d", r.Quality, pdq.MinQuality)
	}
}

// TestReferenceFile checks the whole chain on a shared test image whose
// pixels decode exactly (a PNG), in both modes.
func TestReferenceFile(t *testing.T) {
	const want = "e4cc89d91c623842f8d1f1d9a398e78c9f199a3bf87925f2b7e11e0bf061b064" // pdq-reference.tsv
	for _, exact := range []bool{false, true} {
		r, err := fingerprint.HashFile(context.Background(), "../../shared/testdata/pdq/misc-images/c.png", fingerprint.Options{Exact: exact})
		if err != nil {
			t.Fatal(err)
		}
		if got := r.PDQ.String(); got != want {
			t.Errorf("exact=%v: PDQ=%s, want %s", exact, got, want)
		}
	}
}

func TestNotAnImage(t *testing.T) {
	data := []byte("just text\n")
	r, err := (&fingerprint.Hasher{}).Reader(context.Background(), bytes.NewReader(data))
	if !errors.Is(err, media.UnknownFormat) {
		t.Fatalf("err=%v, want UnknownFormat", err)
	}
	sum := sha256.Sum256(data)
	if got, want := r.SHA256, hex.EncodeToString(sum[:]); got != want {
		t.Fatalf("SHA256=%s, want %s even when decoding fails", got, want)
	}
}

func TestTooLarge(t *testing.T) {
	path, data := writeJPEG(t, t.TempDir(), 1, 64, 64, 85)
	opts := fingerprint.Options{Limits: media.Limits{MaxBytes: int64(len(data) - 1)}}
	_, err := fingerprint.HashFile(context.Background(), path, opts)
	if !errors.Is(err, media.TooLarge) {
		t.Fatalf("HashFile err=%v, want TooLarge", err)
	}
	h := fingerprint.Hasher{Options: opts}
	if _, err := h.Reader(context.Background(), strings.NewReader(string(data))); !errors.Is(err, media.TooLarge) {
		t.Fatalf("Reader err=%v, want TooLarge", err)
	}
}

// FastTolerance is the documented largest distance between the fast JPEG
// path (reduced-scale luminance) and the exact path (full-resolution RGB,
// as the reference decodes) on photo-like JPEGs of PDQ quality ≥ 50.
const FastTolerance = 10

// TestFastAgreesWithExact covers every DCT scale the fast path picks.
func TestFastAgreesWithExact(t *testing.T) {
	sizes := []image.Point{{640, 480}, {1280, 1100}, {2200, 2100}}
	if !testing.Short() {
		sizes = append(sizes, image.Point{4200, 4100})
	}
	dir := t.TempDir()
	for i, sz := range sizes {
		path, _ := writeJPEG(t, dir, uint64(20+i), sz.X, sz.Y, 85)
		t.Run(fmt.Sprintf("%dx%d", sz.X, sz.Y), func(t *testing.T) {
			exact, err := fingerprint.HashFile(context.Background(), path, fingerprint.Options{Exact: true})
			if err != nil {
				t.Fatal(err)
			}
			fast, err := fingerprint.HashFile(context.Background(), path, fingerprint.Options{})
			if err != nil {
				t.Fatal(err)
			}
			d := pdq.Distance(exact.PDQ, fast.PDQ)
			t.Logf("%s at 1/%d: distance %d to exact (quality %d/%d)", fast.Decoder, fast.Scale, d, fast.Quality, exact.Quality)
			if d > FastTolerance {
				t.Errorf("distance %d between fast and exact, want ≤ %d", d, FastTolerance)
			}
		})
	}
}
