// Command wasmbuild builds the guardian's WebAssembly module (guard/wasm)
// into web/static/guardian/vigie.wasm, copies the Go runtime's loader
// wasm_exec.js next to it, and records the toolchain and the module's
// SHA-256 in vigie.wasm.sum. Run it with `go generate ./guard` after
// changing guard, fingerprint, media or pdq.
//
// The build is reproducible (-trimpath, no VCS stamp, no symbol table), so
// the committed module can be checked against its sources: guard's
// TestWASMArtifactFresh rebuilds it with the same toolchain and compares.
package main

import (
	"bytes"
	"crypto/sha256"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
)

func main() {
	out := flag.String("o", "", "output folder (default: web/static/guardian in the module)")
	flag.Parse()
	if err := run(*out); err != nil {
		fmt.Fprintln(os.Stderr, "wasmbuild:", err)
		os.Exit(1)
	}
}

func run(out string) error {
	root, err := goEnv("GOMOD")
	if err != nil {
		return err
	}
	root = filepath.Dir(root)
	if out == "" {
		out = filepath.Join(root, "web", "static", "guardian")
	}
	if err := os.MkdirAll(out, 0o755); err != nil {
		return err
	}
	wasm := filepath.Join(out, "vigie.wasm")
	if err := build(root, wasm); err != nil {
		return err
	}
	if err := copyLoader(out); err != nil {
		return err
	}
	return writeSum(wasm)
}

// build compiles guard/wasm for js/wasm with reproducible flags.
func build(root, wasm string) error {
	cmd := exec.Command("go", "build", "-trimpath", "-buildvcs=false", "-ldflags=-s -w", "-o", wasm, "./guard/wasm")
	cmd.Dir = root
	cmd.Env = append(os.Environ(), "GOOS=js", "GOARCH=wasm", "GOWASM=", "CGO_ENABLED=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("go build: %v\n%s", err, out)
	}
	return nil
}

// copyLoader copies wasm_exec.js from the toolchain: since Go 1.24 it is
// in $GOROOT/lib/wasm, before in $GOROOT/misc/wasm.
func copyLoader(out string) error {
	goroot, err := goEnv("GOROOT")
	if err != nil {
		return err
	}
	var js []byte
	for _, dir := range []string{"lib/wasm", "misc/wasm"} {
		if js, err = os.ReadFile(filepath.Join(goroot, dir, "wasm_exec.js")); err == nil {
			break
		}
	}
	if err != nil {
		return fmt.Errorf("wasm_exec.js not found in %s: %w", goroot, err)
	}
	return os.WriteFile(filepath.Join(out, "wasm_exec.js"), js, 0o644)
}

// writeSum records the toolchain and the module's SHA-256.
func writeSum(wasm string) error {
	b, err := os.ReadFile(wasm)
	if err != nil {
		return err
	}
	v, err := goEnv("GOVERSION")
	if err != nil {
		return err
	}
	sum := fmt.Sprintf("%s js/wasm %x %d\n", v, sha256.Sum256(b), len(b))
	return os.WriteFile(wasm+".sum", []byte(sum), 0o644)
}

// goEnv returns one variable of `go env`.
func goEnv(name string) (string, error) {
	out, err := exec.Command("go", "env", name).Output()
	if err != nil {
		return "", fmt.Errorf("go env %s: %w", name, err)
	}
	v := string(bytes.TrimSpace(out))
	if v == "" || v == os.DevNull {
		return "", fmt.Errorf("go env %s is empty: run wasmbuild inside the module", name)
	}
	return v, nil
}
