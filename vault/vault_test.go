package vault_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/vigie-hotline/vigie"
	"github.com/vigie-hotline/vigie/vault"
)

// marker is plaintext that must never appear on disk.
const marker = "SYNTHETIC-TEST-MARKER-0123456789"

// mustOpen returns a vault in a temporary folder with a random key.
func mustOpen(tb testing.TB) (*vault.Vault, []byte) {
	tb.Helper()
	key := randomKey(tb)
	v, err := vault.Open(filepath.Join(tb.TempDir(), "quarantine"), key)
	if err != nil {
		tb.Fatal(err)
	}
	return v, key
}

func randomKey(tb testing.TB) []byte {
	tb.Helper()
	key := make([]byte, vault.KeySize)
	if _, err := rand.Read(key); err != nil {
		tb.Fatal(err)
	}
	return key
}

// files returns the vault files under dir, by name.
func files(tb testing.TB, dir string) map[string]string {
	tb.Helper()
	out := map[string]string{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			out[filepath.Base(p)] = p
		}
		return err
	})
	if err != nil {
		tb.Fatal(err)
	}
	return out
}

// var _ checks at compile time that *Vault is a vigie.Quarantine.
var _ vigie.Quarantine = (*vault.Vault)(nil)

func TestVault_Put(t *testing.T) {
	ctx := context.Background()
	t.Run("OK", func(t *testing.T) {
		v, _ := mustOpen(t)
		want := []byte("some content " + marker)
		if err := v.Put(ctx, "item-1", want); err != nil {
			t.Fatal(err)
		}
		got, err := v.Get(ctx, "item-1")
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Fatalf("Get=%q, want %q", got, want)
		}
	})
	t.Run("OKEmpty", func(t *testing.T) {
		v, _ := mustOpen(t)
		if err := v.Put(ctx, "empty", nil); err != nil {
			t.Fatal(err)
		}
		if got, err := v.Get(ctx, "empty"); err != nil || len(got) != 0 {
			t.Fatalf("Get=%q, %v; want empty", got, err)
		}
	})
	t.Run("OKReplace", func(t *testing.T) {
		v, _ := mustOpen(t)
		for _, s := range []string{"first", "second"} {
			if err := v.Put(ctx, "x", []byte(s)); err != nil {
				t.Fatal(err)
			}
		}
		if got, err := v.Get(ctx, "x"); err != nil || string(got) != "second" {
			t.Fatalf("Get=%q, %v; want second", got, err)
		}
		if got, want := len(files(t, v.Dir())), 1; got != want {
			t.Fatalf("%d files, want %d (no temporary file left)", got, want)
		}
	})
	t.Run("OKEncryptedOnDisk", func(t *testing.T) {
		v, _ := mustOpen(t)
		data := []byte(strings.Repeat(marker, 100))
		if err := v.Put(ctx, "item", data); err != nil {
			t.Fatal(err)
		}
		fs := files(t, v.Dir())
		if got, want := len(fs), 1; got != want {
			t.Fatalf("%d files, want %d", got, want)
		}
		raw, err := os.ReadFile(fs["item.bin"])
		if err != nil {
			t.Fatal(err)
		}
		if bytes.Contains(raw, []byte(marker)) || bytes.Contains(raw, []byte("MARKER")) {
			t.Fatal("the file on disk contains the plaintext")
		}
	})
	t.Run("OKModes", func(t *testing.T) {
		v, _ := mustOpen(t)
		if err := v.Put(ctx, "item", []byte(marker)); err != nil {
			t.Fatal(err)
		}
		p := files(t, v.Dir())["item.bin"]
		for path, want := range map[string]os.FileMode{p: 0o600, filepath.Dir(p): 0o700, v.Dir(): 0o700} {
			st, err := os.Stat(path)
			if err != nil {
				t.Fatal(err)
			}
			if got := st.Mode().Perm(); got != want {
				t.Errorf("%s mode=%04o, want %04o", path, got, want)
			}
		}
	})
	t.Run("ErrTooLarge", func(t *testing.T) {
		v, _ := mustOpen(t)
		v.MaxBytes = 10
		err := v.Put(ctx, "big", make([]byte, 11))
		if got, want := vigie.ErrorCode(err), vigie.ETOOLARGE; got != want {
			t.Fatalf("code=%q (%v), want %q", got, err, want)
		}
	})
}

func TestVault_Get(t *testing.T) {
	ctx := context.Background()
	t.Run("ErrNotFound", func(t *testing.T) {
		v, _ := mustOpen(t)
		_, err := v.Get(ctx, "missing")
		if got, want := vigie.ErrorCode(err), vigie.ENOTFOUND; got != want {
			t.Fatalf("code=%q (%v), want %q", got, err, want)
		}
	})
	t.Run("ErrOtherKey", func(t *testing.T) {
		v, _ := mustOpen(t)
		if err := v.Put(ctx, "item", []byte(marker)); err != nil {
			t.Fatal(err)
		}
		other, err := vault.Open(v.Dir(), randomKey(t))
		if err != nil {
			t.Fatal(err)
		}
		got, err := other.Get(ctx, "item")
		checkAuthError(t, got, err)
	})
	t.Run("ErrTampered", func(t *testing.T) {
		v, _ := mustOpen(t)
		if err := v.Put(ctx, "item", []byte(marker)); err != nil {
			t.Fatal(err)
		}
		p := files(t, v.Dir())["item.bin"]
		raw, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		for _, i := range []int{0, 5, 20, len(raw) - 1} { // magic, nonce, ciphertext, tag
			bad := bytes.Clone(raw)
			bad[i] ^= 0x01
			if err := os.WriteFile(p, bad, 0o600); err != nil {
				t.Fatal(err)
			}
			got, err := v.Get(ctx, "item")
			checkAuthError(t, got, err)
		}
		if err := os.WriteFile(p, raw[:10], 0o600); err != nil {
			t.Fatal(err)
		}
		got, err := v.Get(ctx, "item")
		checkAuthError(t, got, err)
	})
	t.Run("ErrSwapped", func(t *testing.T) {
		v, _ := mustOpen(t)
		if err := v.Put(ctx, "a", []byte(marker+"A")); err != nil {
			t.Fatal(err)
		}
		if err := v.Put(ctx, "b", []byte(marker+"B")); err != nil {
			t.Fatal(err)
		}
		fs := files(t, v.Dir())
		ra, _ := os.ReadFile(fs["a.bin"])
		rb, _ := os.ReadFile(fs["b.bin"])
		if err := os.WriteFile(fs["a.bin"], rb, 0o600); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(fs["b.bin"], ra, 0o600); err != nil {
			t.Fatal(err)
		}
		for _, name := range []string{"a", "b"} {
			got, err := v.Get(ctx, name)
			checkAuthError(t, got, err)
		}
	})
}

// checkAuthError fails unless err is an internal error that carries no
// plaintext and nothing was returned.
func checkAuthError(t *testing.T, got []byte, err error) {
	t.Helper()
	if got != nil {
		t.Fatalf("Get returned %d bytes, want none", len(got))
	}
	if code, want := vigie.ErrorCode(err), vigie.EINTERNAL; code != want {
		t.Fatalf("code=%q (%v), want %q", code, err, want)
	}
	if strings.Contains(err.Error(), "MARKER") {
		t.Fatalf("error %q carries the plaintext", err)
	}
}

func TestVault_Delete(t *testing.T) {
	ctx := context.Background()
	t.Run("OK", func(t *testing.T) {
		v, _ := mustOpen(t)
		if err := v.Put(ctx, "item", []byte(marker)); err != nil {
			t.Fatal(err)
		}
		p := files(t, v.Dir())["item.bin"]
		if err := v.Delete(ctx, "item"); err != nil {
			t.Fatal(err)
		}
		if _, err := os.Stat(p); !errors.Is(err, fs.ErrNotExist) {
			t.Fatalf("Stat after Delete: %v, want not exist", err)
		}
		if got := files(t, v.Dir()); len(got) != 0 {
			t.Fatalf("files after Delete: %v, want none", got)
		}
		_, err := v.Get(ctx, "item")
		if got, want := vigie.ErrorCode(err), vigie.ENOTFOUND; got != want {
			t.Fatalf("Get after Delete: code=%q, want %q", got, want)
		}
	})
	t.Run("OKMissing", func(t *testing.T) {
		v, _ := mustOpen(t)
		if err := v.Delete(ctx, "never-stored"); err != nil {
			t.Fatalf("Delete of a missing name: %v, want nil", err)
		}
	})
}

func TestVault_Names(t *testing.T) {
	ctx := context.Background()
	v, _ := mustOpen(t)
	outside := filepath.Dir(v.Dir())
	bad := []string{
		"", ".", "..", "../x", "../../etc/passwd", "a/b", `a\b`, "/abs", ".hidden", ".tmp-1",
		"a\x00b", "é", "a b", strings.Repeat("a", vault.MaxNameLength+1),
	}
	for _, name := range bad {
		t.Run("ErrInvalid", func(t *testing.T) {
			for op, err := range map[string]error{
				"Put":    v.Put(ctx, name, []byte(marker)),
				"Delete": v.Delete(ctx, name),
			} {
				if got, want := vigie.ErrorCode(err), vigie.EINVALID; got != want {
					t.Errorf("%s(%q): code=%q, want %q", op, name, got, want)
				}
			}
			if _, err := v.Get(ctx, name); vigie.ErrorCode(err) != vigie.EINVALID {
				t.Errorf("Get(%q): %v, want EINVALID", name, err)
			}
		})
	}
	entries, err := os.ReadDir(outside)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := len(entries), 1; got != want {
		t.Fatalf("%d entries beside the vault folder, want %d", got, want)
	}
	for _, name := range []string{"a", "A-Z_0.9", "sha256-" + strings.Repeat("f", 64), strings.Repeat("a", vault.MaxNameLength)} {
		t.Run("OK", func(t *testing.T) {
			if err := v.Put(ctx, name, []byte(marker)); err != nil {
				t.Fatalf("Put(%q): %v", name, err)
			}
		})
	}
}

func TestOpen(t *testing.T) {
	t.Run("ErrKeySize", func(t *testing.T) {
		_, err := vault.Open(t.TempDir(), make([]byte, 16))
		if got, want := vigie.ErrorCode(err), vigie.EINVALID; got != want {
			t.Fatalf("code=%q (%v), want %q", got, err, want)
		}
	})
}
