package hashlist_test

import (
	"reflect"
	"strings"
	"testing"

	"github.com/vigie-hotline/vigie"
	"github.com/vigie-hotline/vigie/hashlist"
)

// csvEntries have te-csv metadata, with a collab that needs quoting.
func csvEntries() []*vigie.BankEntry {
	es := fourEntries()
	es[0].Metadata = map[string]any{"collab": "Sample Data", "category": "POSITIVE_CLASS", "tags": []any{"csam", "verified"}}
	es[1].Metadata = map[string]any{"collab": `Hotline "Nord", Lille`, "category": "INVESTIGATION_SEED"}
	es[2].Metadata = map[string]any{"collab": "two\nlines", "tags": []any{"x"}}
	return es
}

// TestTECSV_Golden checks the exact shape of `threatexchange dataset -P
// --csv` (threatexchange/cli/dataset_cmd.py, execute_print_signals and
// _print_csv): Python csv.DictWriter, excel dialect, so CRLF and quoting
// only where needed; tags joined by a space.
func TestTECSV_Golden(t *testing.T) {
	got := writeAll(t, hashlist.FormatTECSV, nil, csvEntries())
	want := "signal_type,signal_str,collab,category,tags\r\n" +
		"pdq," + pdqA + ",Sample Data,POSITIVE_CLASS,csam verified\r\n" +
		"video_md5," + md5A + `,"Hotline ""Nord"", Lille",INVESTIGATION_SEED,` + "\r\n" +
		"sha1," + sha1A + ",\"two\nlines\",,x\r\n" +
		"video_sha256," + sha256A + ",,,\r\n"
	if got != want {
		t.Fatalf("te-csv file=\n%q\nwant\n%q", got, want)
	}
}

func TestTECSV_RoundTrip(t *testing.T) {
	in := csvEntries()
	entries, bad, _ := readAll(t, hashlist.FormatTECSV, writeAll(t, hashlist.FormatTECSV, nil, in))
	checkBad(t, bad, nil)
	checkSignals(t, entries, "pdq "+pdqA, "md5 "+md5A, "sha1 "+sha1A, "sha256 "+sha256A)
	for i, e := range entries {
		if got, want := e.Metadata, in[i].Metadata; !reflect.DeepEqual(got, want) {
			t.Errorf("entry %d Metadata=%#v, want %#v", i, got, want)
		}
	}
}

func TestTECSV_EmptyFileHasHeader(t *testing.T) {
	if got, want := writeAll(t, hashlist.FormatTECSV, nil, nil), "signal_type,signal_str,collab,category,tags\r\n"; got != want {
		t.Fatalf("file=%q, want %q", got, want)
	}
}

// TestTECSV_Import reads LF and CRLF lines, a BOM, and quoted fields.
func TestTECSV_Import(t *testing.T) {
	input := "\uFEFFsignal_type,signal_str,collab,category,tags\n" +
		`"pdq","` + strings.ToUpper(pdqA) + `","a,b","POSITIVE_CLASS","  t1   t2 "` + "\r\n" +
		"md5," + md5A + ",\"multi\r\nline \"\"quoted\"\"\",,\n" +
		"video_sha256," + sha256A + ",,,\n"
	entries, bad, sum := readAll(t, hashlist.FormatTECSV, input)
	checkBad(t, bad, nil)
	checkSignals(t, entries, "pdq "+pdqA, "md5 "+md5A, "sha256 "+sha256A)
	if got, want := entries[0].Metadata, map[string]any{"collab": "a,b", "category": "POSITIVE_CLASS", "tags": []any{"t1", "t2"}}; !reflect.DeepEqual(got, want) {
		t.Errorf("Metadata=%#v, want %#v", got, want)
	}
	if got, want := entries[1].Metadata["collab"], "multi\nline \"quoted\""; got != want {
		t.Errorf("collab=%q, want %q", got, want)
	}
	if entries[2].Metadata != nil {
		t.Errorf("Metadata=%v, want none for empty columns", entries[2].Metadata)
	}
	if got, want := sum, (hashlist.Summary{Lines: 5, Entries: 3}); got != want {
		t.Fatalf("Summary=%+v, want %+v", got, want)
	}
}

func TestTECSV_BadLines(t *testing.T) {
	const header = "signal_type,signal_str,collab,category,tags\r\n"
	input := header +
		"pdq," + pdqA + ",c,POSITIVE_CLASS,\r\n" + // 2 good
		"tmk," + pdqA + ",c,,\r\n" + // 3
		"pdq," + pdqA[:60] + ",c,,\r\n" + // 4
		"sha1," + sha1A[:39] + "z,c,,\r\n" + // 5
		"pdq," + pdqA + ",c\r\n" + // 6
		"pdq," + pdqA + `,bare"quote,,` + "\r\n" + // 7
		"pdq," + pdqA + ",\"open,,\r\n" // 8: the quote never closes
	entries, bad, sum := readAll(t, hashlist.FormatTECSV, input)
	checkSignals(t, entries, "pdq "+pdqA)
	checkBad(t, bad, []wantBad{
		{3, hashlist.ErrUnknownType},
		{4, hashlist.ErrBadLength},
		{5, hashlist.ErrBadHex},
		{6, hashlist.ErrColumnCount},
		{7, hashlist.ErrBadCSV},
		{8, hashlist.ErrBadCSV},
	})
	if got, want := sum, (hashlist.Summary{Lines: 8, Entries: 1, Bad: 6}); got != want {
		t.Fatalf("Summary=%+v, want %+v", got, want)
	}
}

// TestTECSV_ErrRecordTooLong bounds a quoted field that spans lines.
func TestTECSV_ErrRecordTooLong(t *testing.T) {
	r, err := hashlist.NewReader(strings.NewReader(
		"signal_type,signal_str,collab,category,tags\n"+
			"pdq,"+pdqA+",\"x\n"+strings.Repeat("y\n", 100)+"\",,\n"+
			"sha1,"+sha1A+",,,\n"), hashlist.FormatTECSV)
	if err != nil {
		t.Fatal(err)
	}
	r.MaxLineBytes = 150
	var bad []*hashlist.LineError
	var entries []*vigie.BankEntry
	for e, err := range r.All() {
		if le, ok := err.(*hashlist.LineError); ok {
			bad = append(bad, le)
		} else if err != nil {
			t.Fatal(err)
		} else {
			entries = append(entries, e)
		}
	}
	if len(bad) == 0 || bad[0].Line != 2 || bad[0].Err != hashlist.ErrLineTooLong {
		t.Fatalf("bad=%v, want line 2 too long first", bad)
	}
	checkSignals(t, entries, "sha1 "+sha1A)
}

func TestTECSV_ErrHeader(t *testing.T) {
	for _, input := range []string{
		"pdq," + pdqA + ",,,\r\n",
		"signal_str,signal_type,collab,category,tags\r\n",
	} {
		r, _ := hashlist.NewReader(strings.NewReader(input), hashlist.FormatTECSV)
		if _, err := r.Next(); vigie.ErrorCode(err) != vigie.EINVALID {
			t.Errorf("Next err=%v, want EINVALID for a missing header", err)
		}
		if _, err := r.Next(); vigie.ErrorCode(err) != vigie.EINVALID {
			t.Errorf("second Next err=%v, want the same fatal error", err)
		}
	}
}

func TestTECSV_ErrTagWithSpace(t *testing.T) {
	w, _ := hashlist.NewWriter(&strings.Builder{}, hashlist.FormatTECSV)
	for _, tags := range []any{[]any{"two words"}, []any{3}, 3} {
		e := &vigie.BankEntry{Signal: vigie.SignalPDQ, Value: pdqA, Metadata: map[string]any{"tags": tags}}
		if err := w.Write(e); vigie.ErrorCode(err) != vigie.EINVALID {
			t.Errorf("Write(tags %#v) err=%v, want EINVALID", tags, err)
		}
	}
}
