package hashlist_test

import (
	"strings"
	"testing"

	"github.com/vigie-hotline/vigie"
	"github.com/vigie-hotline/vigie/hashlist"
)

// TestTE_Golden checks the exact upstream shape: "<type> <value>\n", as
// python-threatexchange's LocalFileSignalExchangeAPI.report_opinion appends
// (threatexchange/exchanges/impl/file_api.py) and `threatexchange hash`
// prints (threatexchange/cli/hash_cmd.py), with upstream type names.
func TestTE_Golden(t *testing.T) {
	got := writeAll(t, hashlist.FormatTE, nil, fourEntries())
	want := "pdq " + pdqA + "\n" +
		"video_md5 " + md5A + "\n" +
		"sha1 " + sha1A + "\n" +
		"video_sha256 " + sha256A + "\n"
	if got != want {
		t.Fatalf("te file=\n%s\nwant\n%s", got, want)
	}
}

func TestTE_RoundTrip(t *testing.T) {
	in := fourEntries()
	in[0].Metadata = map[string]any{"dropped": "te has no metadata"}
	entries, bad, sum := readAll(t, hashlist.FormatTE, writeAll(t, hashlist.FormatTE, nil, in))
	checkBad(t, bad, nil)
	checkSignals(t, entries, "pdq "+pdqA, "md5 "+md5A, "sha1 "+sha1A, "sha256 "+sha256A)
	for _, e := range entries {
		if e.Status != vigie.EntryActive || e.Metadata != nil {
			t.Errorf("entry status=%q metadata=%v, want active and none", e.Status, e.Metadata)
		}
	}
	if got, want := sum, (hashlist.Summary{Lines: 4, Entries: 4}); got != want {
		t.Fatalf("Summary=%+v, want %+v", got, want)
	}
}

// TestTE_Import checks aliases, case, CRLF, blank lines and the stripping
// upstream does (file_api.py fetch_iter: line.strip()).
func TestTE_Import(t *testing.T) {
	input := "\uFEFFpdq " + strings.ToUpper(pdqA) + "\r\n" +
		"\r\n" +
		"  video_md5 " + md5A + "  \r\n" +
		"MD5 " + md5A + "\n" +
		"photo_md5 " + md5A + "\n" +
		"video_sha256 " + sha256A + "\n" +
		"sha1 " + sha1A // no final newline
	entries, bad, sum := readAll(t, hashlist.FormatTE, input)
	checkBad(t, bad, nil)
	checkSignals(t, entries, "pdq "+pdqA, "md5 "+md5A, "md5 "+md5A, "md5 "+md5A, "sha256 "+sha256A, "sha1 "+sha1A)
	if got, want := sum, (hashlist.Summary{Lines: 7, Entries: 6}); got != want {
		t.Fatalf("Summary=%+v, want %+v", got, want)
	}
}

func TestTE_BadLines(t *testing.T) {
	for _, tt := range []struct {
		name, line string
		err        error
	}{
		{"ErrUnknownType", "vpdq " + pdqA, hashlist.ErrUnknownType},
		{"ErrBadLength", "pdq " + pdqA[:63], hashlist.ErrBadLength},
		{"ErrBadHex", "video_md5 " + md5A[:31] + "g", hashlist.ErrBadHex},
		{"ErrColumnCountOne", pdqA, hashlist.ErrColumnCount},
		{"ErrColumnCountTwoSpaces", "pdq  " + pdqA, hashlist.ErrColumnCount},
		{"ErrColumnCountThree", "ROTATE90 pdq " + pdqA, hashlist.ErrColumnCount},
		{"ErrLineTooLong", "pdq " + strings.Repeat("a", hashlist.DefaultMaxLineBytes), hashlist.ErrLineTooLong},
	} {
		t.Run(tt.name, func(t *testing.T) {
			input := "pdq " + pdqA + "\n" + tt.line + "\n" + "sha1 " + sha1A + "\n"
			entries, bad, sum := readAll(t, hashlist.FormatTE, input)
			checkBad(t, bad, []wantBad{{2, tt.err}})
			checkSignals(t, entries, "pdq "+pdqA, "sha1 "+sha1A)
			if got, want := sum, (hashlist.Summary{Lines: 3, Entries: 2, Bad: 1}); got != want {
				t.Fatalf("Summary=%+v, want %+v", got, want)
			}
		})
	}
}

// TestTE_BareValues reads a file of values alone, as python-threatexchange
// does when its file collaboration names a signal_type.
func TestTE_BareValues(t *testing.T) {
	r, err := hashlist.NewReader(strings.NewReader(pdqA+"\n"+pdqB+"\n"), hashlist.FormatTE)
	if err != nil {
		t.Fatal(err)
	}
	r.Signal = vigie.SignalPDQ
	var got []string
	for e, err := range r.All() {
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, e.Value)
	}
	if want := pdqA + " " + pdqB; strings.Join(got, " ") != want {
		t.Fatalf("values=%v, want %s", got, want)
	}
}

func TestWriter_ErrInvalidEntry(t *testing.T) {
	for _, f := range hashlist.Formats() {
		t.Run(string(f), func(t *testing.T) {
			w, err := hashlist.NewWriter(&strings.Builder{}, f)
			if err != nil {
				t.Fatal(err)
			}
			for _, e := range []*vigie.BankEntry{
				{Signal: vigie.SignalPDQ, Value: pdqA[:10]},
				{Signal: "vpdq", Value: pdqA},
			} {
				if err := w.Write(e); vigie.ErrorCode(err) != vigie.EINVALID {
					t.Errorf("Write(%s %s) err=%v, want EINVALID", e.Signal, e.Value, err)
				}
			}
			if w.Count() != 0 {
				t.Fatalf("Count=%d, want 0", w.Count())
			}
		})
	}
}

// TestWriter_NormalizesValue writes upper-case hex in lower case.
func TestWriter_NormalizesValue(t *testing.T) {
	e := &vigie.BankEntry{Signal: vigie.SignalPDQ, Value: strings.ToUpper(pdqA)}
	if got, want := writeAll(t, hashlist.FormatTE, nil, []*vigie.BankEntry{e}), "pdq "+pdqA+"\n"; got != want {
		t.Fatalf("file=%q, want %q", got, want)
	}
}
