package vault_test

import (
	"bytes"
	"encoding/base64"
	"encoding/hex"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/vigie-hotline/vigie"
	"github.com/vigie-hotline/vigie/vault"
)

func TestLoadOrCreateKey(t *testing.T) {
	t.Run("OKCreated", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "keys", "quarantine.key")
		key, err := vault.LoadOrCreateKey(path)
		if err != nil {
			t.Fatal(err)
		}
		if got, want := len(key), vault.KeySize; got != want {
			t.Fatalf("len(key)=%d, want %d", got, want)
		}
		st, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		if got, want := st.Mode().Perm(), os.FileMode(0o600); got != want {
			t.Fatalf("key file mode=%04o, want %04o", got, want)
		}
		again, err := vault.LoadOrCreateKey(path)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(again, key) {
			t.Fatal("second start returned another key")
		}
		if other, _ := vault.LoadOrCreateKey(filepath.Join(t.TempDir(), "k")); bytes.Equal(other, key) {
			t.Fatal("two new key files hold the same key")
		}
		if entries, _ := os.ReadDir(filepath.Dir(path)); len(entries) != 1 {
			t.Fatalf("%d files beside the key, want none", len(entries)-1)
		}
	})
	t.Run("OKRaw", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "raw.key")
		want := bytes.Repeat([]byte{7}, vault.KeySize)
		if err := os.WriteFile(path, want, 0o600); err != nil {
			t.Fatal(err)
		}
		got, err := vault.LoadOrCreateKey(path)
		if err != nil || !bytes.Equal(got, want) {
			t.Fatalf("LoadOrCreateKey=%x, %v; want %x", got, err, want)
		}
	})
	t.Run("ErrWorldReadable", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "open.key")
		if err := os.WriteFile(path, []byte(strings.Repeat("ab", vault.KeySize)), 0o600); err != nil {
			t.Fatal(err)
		}
		for _, mode := range []os.FileMode{0o644, 0o640, 0o604} {
			if err := os.Chmod(path, mode); err != nil {
				t.Fatal(err)
			}
			key, err := vault.LoadOrCreateKey(path)
			if key != nil || err == nil {
				t.Fatalf("mode %04o: key=%x, err=%v; want an error", mode, key, err)
			}
			if !strings.Contains(err.Error(), "chmod 600") {
				t.Fatalf("mode %04o: error %q does not say how to fix it", mode, err)
			}
		}
	})
	t.Run("ErrGarbage", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "bad.key")
		if err := os.WriteFile(path, []byte("not a key"), 0o600); err != nil {
			t.Fatal(err)
		}
		_, err := vault.LoadOrCreateKey(path)
		if got, want := vigie.ErrorCode(err), vigie.EINVALID; got != want {
			t.Fatalf("code=%q (%v), want %q", got, err, want)
		}
	})
}

func TestParseKey(t *testing.T) {
	key := make([]byte, vault.KeySize)
	for i := range key {
		key[i] = byte(i * 7)
	}
	for name, s := range map[string]string{
		"Hex":       hex.EncodeToString(key),
		"HexUpper":  strings.ToUpper(hex.EncodeToString(key)) + "\n",
		"Base64":    base64.StdEncoding.EncodeToString(key),
		"Base64Raw": base64.RawStdEncoding.EncodeToString(key),
		"Base64URL": base64.URLEncoding.EncodeToString(key),
	} {
		t.Run("OK"+name, func(t *testing.T) {
			got, err := vault.ParseKey(s)
			if err != nil || !bytes.Equal(got, key) {
				t.Fatalf("ParseKey=%x, %v; want %x", got, err, key)
			}
		})
	}
	secret := hex.EncodeToString(key[:16])
	for _, s := range []string{"", "zz", secret, base64.StdEncoding.EncodeToString(make([]byte, 31))} {
		t.Run("ErrInvalid", func(t *testing.T) {
			_, err := vault.ParseKey(s)
			if got, want := vigie.ErrorCode(err), vigie.EINVALID; got != want {
				t.Fatalf("code=%q (%v), want %q", got, err, want)
			}
			if s != "" && strings.Contains(err.Error(), s) {
				t.Fatalf("error %q repeats the key", err)
			}
		})
	}
}
