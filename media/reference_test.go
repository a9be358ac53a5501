package media_test

import (
	"bufio"
	"context"
	"image"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/vigie-hotline/vigie/media"
	"github.com/vigie-hotline/vigie/pdq"
)

type refRow struct {
	file    string
	hash    pdq.Hash
	quality int
}

func readRefs(t *testing.T) []refRow {
	t.Helper()
	var rows []refRow
	for _, name := range []string{"pdq-reference.tsv", "derived-reference.tsv"} {
		f, err := os.Open(filepath.Join(testdata, "expected", name))
		if err != nil {
			t.Fatal(err)
		}
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			c := strings.Split(sc.Text(), "\t")
			h, err := pdq.ParseHash(c[1])
			if err != nil {
				continue // the header line
			}
			q, _ := strconv.Atoi(c[2])
			rows = append(rows, refRow{c[0], h, q})
		}
		f.Close()
	}
	return rows
}

// Tolerances against the reference (ImageMagick with libjpeg-turbo, fancy
// chroma upsampling) when the decoder differs. PNG pixels are identical,
// so PNGs must match exactly; upstream's rule for other decoders is ≤ 10
// bits at quality ≥ 80. Quality < 50 hashes are untrusted by definition and
// get a loose bound.
const (
	lossyTolerance   = 10
	lowQualTolerance = 24
	// The fast path hashes the JPEG's own Y plane rather than luma
	// recomputed from RGB; on the two labelme JPEGs of quality 3 and 4,
	// whose hashes are mostly rounding noise, that moves up to 36 bits.
	lowQualFastTolerance = 48
)

// TestReference hashes every shared test image through Decode (exact) and
// DecodeFast and compares with the reference.
func TestReference(t *testing.T) {
	for _, row := range readRefs(t) {
		data, err := os.ReadFile(filepath.Join(testdata, row.file))
		if os.IsNotExist(err) {
			continue // listed upstream but not copied
		} else if err != nil {
			t.Fatal(err)
		}
		for _, mode := range []string{"exact", "fast"} {
			t.Run(row.file+"/"+mode, func(t *testing.T) {
				decode := media.Decode
				if mode == "fast" {
					decode = func(ctx context.Context, b []byte, l media.Limits) (img image.Image, info media.Info, err error) {
						return media.DecodeFast(ctx, b, l, 0)
					}
				}
				img, info, err := decode(context.Background(), data, media.Limits{})
				if err != nil {
					t.Fatal(err)
				}
				r := pdq.HashImage(img)
				d := pdq.Distance(r.Hash, row.hash)
				t.Logf("%s via %s at 1/%d: distance %d, quality %d (reference %d)", info.Format, info.Decoder, info.Scale, d, r.Quality, row.quality)
				tol := lossyTolerance
				switch {
				case info.Format == media.PNG:
					tol = 0
				case row.quality < pdq.MinQuality && mode == "fast":
					tol = lowQualFastTolerance
				case row.quality < pdq.MinQuality:
					tol = lowQualTolerance
				}
				if d > tol {
					t.Errorf("distance %d to the reference, want ≤ %d", d, tol)
				}
			})
		}
	}
}
