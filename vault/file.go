package vault

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
)

// writeAtomic writes data to path through a temporary file in the same
// folder and a rename, so that a reader sees the old file or the new one,
// never a part. The folder is created with mode 0700, the file with 0600.
func writeAtomic(path string, data []byte) error {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, dirMode); err != nil {
		return fmt.Errorf("quarantine folder: %w", err)
	}
	tmp, err := os.CreateTemp(dir, ".tmp-*")
	if err != nil {
		return fmt.Errorf("quarantine temp file: %w", err)
	}
	if err := writeFile(tmp, data); err != nil {
		os.Remove(tmp.Name())
		return err
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		os.Remove(tmp.Name())
		return fmt.Errorf("quarantine rename: %w", err)
	}
	return syncDir(dir)
}

// writeFile writes data to f with mode 0600, flushes it to disk and closes
// it.
func writeFile(f *os.File, data []byte) error {
	err := f.Chmod(fileMode)
	if err == nil {
		_, err = f.Write(data)
	}
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("quarantine write: %w", err)
	}
	return nil
}

// syncDir flushes a folder's entries, so that a rename or a removal
// survives a crash. Systems that cannot sync a folder are not an error.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	} else if err != nil {
		return fmt.Errorf("quarantine sync: %w", err)
	}
	defer d.Close()
	if err := d.Sync(); err != nil && !errors.Is(err, os.ErrInvalid) {
		return fmt.Errorf("quarantine sync: %w", err)
	}
	return nil
}
