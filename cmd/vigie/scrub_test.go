package main

import (
	"bytes"
	"encoding/binary"
	"image/jpeg"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/vigie-hotline/vigie/pdq/pdqtest"
)

// gpsJPEG returns a synthetic JPEG with an Exif block holding a camera
// make and a GPS IFD, and the JPEG without it.
func gpsJPEG(t *testing.T, seed uint64) (dirty, plain []byte) {
	t.Helper()
	var b bytes.Buffer
	if err := jpeg.Encode(&b, pdqtest.Photo(seed, 120, 80), &jpeg.Options{Quality: 85}); err != nil {
		t.Fatal(err)
	}
	plain = b.Bytes()
	le := binary.LittleEndian
	tiff := []byte("II*\x00\x08\x00\x00\x00")
	tiff = le.AppendUint16(tiff, 2) // IFD0 at 8: Make, GPSInfo
	tiff = append(le.AppendUint16(le.AppendUint16(tiff, 0x010F), 2), 4, 0, 0, 0, 'A', 'c', 'm', 0)
	tiff = append(le.AppendUint16(le.AppendUint16(tiff, 0x8825), 4), 1, 0, 0, 0, 38, 0, 0, 0)
	tiff = le.AppendUint32(tiff, 0)
	tiff = le.AppendUint16(tiff, 1) // GPS IFD at 38: latitude ref
	tiff = append(le.AppendUint16(le.AppendUint16(tiff, 0x0001), 2), 2, 0, 0, 0, 'N', 0, 0, 0)
	tiff = le.AppendUint32(tiff, 0)
	seg := append([]byte("Exif\x00\x00"), tiff...)
	dirty = append([]byte{0xFF, 0xD8, 0xFF, 0xE1, byte((len(seg) + 2) >> 8), byte(len(seg) + 2)}, seg...)
	return append(dirty, plain[2:]...), plain
}

// runCmd runs a command on a Main with buffers for its streams.
func runCmd(t *testing.T, cmd interface{ Run(*Main) error }) (stdout, stderr string, err error) {
	t.Helper()
	var out, errb bytes.Buffer
	m := NewMain()
	m.Stdout, m.Stderr = &out, &errb
	err = cmd.Run(m)
	return out.String(), errb.String(), err
}

func TestScrubCmd(t *testing.T) {
	dir := t.TempDir()
	dirty, plain := gpsJPEG(t, 1)
	photo := filepath.Join(dir, "IMG_001.jpg")
	writeFile(t, photo, dirty)

	t.Run("OKNextToPhoto", func(t *testing.T) {
		out, _, err := runCmd(t, &ScrubCmd{Files: []string{photo}})
		if err != nil {
			t.Fatal(err)
		}
		got, err := os.ReadFile(filepath.Join(dir, "IMG_001.clean.jpg"))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, plain) {
			t.Errorf("cleaned photo differs from the photo without its Exif block")
		}
		if !strings.Contains(out, "GPS position") {
			t.Errorf("stdout=%q, want it to say the GPS position was removed", out)
		}
	})
	t.Run("ErrExists", func(t *testing.T) {
		_, stderr, err := runCmd(t, &ScrubCmd{Files: []string{photo}})
		if err == nil || !strings.Contains(stderr, "already exists") {
			t.Fatalf("err=%v stderr=%q, want a refusal to overwrite", err, stderr)
		}
	})
	t.Run("OKForce", func(t *testing.T) {
		if _, _, err := runCmd(t, &ScrubCmd{Files: []string{photo}, Force: true}); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("OKOutputDir", func(t *testing.T) {
		out := filepath.Join(dir, "clean")
		if _, _, err := runCmd(t, &ScrubCmd{Files: []string{photo}, Output: out}); err != nil {
			t.Fatal(err)
		}
		got, err := os.ReadFile(filepath.Join(out, "IMG_001.jpg"))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, plain) {
			t.Errorf("cleaned photo in -o differs from the photo without its Exif block")
		}
	})
	t.Run("ErrOutputIsOwnFolder", func(t *testing.T) {
		if _, _, err := runCmd(t, &ScrubCmd{Files: []string{photo}, Output: dir}); err == nil {
			t.Fatal("no error, want a refusal to replace the photo without --in-place")
		}
		if got, _ := os.ReadFile(photo); !bytes.Equal(got, dirty) {
			t.Fatal("the original photo was modified")
		}
	})
	t.Run("ErrInPlaceAndOutput", func(t *testing.T) {
		_, _, err := runCmd(t, &ScrubCmd{Files: []string{photo}, Output: dir, InPlace: true})
		if _, ok := err.(*UsageError); !ok {
			t.Fatalf("err=%v, want a *UsageError", err)
		}
	})
	t.Run("OKInPlace", func(t *testing.T) {
		if _, _, err := runCmd(t, &ScrubCmd{Files: []string{photo}, InPlace: true}); err != nil {
			t.Fatal(err)
		}
		if got, _ := os.ReadFile(photo); !bytes.Equal(got, plain) {
			t.Fatal("the photo was not cleaned in place")
		}
	})
	t.Run("ErrNotAPhoto", func(t *testing.T) {
		txt := filepath.Join(dir, "notes.txt")
		writeFile(t, txt, []byte("hello"))
		_, stderr, err := runCmd(t, &ScrubCmd{Files: []string{txt}})
		if err == nil || !strings.Contains(stderr, "only JPEG, PNG and WebP") {
			t.Fatalf("err=%v stderr=%q, want an unsupported-format message", err, stderr)
		}
	})
}
