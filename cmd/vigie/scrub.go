package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/vigie-hotline/vigie/guard"
	"github.com/vigie-hotline/vigie/media"
)

// ScrubCmd is `vigie scrub`: it removes location and device metadata
// (GPS position, camera, dates, XMP, IPTC, comments) from JPEG, PNG and
// WebP photos without re-encoding them, so a parent can post them safely.
type ScrubCmd struct {
	Output  string   `short:"o" placeholder:"DIR" help:"Write the cleaned photos into DIR under their own names, instead of NAME.clean.EXT next to each photo."`
	InPlace bool     `help:"Replace each photo with its cleaned version."`
	Force   bool     `help:"Overwrite cleaned photos that already exist."`
	Files   []string `arg:"" name:"file" help:"JPEG, PNG or WebP photos to clean."`
}

// Run cleans each file and prints what was removed. A file that cannot be
// cleaned is reported and the others carry on; Run returns an error if any
// failed. Existing files are never overwritten without --force or
// --in-place.
func (c *ScrubCmd) Run(m *Main) error {
	if c.InPlace && c.Output != "" {
		return &UsageError{Err: errors.New("--in-place and --output cannot be used together")}
	}
	if c.Output != "" {
		if err := os.MkdirAll(c.Output, 0o755); err != nil {
			return err
		}
	}
	failed := 0
	for _, file := range c.Files {
		if err := c.scrub(m.Stdout, file); err != nil {
			fmt.Fprintf(m.Stderr, "vigie scrub: %s: %v\n", file, err)
			failed++
		}
	}
	if failed > 0 {
		return fmt.Errorf("%d of %d photos could not be cleaned", failed, len(c.Files))
	}
	return nil
}

// scrub cleans one file and prints one line about it.
func (c *ScrubCmd) scrub(w io.Writer, file string) error {
	data, mode, err := readPhoto(file)
	if err != nil {
		return err
	}
	clean, rep, err := guard.Scrub(data)
	if err != nil {
		return err
	}
	dest, err := c.destination(file)
	if err != nil {
		return err
	}
	if c.InPlace && !rep.Changed() {
		_, err := fmt.Fprintf(w, "%s: nothing to remove\n", file)
		return err
	}
	if err := writeNew(dest, clean, mode, c.Force || c.InPlace); err != nil {
		return err
	}
	_, err = fmt.Fprintf(w, "%s → %s: %s\n", file, dest, describe(rep))
	return err
}

// readPhoto reads a regular file no larger than media's default limit.
func readPhoto(file string) ([]byte, os.FileMode, error) {
	st, err := os.Stat(file)
	if err != nil {
		return nil, 0, err
	}
	if !st.Mode().IsRegular() {
		return nil, 0, errors.New("not a regular file")
	}
	if limit := media.DefaultLimits().MaxBytes; st.Size() > limit {
		return nil, 0, fmt.Errorf("the file is %d bytes; the limit is %d", st.Size(), limit)
	}
	data, err := os.ReadFile(file)
	return data, st.Mode().Perm(), err
}

// destination returns where the cleaned version of file goes.
func (c *ScrubCmd) destination(file string) (string, error) {
	switch {
	case c.InPlace:
		return file, nil
	case c.Output != "":
		dest := filepath.Join(c.Output, filepath.Base(file))
		if same, _ := sameFile(dest, file); same {
			return "", errors.New("the output folder is the photo's own folder: use --in-place to replace it")
		}
		return dest, nil
	}
	ext := filepath.Ext(file)
	return strings.TrimSuffix(file, ext) + ".clean" + ext, nil
}

// sameFile reports whether a and b name the same existing file.
func sameFile(a, b string) (bool, error) {
	sa, err := os.Stat(a)
	if err != nil {
		return false, err
	}
	sb, err := os.Stat(b)
	if err != nil {
		return false, err
	}
	return os.SameFile(sa, sb), nil
}

// writeNew writes data to path through a temporary file in the same
// folder, so that a crash never leaves a half-written photo. Unless
// overwrite is set, an existing path is an error.
func writeNew(path string, data []byte, mode os.FileMode, overwrite bool) error {
	if _, err := os.Lstat(path); err == nil && !overwrite {
		return fmt.Errorf("%s already exists; use --force to overwrite it", path)
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name()) // after a successful rename, there is nothing left to remove
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Chmod(mode); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}

// describe says in a few words what Scrub removed.
func describe(rep guard.Report) string {
	if !rep.Changed() {
		return "nothing to remove (copied as is)"
	}
	s := "removed " + strings.Join(rep.Removed, ", ")
	if rep.Orientation != 0 {
		s += "; kept the orientation"
	}
	return s
}
