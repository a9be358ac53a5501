package hashlist_test

import (
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"

	"github.com/vigie-hotline/vigie"
	"github.com/vigie-hotline/vigie/hashlist"
)

// lineSource generates n te lines on the fly, so the test holds no file.
type lineSource struct {
	n, i int
	buf  []byte
}

func (s *lineSource) Read(p []byte) (int, error) {
	for len(s.buf) < len(p) && s.i < s.n {
		s.buf = fmt.Appendf(s.buf, "video_md5 %032x\n", s.i)
		s.i++
	}
	if len(s.buf) == 0 {
		return 0, io.EOF
	}
	n := copy(p, s.buf)
	s.buf = s.buf[n:]
	return n, nil
}

// TestReader_Streams reads a large generated list one entry at a time.
func TestReader_Streams(t *testing.T) {
	n := 300_000
	if testing.Short() {
		n = 10_000
	}
	r, err := hashlist.NewReader(&lineSource{n: n}, hashlist.FormatTE)
	if err != nil {
		t.Fatal(err)
	}
	count := 0
	for e, err := range r.All() {
		if err != nil {
			t.Fatal(err)
		}
		if want := fmt.Sprintf("%032x", count); e.Value != want {
			t.Fatalf("entry %d=%s, want %s", count, e.Value, want)
		}
		count++
	}
	if got, want := r.Summary(), (hashlist.Summary{Lines: n, Entries: n}); got != want {
		t.Fatalf("Summary=%+v, want %+v", got, want)
	}
}

// TestReader_ErrLineTooLong bounds lines in every format.
func TestReader_ErrLineTooLong(t *testing.T) {
	good := map[hashlist.Format]string{
		hashlist.FormatTE:      "pdq " + pdqA,
		hashlist.FormatTECSV:   "pdq," + pdqA + ",,,",
		hashlist.FormatHMAJSON: `{"id":1,"signals":{"pdq":"` + pdqA + `"}}`,
		hashlist.FormatJSONL:   `{"signal":"pdq","value":"` + pdqA + `"}`,
	}
	for _, f := range hashlist.Formats() {
		t.Run(string(f), func(t *testing.T) {
			input := good[f] + strings.Repeat(" ", 200) + "\n" + good[f] + "\n"
			if f == hashlist.FormatTECSV {
				input = "signal_type,signal_str,collab,category,tags\n" + input
			}
			r, _ := hashlist.NewReader(strings.NewReader(input), f)
			r.MaxLineBytes = 150
			var bad []*hashlist.LineError
			var entries []*vigie.BankEntry
			for e, err := range r.All() {
				var le *hashlist.LineError
				switch {
				case errors.As(err, &le):
					bad = append(bad, le)
				case err != nil:
					t.Fatal(err)
				default:
					entries = append(entries, e)
				}
			}
			first := 1
			if f == hashlist.FormatTECSV {
				first = 2
			}
			checkBad(t, bad, []wantBad{{first, hashlist.ErrLineTooLong}})
			checkSignals(t, entries, "pdq "+pdqA)
		})
	}
}

// failingReader returns some data, then an error.
type failingReader struct{ data string }

func (f *failingReader) Read(p []byte) (int, error) {
	if f.data == "" {
		return 0, errors.New("disk on fire")
	}
	n := copy(p, f.data)
	f.data = f.data[n:]
	return n, nil
}

func TestReader_ErrRead(t *testing.T) {
	r, _ := hashlist.NewReader(&failingReader{data: "pdq " + pdqA + "\n"}, hashlist.FormatTE)
	if _, err := r.Next(); err != nil {
		t.Fatalf("first Next err=%v", err)
	}
	for range 2 {
		if _, err := r.Next(); err == nil || err == io.EOF || vigie.ErrorCode(err) != vigie.EINTERNAL {
			t.Fatalf("Next err=%v, want the read error", err)
		}
	}
	var got []error
	r2, _ := hashlist.NewReader(&failingReader{data: "x\n"}, hashlist.FormatTE)
	for _, err := range r2.All() {
		got = append(got, err)
	}
	if len(got) != 2 || !errors.Is(got[0], hashlist.ErrColumnCount) || !strings.Contains(got[1].Error(), "disk on fire") {
		t.Fatalf("All yielded %v, want a bad line then the read error", got)
	}
}

// TestLineError checks the message and the code a CLI would show.
func TestLineError(t *testing.T) {
	_, bad, _ := readAll(t, hashlist.FormatTE, "\n\npdq abc\n")
	if len(bad) != 1 {
		t.Fatalf("bad=%v, want one", bad)
	}
	if got, want := bad[0].Error(), "line 3: a pdq value has 64 hex digits, not 3"; got != want {
		t.Errorf("Error()=%q, want %q", got, want)
	}
	if got := vigie.ErrorCode(bad[0]); got != vigie.EINVALID {
		t.Errorf("ErrorCode=%q, want %q", got, vigie.EINVALID)
	}
}
