package vault

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strings"

	"github.com/vigie-hotline/vigie"
)

// LoadOrCreateKey returns the key kept in the file at path. At first start,
// when there is no such file, it creates one (mode 0600, its folder 0700)
// holding a new random key in hex. It refuses a key file that the group or
// others may read, or that holds anything but a key: KeySize raw bytes, or
// their hex or base64 form.
func LoadOrCreateKey(path string) ([]byte, error) {
	key, err := loadKey(path)
	if !errors.Is(err, fs.ErrNotExist) {
		return key, err
	}
	if err := createKey(path); err != nil && !errors.Is(err, fs.ErrExist) {
		return nil, err
	}
	// Another process may have created it first: either way, read it back.
	return loadKey(path)
}

// loadKey reads the key file at path after checking its mode.
func loadKey(path string) ([]byte, error) {
	st, err := os.Stat(path)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, err
		}
		return nil, fmt.Errorf("quarantine key: %w", err)
	}
	if !st.Mode().IsRegular() {
		return nil, vigie.Errorf(vigie.EINVALID, "quarantine key %s is not a regular file", path)
	}
	if perm := st.Mode().Perm(); perm&0o077 != 0 && runtime.GOOS != "windows" {
		return nil, vigie.Errorf(vigie.EINVALID, "quarantine key %s may be read by others (mode %04o); run chmod 600 on it", path, perm)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("quarantine key: %w", err)
	}
	if len(data) == KeySize {
		return data, nil
	}
	key, err := ParseKey(string(data))
	if err != nil {
		return nil, vigie.Errorf(vigie.EINVALID, "quarantine key %s does not hold a %d-byte key", path, KeySize)
	}
	return key, nil
}

// createKey writes a new random key to path, never over an existing file:
// the key goes to a temporary file that is then linked to path, so that no
// one ever reads half a key.
func createKey(path string) error {
	key := make([]byte, KeySize)
	if _, err := rand.Read(key); err != nil {
		return fmt.Errorf("quarantine key: %w", err)
	}
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, dirMode); err != nil {
		return fmt.Errorf("quarantine key folder: %w", err)
	}
	tmp, err := os.CreateTemp(dir, ".key-*")
	if err != nil {
		return fmt.Errorf("quarantine key: %w", err)
	}
	defer os.Remove(tmp.Name())
	if err := writeFile(tmp, []byte(hex.EncodeToString(key)+"\n")); err != nil {
		return err
	}
	if err := os.Link(tmp.Name(), path); err != nil {
		if errors.Is(err, fs.ErrExist) {
			return err
		}
		return fmt.Errorf("quarantine key: %w", err)
	}
	return syncDir(dir)
}

// ParseKey returns the key written in s, as from a configuration file or
// the environment: KeySize bytes in hex or in base64 (standard or URL
// alphabet, padded or not). The error never repeats s.
func ParseKey(s string) ([]byte, error) {
	s = strings.TrimSpace(s)
	if b, err := hex.DecodeString(s); err == nil && len(b) == KeySize {
		return b, nil
	}
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		if b, err := enc.DecodeString(s); err == nil && len(b) == KeySize {
			return b, nil
		}
	}
	return nil, vigie.Errorf(vigie.EINVALID, "the quarantine key must be %d bytes written in hex (%d digits) or base64", KeySize, 2*KeySize)
}
