// Package vault is Vigie's quarantine for fetched content: the bytes are
// stored only encrypted, one file per name, with AES-256-GCM. Each file has
// its own random nonce and is bound to its name as additional authenticated
// data, so a file that was altered, or moved to another name, fails to
// open instead of returning someone else's content.
//
// A file is the 4-byte magic "VGQ1", the 12-byte nonce, then the
// ciphertext with its 16-byte tag.
package vault

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/vigie-hotline/vigie"
)

// KeySize is the length of a vault key: AES-256.
const KeySize = 32

// DefaultMaxBytes is the largest content Open lets a vault store: above the
// fetcher's 50 MiB limit, with room for a slightly larger configuration.
const DefaultMaxBytes = 64 << 20

// MaxNameLength bounds the length of a name.
const MaxNameLength = 128

// magic opens every file, so that a stray file is told from a vault file
// and the format can change later.
const magic = "VGQ1"

// Modes of what the vault creates: only the service's user may read it.
const (
	dirMode  = 0o700
	fileMode = 0o600
)

// Vault stores content encrypted under a folder. It is safe for concurrent
// use; writes to one name are atomic, the last one wins.
type Vault struct {
	// MaxBytes is the largest content Put accepts and Get reads; Open sets
	// DefaultMaxBytes.
	MaxBytes int64

	dir  string
	aead cipher.AEAD
}

// Open returns a vault that keeps its files under dir, creating the folder
// (mode 0700) if needed. key must be KeySize bytes.
func Open(dir string, key []byte) (*Vault, error) {
	if len(key) != KeySize {
		return nil, vigie.Errorf(vigie.EINVALID, "quarantine key is %d bytes; it must be %d", len(key), KeySize)
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, fmt.Errorf("quarantine cipher: %w", err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, fmt.Errorf("quarantine gcm: %w", err)
	}
	if err := os.MkdirAll(dir, dirMode); err != nil {
		return nil, fmt.Errorf("quarantine folder: %w", err)
	}
	return &Vault{MaxBytes: DefaultMaxBytes, dir: dir, aead: aead}, nil
}

// Dir returns the folder the vault keeps its files under.
func (v *Vault) Dir() string { return v.dir }

// Put encrypts data and stores it under name, replacing any earlier value.
// Names are 1 to MaxNameLength letters, digits, '.', '_' or '-', not
// starting with '.'; any other name is EINVALID.
func (v *Vault) Put(ctx context.Context, name string, data []byte) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := checkName(name); err != nil {
		return err
	}
	if int64(len(data)) > v.MaxBytes {
		return vigie.Errorf(vigie.ETOOLARGE, "content is %d bytes; the quarantine limit is %d", len(data), v.MaxBytes)
	}
	sealed, err := v.seal(name, data)
	if err != nil {
		return err
	}
	return writeAtomic(v.path(name), sealed)
}

// Get returns the content stored under name: ENOTFOUND if there is none,
// EINTERNAL if the file fails authentication (another key, a tampered or
// swapped file).
func (v *Vault) Get(ctx context.Context, name string) ([]byte, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if err := checkName(name); err != nil {
		return nil, err
	}
	sealed, err := v.read(name)
	if err != nil {
		return nil, err
	}
	return v.open(name, sealed)
}

// Delete removes the file stored under name; a missing name is not an
// error.
func (v *Vault) Delete(ctx context.Context, name string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := checkName(name); err != nil {
		return err
	}
	p := v.path(name)
	if err := os.Remove(p); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("quarantine delete: %w", err)
	}
	return syncDir(filepath.Dir(p))
}

// path returns the file of name: under a subfolder named by the first byte
// of the name's SHA-256, so that no folder grows too large whatever the
// names look like.
func (v *Vault) path(name string) string {
	sum := sha256.Sum256([]byte(name))
	return filepath.Join(v.dir, hex.EncodeToString(sum[:1]), name+".bin")
}

// read returns the raw file of name, bounded by MaxBytes.
func (v *Vault) read(name string) ([]byte, error) {
	f, err := os.Open(v.path(name))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, vigie.Errorf(vigie.ENOTFOUND, "nothing in quarantine under %q", name)
	} else if err != nil {
		return nil, fmt.Errorf("quarantine open: %w", err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("quarantine stat: %w", err)
	}
	if st.Size() > v.MaxBytes+int64(overhead) {
		return nil, vigie.Errorf(vigie.EINTERNAL, "quarantine file %q is larger than the limit", name)
	}
	buf := make([]byte, st.Size())
	if _, err := f.ReadAt(buf, 0); err != nil {
		return nil, fmt.Errorf("quarantine read: %w", err)
	}
	return buf, nil
}

// overhead is what a file adds to its content: magic, nonce and tag.
const overhead = len(magic) + 12 + 16

// seal returns the file for data stored under name.
func (v *Vault) seal(name string, data []byte) ([]byte, error) {
	out := make([]byte, len(magic)+v.aead.NonceSize(), len(magic)+v.aead.NonceSize()+len(data)+v.aead.Overhead())
	copy(out, magic)
	nonce := out[len(magic):]
	if _, err := rand.Read(nonce); err != nil {
		return nil, fmt.Errorf("quarantine nonce: %w", err)
	}
	return v.aead.Seal(out, nonce, data, additionalData(name)), nil
}

// open authenticates and decrypts a file read for name.
func (v *Vault) open(name string, sealed []byte) ([]byte, error) {
	n := len(magic) + v.aead.NonceSize()
	if len(sealed) < n+v.aead.Overhead() || string(sealed[:len(magic)]) != magic {
		return nil, vigie.Errorf(vigie.EINTERNAL, "quarantine file %q is not a vault file", name)
	}
	data, err := v.aead.Open(nil, sealed[len(magic):n], sealed[n:], additionalData(name))
	if err != nil {
		return nil, vigie.Errorf(vigie.EINTERNAL, "quarantine file %q failed authentication: wrong key, or the file was altered or moved", name)
	}
	return data, nil
}

// additionalData binds a file to its name and format version.
func additionalData(name string) []byte {
	return []byte(magic + "\x00" + name)
}

// checkName refuses names that could leave the folder or clash with the
// vault's own temporary files.
func checkName(name string) error {
	if name == "" || len(name) > MaxNameLength || name[0] == '.' {
		return vigie.Errorf(vigie.EINVALID, "invalid quarantine name %q", name)
	}
	for _, c := range []byte(name) {
		ok := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '_' || c == '-'
		if !ok {
			return vigie.Errorf(vigie.EINVALID, "invalid quarantine name %q", name)
		}
	}
	return nil
}
