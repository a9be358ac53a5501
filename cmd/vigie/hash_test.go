package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"image/jpeg"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/vigie-hotline/vigie/pdq"
	"github.com/vigie-hotline/vigie/pdq/pdqtest"
)

// hashFixture writes two generated JPEGs (one in a subfolder), a copy of a
// shared reference PNG and a text file, and returns the folder.
func hashFixture(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	if err := os.Mkdir(filepath.Join(dir, "sub"), 0o755); err != nil {
		t.Fatal(err)
	}
	for i, name := range []string{"a.jpg", "sub/b.jpg"} {
		var b bytes.Buffer
		if err := jpeg.Encode(&b, pdqtest.Photo(uint64(i+1), 320, 240), &jpeg.Options{Quality: 85}); err != nil {
			t.Fatal(err)
		}
		writeFile(t, filepath.Join(dir, name), b.Bytes())
	}
	png, err := os.ReadFile("../../../shared/testdata/pdq/misc-images/c.png")
	if err != nil {
		t.Fatal(err)
	}
	writeFile(t, filepath.Join(dir, "c.png"), png)
	writeFile(t, filepath.Join(dir, "notes.txt"), []byte("not an image\n"))
	return dir
}

func writeFile(t *testing.T, path string, b []byte) {
	t.Helper()
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

// cPNG is the reference hash of misc-images/c.png (pdq-reference.tsv).
const cPNG = "e4cc89d91c623842f8d1f1d9a398e78c9f199a3bf87925f2b7e11e0bf061b064"

// runHash runs the real program with `hash` and args, as main does.
func runHash(t *testing.T, args ...string) (stdout, stderr string, err error) {
	t.Helper()
	var out, errb bytes.Buffer
	m := &Main{Stdout: &out, Stderr: &errb}
	code := m.Main(context.Background(), append([]string{"hash"}, args...))
	switch code {
	case 0:
	case 1:
		err = fmt.Errorf("exit status 1")
	default:
		t.Fatalf("exit status %d, stderr %q", code, errb.String())
	}
	return out.String(), errb.String(), err
}

func TestHashTSV(t *testing.T) {
	dir := hashFixture(t)
	out, errOut, err := runHash(t, "-j", "2", dir)
	if err == nil {
		t.Fatal("no error although notes.txt is not an image")
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if got, want := len(lines), 3; got != want {
		t.Fatalf("%d lines, want %d:\n%s", got, want, out)
	}
	wantPaths := []string{"a.jpg", "c.png", "sub/b.jpg"} // walk order
	for i, line := range lines {
		cols := strings.Split(line, "\t")
		if got, want := len(cols), 6; got != want {
			t.Fatalf("line %q has %d columns, want %d", line, got, want)
		}
		if got, want := cols[5], filepath.Join(dir, wantPaths[i]); got != want {
			t.Errorf("line %d path %s, want %s", i, got, want)
		}
		if _, err := pdq.ParseHash(cols[0]); err != nil {
			t.Errorf("line %d: %v", i, err)
		}
		for k, n := range []int{32, 40, 64} {
			if len(cols[2+k]) != n {
				t.Errorf("line %d column %d is %q, want %d hex digits", i, 3+k, cols[2+k], n)
			}
		}
	}
	if got := strings.Split(lines[1], "\t")[0]; got != cPNG {
		t.Errorf("c.png PDQ %s, want the reference's %s", got, cPNG)
	}
	if !strings.Contains(errOut, "notes.txt") || !strings.Contains(errOut, "unknown format") {
		t.Errorf("stderr %q, want a line about notes.txt", errOut)
	}
}

func TestHashJSON(t *testing.T) {
	dir := hashFixture(t)
	out, _, err := runHash(t, "--json", "--dihedral", "--exact", filepath.Join(dir, "c.png"), filepath.Join(dir, "notes.txt"))
	if err == nil {
		t.Fatal("no error although notes.txt is not an image")
	}
	var lines []map[string]any
	dec := json.NewDecoder(strings.NewReader(out))
	for dec.More() {
		var m map[string]any
		if err := dec.Decode(&m); err != nil {
			t.Fatal(err)
		}
		lines = append(lines, m)
	}
	if got, want := len(lines), 2; got != want {
		t.Fatalf("%d objects, want %d", got, want)
	}
	ok := lines[0]
	for _, k := range []string{"path", "pdq", "quality", "md5", "sha1", "sha256", "width", "height", "format", "pdq_dihedral"} {
		if _, found := ok[k]; !found {
			t.Errorf("key %q missing from %v", k, ok)
		}
	}
	if got, want := ok["pdq"], cPNG; got != want {
		t.Errorf("pdq=%v, want %s", got, want)
	}
	if got, want := ok["width"], 1432.0; got != want {
		t.Errorf("width=%v, want %v", got, want)
	}
	if d, _ := ok["pdq_dihedral"].([]any); len(d) != 8 || d[0] != cPNG {
		t.Errorf("pdq_dihedral=%v, want 8 hashes starting with the original", ok["pdq_dihedral"])
	}
	if _, found := lines[1]["error"]; !found {
		t.Errorf("no error key in %v", lines[1])
	}
}

func TestHashOK(t *testing.T) {
	dir := hashFixture(t)
	out, errOut, err := runHash(t, "--dihedral", filepath.Join(dir, "a.jpg"))
	if err != nil {
		t.Fatalf("err=%v, stderr %q", err, errOut)
	}
	if got, want := len(strings.Split(strings.TrimSpace(out), "\t")), 14; got != want {
		t.Fatalf("%d columns with --dihedral, want %d", got, want)
	}
}

func TestHashMissing(t *testing.T) {
	_, errOut, err := runHash(t, filepath.Join(t.TempDir(), "nope.jpg"))
	if err == nil || !strings.Contains(errOut, "nope.jpg") {
		t.Fatalf("err=%v stderr=%q, want a failure naming the file", err, errOut)
	}
}
