package guard_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/vigie-hotline/vigie/fingerprint"
	"github.com/vigie-hotline/vigie/guard"
)

// artifact is the committed WebAssembly module and its loader.
const artifact = "../web/static/guardian"

// sharedImages are the public PDQ test images in ../shared/testdata/pdq.
func sharedImages(t *testing.T) []string {
	t.Helper()
	var files []string
	for _, glob := range []string{"misc-images/*.*", "misc-images/modes/*", "reg-test-input/exif-rotn/*", "bridge-mods/*.jpg"} {
		m, err := filepath.Glob(filepath.Join("../../shared/testdata/pdq", glob))
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, m...)
	}
	if len(files) < 10 {
		t.Skipf("the shared PDQ test images are not in ../../shared/testdata/pdq (found %d)", len(files))
	}
	return files
}

// TestWASMArtifactFresh rebuilds the WebAssembly module from its sources
// and fails if the committed one differs: run `go generate ./guard`.
func TestWASMArtifactFresh(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the WebAssembly module")
	}
	sum, err := os.ReadFile(filepath.Join(artifact, "vigie.wasm.sum"))
	if err != nil {
		t.Fatal(err)
	}
	if v := strings.Fields(string(sum))[0]; v != runtime.Version() {
		t.Skipf("the committed module was built with %s and this is %s; builds are only comparable with the same toolchain", v, runtime.Version())
	}
	dir := t.TempDir()
	if out, err := exec.Command("go", "run", "./wasmbuild", "-o", dir).CombinedOutput(); err != nil {
		t.Fatalf("go run ./wasmbuild: %v\n%s", err, out)
	}
	for _, name := range []string{"vigie.wasm", "wasm_exec.js", "vigie.wasm.sum"} {
		got, err := os.ReadFile(filepath.Join(artifact, name))
		if err != nil {
			t.Fatal(err)
		}
		want, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("web/static/guardian/%s is stale: run go generate ./guard and commit it", name)
		}
	}
}

// wasmResult is one file's line in run_wasm.js's output.
type wasmResult struct {
	File string
	MS   float64
	Hash struct {
		PDQ, MD5, SHA256, Format, Refused, Error string
		Quality, Width, Height                   int
	}
	Scrub struct {
		Removed     []string
		Orientation int
		Error       string
		SHA256      string
	}
}

// runWASM runs the committed module under Node on files.
func runWASM(t *testing.T, files []string) []wasmResult {
	t.Helper()
	node, err := exec.LookPath("node")
	if err != nil {
		t.Fatal("node is not installed: install Debian's nodejs (the test command does)")
	}
	out := filepath.Join(t.TempDir(), "out.json")
	loader, _ := filepath.Abs(filepath.Join(artifact, "wasm_exec.js"))
	args := append([]string{"testdata/run_wasm.js", loader, filepath.Join(artifact, "vigie.wasm"), out}, files...)
	if b, err := exec.Command(node, args...).CombinedOutput(); err != nil {
		t.Fatalf("node: %v\n%s", err, b)
	}
	var res struct {
		MinQuality int
		Results    []wasmResult
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &res); err != nil {
		t.Fatal(err)
	}
	if got, want := res.MinQuality, guard.MinQuality; got != want {
		t.Errorf("vigieMinQuality=%d, want %d", got, want)
	}
	return res.Results
}

// generatedImages writes synthetic photos (one with camera metadata, one
// too plain to register) and a text file into a temporary folder.
func generatedImages(t *testing.T) []string {
	t.Helper()
	dir := t.TempDir()
	files := map[string][]byte{
		"photo.jpg":  plainJPEG(t, 11),
		"camera.jpg": cameraJPEG(plainJPEG(t, 12)),
		"camera.png": cameraPNG(plainPNG(t, 13)),
		"plain.png":  plainGreyPNG(t),
		"notes.txt":  []byte("not an image"),
	}
	var paths []string
	for name, b := range files {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
		paths = append(paths, p)
	}
	slices.Sort(paths)
	return paths
}

// TestWASMMatchesNative runs the committed module under Node and checks
// that it fingerprints and cleans each file exactly as the native code.
func TestWASMMatchesNative(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the WebAssembly module under Node")
	}
	files := append(generatedImages(t), sharedImages(t)...)
	results := runWASM(t, files)
	if got, want := len(results), len(files); got != want {
		t.Fatalf("%d results, want %d", got, want)
	}
	var total time.Duration
	for _, r := range results {
		total += time.Duration(r.MS * float64(time.Millisecond))
		t.Run(filepath.Base(r.File), func(t *testing.T) { sameAsNative(t, r) })
	}
	t.Logf("WebAssembly under Node: %d files hashed in %v (%v per file)", len(results), total, total/time.Duration(len(results)))
}

// sameAsNative compares one WebAssembly result with the native code's.
func sameAsNative(t *testing.T, r wasmResult) {
	t.Helper()
	native, err := fingerprint.HashFile(context.Background(), r.File, fingerprint.Options{})
	if got, want := r.Hash.Error != "", err != nil; got != want {
		t.Fatalf("wasm error %q, native error %v", r.Hash.Error, err)
	}
	if got, want := r.Hash.MD5, native.MD5; got != want {
		t.Errorf("MD5=%s, want %s", got, want)
	}
	if got, want := r.Hash.SHA256, native.SHA256; got != want {
		t.Errorf("SHA256=%s, want %s", got, want)
	}
	if err == nil {
		if got, want := r.Hash.PDQ, native.PDQ.String(); got != want {
			t.Errorf("PDQ=%s, want %s", got, want)
		}
		if got, want := r.Hash.Quality, native.Quality; got != want {
			t.Errorf("Quality=%d, want %d", got, want)
		}
		if got, want := [2]int{r.Hash.Width, r.Hash.Height}, [2]int{native.Width, native.Height}; got != want {
			t.Errorf("size=%v, want %v", got, want)
		}
		if got, want := r.Hash.Refused != "", native.Quality < guard.MinQuality; got != want {
			t.Errorf("refused=%q with quality %d", r.Hash.Refused, native.Quality)
		}
	}
	data, err := os.ReadFile(r.File)
	if err != nil {
		t.Fatal(err)
	}
	clean, rep, err := guard.Scrub(data)
	if got, want := r.Scrub.Error != "", err != nil; got != want {
		t.Fatalf("wasm scrub error %q, native error %v", r.Scrub.Error, err)
	}
	sum := sha256.Sum256(clean)
	if err == nil && r.Scrub.SHA256 != hex.EncodeToString(sum[:]) {
		t.Errorf("cleaned file differs from the native one")
	}
	if !slices.Equal(r.Scrub.Removed, rep.Removed) && len(rep.Removed)+len(r.Scrub.Removed) > 0 {
		t.Errorf("removed=%q, want %q", r.Scrub.Removed, rep.Removed)
	}
}
