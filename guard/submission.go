package guard

import (
	"fmt"

	"github.com/vigie-hotline/vigie/fingerprint"
)

// MinQuality is the lowest PDQ quality a parent's photo may have: below
// it, the photo is too plain (a wall, a sky, a blurred shot) for its hash
// to tell it from other photos, and it would raise false alarms.
const MinQuality = 50

// SubmissionVersion is the version of the Submission format.
const SubmissionVersion = 1

// Submission is the file of fingerprints a parent submits on the
// /guardian page, written by `vigie guardian hash` and by the page itself:
//
//	{"version":1,"hashes":[{"pdq":"…64 hex…","md5":"…32 hex…","quality":87}]}
//
// It holds no file names: names often carry a child's first name, a place
// or a date, and the hotline needs none of them to recognise a photo. The
// parent keeps the list of names on their own device (the command prints
// it; the page shows it).
type Submission struct {
	Version int     `json:"version"`
	Hashes  []Entry `json:"hashes"`
}

// Entry is the fingerprint of one photo in a Submission.
type Entry struct {
	PDQ     string `json:"pdq"`     // 64 lower-case hex digits
	MD5     string `json:"md5"`     // 32 lower-case hex digits, of the file's bytes
	Quality int    `json:"quality"` // PDQ quality, MinQuality to 100
}

// NewEntry returns the Entry for a fingerprinted photo, or a plain
// explanation of why it cannot be registered.
func NewEntry(res fingerprint.Result) (Entry, string) {
	if res.Quality < MinQuality {
		return Entry{}, TooPlain(res.Quality)
	}
	return Entry{PDQ: res.PDQ.String(), MD5: res.MD5, Quality: res.Quality}, ""
}

// TooPlain explains to a parent why a photo of PDQ quality q is refused.
func TooPlain(q int) string {
	return fmt.Sprintf("This photo is too plain to be recognised reliably (quality %d, at least %d is needed), so it was left out. Photos with more detail work best.", q, MinQuality)
}

// Add appends e unless a photo with the same bytes is already in s, and
// reports whether it did.
func (s *Submission) Add(e Entry) bool {
	for _, h := range s.Hashes {
		if h.MD5 == e.MD5 {
			return false
		}
	}
	s.Hashes = append(s.Hashes, e)
	return true
}
