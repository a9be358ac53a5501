package pdq_test

import (
	"bufio"
	"image"
	_ "image/jpeg"
	_ "image/png"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/vigie-hotline/vigie/pdq"
)

// testdata is the shared folder of public PDQ test images (BSD-3, Meta) and
// the reference's outputs; see its README.md.
const testdata = "../../shared/testdata/pdq"

// refRow is one line of the expected/*.tsv files.
type refRow struct {
	File     string
	Hash     string
	Quality  int
	Dihedral [8]string
}

// readRefs joins expected/<name>.tsv with expected/<name>-dihedral.tsv.
func readRefs(t *testing.T, name string) []refRow {
	t.Helper()
	main := readTSV(t, filepath.Join(testdata, "expected", name+".tsv"))
	dih := readTSV(t, filepath.Join(testdata, "expected", name+"-dihedral.tsv"))
	byFile := map[string][]string{}
	for _, f := range dih {
		byFile[f[0]] = f
	}
	var rows []refRow
	for _, f := range main {
		q, err := strconv.Atoi(f[2])
		if err != nil {
			t.Fatalf("%s: quality %q: %v", f[0], f[2], err)
		}
		r := refRow{File: f[0], Hash: f[1], Quality: q}
		d, ok := byFile[f[0]]
		if !ok || len(d) < 10 {
			t.Fatalf("%s: no dihedral row", f[0])
		}
		copy(r.Dihedral[:], d[2:10])
		rows = append(rows, r)
	}
	if len(rows) == 0 {
		t.Fatalf("no rows in %s", name)
	}
	return rows
}

func readTSV(t *testing.T, path string) [][]string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out [][]string
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	for first := true; sc.Scan(); first = false {
		if first || sc.Text() == "" {
			continue
		}
		out = append(out, strings.Split(sc.Text(), "\t"))
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// decodeFile decodes a test image with the standard library, or reports
// false when the file was not copied into the shared folder.
func decodeFile(t *testing.T, file string) (image.Image, bool) {
	t.Helper()
	f, err := os.Open(filepath.Join(testdata, file))
	if os.IsNotExist(err) {
		return nil, false
	} else if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, _, err := image.Decode(f)
	if err != nil {
		t.Fatalf("decode %s: %v", file, err)
	}
	return img, true
}

// TestReferenceExact checks hash, quality and the 8 dihedral hashes bit for
// bit on every image whose pixels any decoder reproduces exactly: all PNGs
// (upstream and derived/).
func TestReferenceExact(t *testing.T) {
	var rows []refRow
	rows = append(rows, readRefs(t, "derived-reference")...)
	rows = append(rows, readRefs(t, "pdq-reference")...)
	n := 0
	for _, row := range rows {
		if !strings.HasSuffix(row.File, ".png") {
			continue
		}
		t.Run(row.File, func(t *testing.T) {
			img, ok := decodeFile(t, row.File)
			if !ok {
				t.Skip("not copied into the shared folder")
			}
			n++
			r := pdq.HashImage(img)
			if got, want := r.Hash.String(), row.Hash; got != want {
				t.Errorf("Hash=%s, want %s (distance %d)", got, want, distance(t, got, want))
			}
			if got, want := r.Quality, row.Quality; got != want {
				t.Errorf("Quality=%d, want %d", got, want)
			}
			for d, h := range r.Dihedral() {
				if got, want := h.String(), row.Dihedral[d]; got != want {
					t.Errorf("%s=%s, want %s", pdq.DihedralNames[d], got, want)
				}
			}
		})
	}
	if n < 20 {
		t.Errorf("only %d PNG vectors hashed; the shared test data is incomplete", n)
	}
}

// jpegTolerance is the largest distance accepted between the reference and
// this package fed by Go's image/jpeg, which upsamples chroma and converts
// YCbCr differently from the libjpeg-turbo behind ImageMagick. Upstream's own
// rule for another decoder is ≤ 10 bits at quality ≥ 80; the three worst
// cases measured here are 256×256 labelme JPEGs, two of quality 3 and 4.
const (
	jpegTolerance        = 10
	jpegLowQualTolerance = 24
)

// TestReferenceJPEG checks the JPEG vectors within jpegTolerance.
func TestReferenceJPEG(t *testing.T) {
	for _, row := range readRefs(t, "pdq-reference") {
		if !strings.HasSuffix(row.File, ".jpg") {
			continue
		}
		t.Run(row.File, func(t *testing.T) {
			img, ok := decodeFile(t, row.File)
			if !ok {
				t.Skip("not copied into the shared folder")
			}
			r := pdq.HashImage(img)
			tol := jpegTolerance
			if row.Quality < pdq.MinQuality {
				tol = jpegLowQualTolerance
			}
			d := distance(t, r.Hash.String(), row.Hash)
			t.Logf("distance %d, quality %d (reference %d)", d, r.Quality, row.Quality)
			if d > tol {
				t.Errorf("distance %d to the reference, want ≤ %d", d, tol)
			}
			if got, want := r.Quality, row.Quality; abs(got-want) > 5 {
				t.Errorf("Quality=%d, want %d±5", got, want)
			}
		})
	}
}

func distance(t *testing.T, a, b string) int {
	t.Helper()
	ha, err := pdq.ParseHash(a)
	if err != nil {
		t.Fatal(err)
	}
	hb, err := pdq.ParseHash(b)
	if err != nil {
		t.Fatal(err)
	}
	return pdq.Distance(ha, hb)
}

func abs(v int) int {
	if v < 0 {
		return -v
	}
	return v
}
