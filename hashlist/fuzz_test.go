package hashlist_test

import (
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/vigie-hotline/vigie"
	"github.com/vigie-hotline/vigie/hashlist"
)

// fuzzSeeds returns good files written by the Writer and broken variants.
func fuzzSeeds(f *testing.F, format hashlist.Format, extra ...string) {
	var entries []*vigie.BankEntry
	entries = append(entries, csvEntries()...)
	entries = append(entries, jsonlEntries()...)
	good := writeAll(f, format, &vigie.Bank{Name: "b"}, entries)
	f.Add([]byte(good))
	f.Add([]byte(strings.ReplaceAll(good, "\n", "\r\n")))
	f.Add([]byte(good[:len(good)/2]))
	f.Add([]byte(strings.ReplaceAll(good, "a", "\"")))
	for _, s := range extra {
		f.Add([]byte(s))
	}
}

// fuzzRead reads data to the end with a small line bound and checks that
// every entry is valid and writes back, and every bad line has a number.
func fuzzRead(t *testing.T, format hashlist.Format, data []byte) {
	r, err := hashlist.NewReader(bytes.NewReader(data), format)
	if err != nil {
		t.Fatal(err)
	}
	r.MaxLineBytes = 512
	w, _ := hashlist.NewWriter(io.Discard, format)
	for range len(data) + 2 { // each call consumes a line or yields an entry
		e, err := r.Next()
		var le *hashlist.LineError
		switch {
		case err == io.EOF:
			return
		case errors.As(err, &le):
			if le.Line < 1 || le.Line > r.Summary().Lines || le.Reason == "" || le.Err == nil {
				t.Fatalf("bad LineError %+v after %d lines", le, r.Summary().Lines)
			}
			continue
		case err != nil:
			if vigie.ErrorCode(err) != vigie.EINVALID {
				t.Fatalf("fatal error %v is not EINVALID", err)
			}
			return
		}
		if v, err := vigie.NormalizeSignal(e.Signal, e.Value); err != nil || v != e.Value {
			t.Fatalf("entry %s %q is not canonical: %v", e.Signal, e.Value, err)
		}
		if err := w.Write(e); err != nil {
			t.Fatalf("Write of a read entry: %v", err)
		}
	}
	if s := r.Summary(); s.Entries > 0 || s.Bad > 0 {
		t.Fatalf("reader did not reach the end: %+v", s)
	}
}

func FuzzReadTE(f *testing.F) {
	fuzzSeeds(f, hashlist.FormatTE, "pdq\n", " \n\r", "video_md5 "+md5A+" x\n")
	f.Fuzz(func(t *testing.T, data []byte) { fuzzRead(t, hashlist.FormatTE, data) })
}

func FuzzReadTECSV(f *testing.F) {
	fuzzSeeds(f, hashlist.FormatTECSV, "signal_type,signal_str,collab,category,tags\n\"", "signal_type,signal_str,collab,category,tags\n\"\"\"\n,")
	f.Fuzz(func(t *testing.T, data []byte) { fuzzRead(t, hashlist.FormatTECSV, data) })
}

func FuzzReadHMAJSON(f *testing.F) {
	fuzzSeeds(f, hashlist.FormatHMAJSON, `{"signals":{"pdq":null},"metadata":{"collab":{"a":null}}}`, "null\n[]\n{}")
	f.Fuzz(func(t *testing.T, data []byte) { fuzzRead(t, hashlist.FormatHMAJSON, data) })
}

func FuzzReadJSONL(f *testing.F) {
	fuzzSeeds(f, hashlist.FormatJSONL, `{"signal":"pdq","value":"`+pdqA+`","added_at":"x"}`, `{"metadata":[1]}`)
	f.Fuzz(func(t *testing.T, data []byte) { fuzzRead(t, hashlist.FormatJSONL, data) })
}
