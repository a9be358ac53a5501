package hashlist_test

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/vigie-hotline/vigie"
	"github.com/vigie-hotline/vigie/hashlist"
)

func jsonlEntries() []*vigie.BankEntry {
	at := time.Date(2026, 3, 14, 9, 26, 53, 589793000, time.UTC)
	es := fourEntries()
	for i, e := range es {
		e.ID, e.BankID, e.Seq = int64(i+1), 3, int64(1000+i)
		e.AddedBy, e.AddedAt, e.UpdatedAt = "analyst1", at, at.Add(time.Hour)
	}
	es[0].Metadata = map[string]any{"tags": []any{"a"}, "te_id": json.Number("4180428575337001"), "html": "<&>"}
	es[1].Status = vigie.EntryQuarantined
	es[2].Status = vigie.EntryDeleted
	es[3].Metadata = map[string]any{}
	return es
}

// TestJSONL_Golden pins Vigie's own line shape: every field, snake_case.
func TestJSONL_Golden(t *testing.T) {
	got := writeAll(t, hashlist.FormatJSONL, nil, jsonlEntries()[:2])
	want := `{"id":1,"bank_id":3,"signal":"pdq","value":"` + pdqA + `","metadata":{"html":"<&>","tags":["a"],"te_id":4180428575337001},` +
		`"added_by":"analyst1","added_at":"2026-03-14T09:26:53.589793Z","status":"active","seq":1000,"updated_at":"2026-03-14T10:26:53.589793Z"}` + "\n" +
		`{"id":2,"bank_id":3,"signal":"md5","value":"` + md5A + `","metadata":null,` +
		`"added_by":"analyst1","added_at":"2026-03-14T09:26:53.589793Z","status":"quarantined","seq":1001,"updated_at":"2026-03-14T10:26:53.589793Z"}` + "\n"
	if got != want {
		t.Fatalf("jsonl=\n%s\nwant\n%s", got, want)
	}
}

func TestJSONL_RoundTrip(t *testing.T) {
	in := jsonlEntries()
	entries, bad, _ := readAll(t, hashlist.FormatJSONL, writeAll(t, hashlist.FormatJSONL, nil, in))
	checkBad(t, bad, nil)
	if len(entries) != len(in) {
		t.Fatalf("read %d entries, want %d", len(entries), len(in))
	}
	for i, e := range entries {
		if !reflect.DeepEqual(*e, *in[i]) {
			t.Errorf("entry %d=%#v\nwant %#v", i, *e, *in[i])
		}
	}
}

func TestJSONL_BadLines(t *testing.T) {
	line := func(signal, value, status string) string {
		return `{"signal":"` + signal + `","value":"` + value + `","status":"` + status + `"}` + "\r\n"
	}
	input := line("video_md5", strings.ToUpper(md5A), "") + // 1 good, alias, defaults to active
		line("photodna", md5A, "active") + // 2
		line("sha256", sha256A[:10], "active") + // 3
		line("sha1", "-"+sha1A[1:], "active") + // 4
		line("pdq", pdqA, "pending") + // 5
		`{"signal":"pdq","value":` + "\r\n" + // 6
		`{"signal":"pdq","value":"` + pdqA + `","seq":"x"}` + "\r\n" + // 7
		"\r\n" + // 8 blank
		line("pdq", pdqB, "disabled") // 9 good
	entries, bad, sum := readAll(t, hashlist.FormatJSONL, input)
	checkSignals(t, entries, "md5 "+md5A, "pdq "+pdqB)
	if entries[0].Status != vigie.EntryActive || entries[1].Status != vigie.EntryDisabled {
		t.Errorf("statuses=%q %q, want active disabled", entries[0].Status, entries[1].Status)
	}
	checkBad(t, bad, []wantBad{
		{2, hashlist.ErrUnknownType},
		{3, hashlist.ErrBadLength},
		{4, hashlist.ErrBadHex},
		{5, hashlist.ErrBadField},
		{6, hashlist.ErrBadJSON},
		{7, hashlist.ErrBadJSON},
	})
	if got, want := sum, (hashlist.Summary{Lines: 9, Entries: 2, Bad: 6}); got != want {
		t.Fatalf("Summary=%+v, want %+v", got, want)
	}
}
