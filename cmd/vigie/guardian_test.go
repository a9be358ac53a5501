package main

import (
	"bytes"
	"encoding/json"
	"image"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/vigie-hotline/vigie/fingerprint"
	"github.com/vigie-hotline/vigie/guard"
)

// guardianFolder writes two synthetic photos (one twice), a plain grey
// picture, a text file and a hidden file into a folder.
func guardianFolder(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	a, _ := gpsJPEG(t, 21)
	b, _ := gpsJPEG(t, 22)
	grey := image.NewGray(image.Rect(0, 0, 64, 64))
	var g bytes.Buffer
	if err := png.Encode(&g, grey); err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir(filepath.Join(dir, "Emma beach 2024"), 0o755); err != nil {
		t.Fatal(err)
	}
	writeFile(t, filepath.Join(dir, "IMG_001.jpg"), a)
	writeFile(t, filepath.Join(dir, "Emma beach 2024", "IMG_002.jpg"), b)
	writeFile(t, filepath.Join(dir, "copy of IMG_001.jpg"), a)
	writeFile(t, filepath.Join(dir, "wall.png"), g.Bytes())
	writeFile(t, filepath.Join(dir, "notes.txt"), []byte("hello"))
	writeFile(t, filepath.Join(dir, ".DS_Store"), []byte("junk"))
	return dir
}

func TestGuardianHashCmd(t *testing.T) {
	dir := guardianFolder(t)
	out := filepath.Join(t.TempDir(), "hashes.json")
	stdout, _, err := runCmd(t, &GuardianHashCmd{Output: out, Paths: []string{dir}})
	if err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	var sub guard.Submission
	if err := json.Unmarshal(raw, &sub); err != nil {
		t.Fatal(err)
	}
	t.Run("OKHashesEqualNative", func(t *testing.T) {
		if got, want := sub.Version, 1; got != want {
			t.Errorf("version=%d, want %d", got, want)
		}
		var want []string
		for _, name := range []string{"Emma beach 2024/IMG_002.jpg", "IMG_001.jpg"} { // in the order of the walk
			res, err := fingerprint.HashFile(t.Context(), filepath.Join(dir, name), fingerprint.Options{})
			if err != nil {
				t.Fatal(err)
			}
			want = append(want, res.PDQ.String()+" "+res.MD5)
		}
		var got []string
		for _, h := range sub.Hashes {
			got = append(got, h.PDQ+" "+h.MD5)
		}
		if strings.Join(got, ",") != strings.Join(want, ",") {
			t.Errorf("hashes=%q, want %q", got, want)
		}
	})
	t.Run("OKNoFileNames", func(t *testing.T) {
		for _, s := range []string{"IMG_", "Emma", "wall", ".jpg"} {
			if bytes.Contains(raw, []byte(s)) {
				t.Errorf("the submission contains %q", s)
			}
		}
	})
	t.Run("OKPlainPhotoRefused", func(t *testing.T) {
		if !strings.Contains(stdout, "wall.png: left out: This photo is too plain") {
			t.Errorf("stdout=%q, want wall.png refused as too plain", stdout)
		}
		if !strings.Contains(stdout, "copy of IMG_001.jpg: left out: the same photo") {
			t.Errorf("stdout=%q, want the copy left out", stdout)
		}
		if strings.Contains(stdout, ".DS_Store") {
			t.Errorf("stdout=%q, want hidden files ignored", stdout)
		}
	})
	t.Run("ErrExists", func(t *testing.T) {
		if _, _, err := runCmd(t, &GuardianHashCmd{Output: out, Paths: []string{dir}}); err == nil {
			t.Fatal("no error, want a refusal to overwrite")
		}
	})
	t.Run("ErrNoPhoto", func(t *testing.T) {
		empty := t.TempDir()
		writeFile(t, filepath.Join(empty, "notes.txt"), []byte("hello"))
		_, _, err := runCmd(t, &GuardianHashCmd{Output: filepath.Join(empty, "h.json"), Paths: []string{empty}})
		if err == nil {
			t.Fatal("no error, want one when no photo could be fingerprinted")
		}
		if _, err := os.Stat(filepath.Join(empty, "h.json")); err == nil {
			t.Error("a file was written without any fingerprint")
		}
	})
}
