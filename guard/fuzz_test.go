package guard_test

import (
	"bytes"
	"testing"

	"github.com/vigie-hotline/vigie/guard"
)

// FuzzScrub checks that Scrub never panics on hostile input, and that a
// cleaned file is clean: scrubbing it again changes nothing and removes
// nothing.
func FuzzScrub(f *testing.F) {
	dirty, _ := cameraWebP()
	f.Add(cameraJPEG(plainJPEG(f, 7)))
	f.Add(cameraPNG(plainPNG(f, 7)))
	f.Add(dirty)
	f.Add([]byte("\xff\xd8\xff\xfe\x00\x04hi\xff\xda\x00\x02\xff\x00\xff\xd0\xff\xd9"))
	f.Fuzz(func(t *testing.T, data []byte) {
		clean, _, err := guard.Scrub(data)
		if err != nil {
			return
		}
		again, rep, err := guard.Scrub(clean)
		if err != nil {
			t.Fatalf("scrubbing a cleaned file: %v", err)
		}
		if !bytes.Equal(again, clean) || rep.Changed() {
			t.Fatalf("scrubbing a cleaned file changed it (removed %q)", rep.Removed)
		}
	})
}
