package hashlist_test

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"github.com/vigie-hotline/vigie"
	"github.com/vigie-hotline/vigie/hashlist"
)

// TestHMAJSON_Golden checks the exact shape of HMA 2.x
// GET /c/bank/<name>/content/<id>?include_signals=true
// (hasher-matcher-actioner/src/OpenMediaMatch/blueprints/curation.py
// bank_get_content, schemas/curation.py BankContentResponse): Flask's
// jsonify sorts keys and writes compact ASCII; metadata (pydantic
// model_dump) has all four keys, null when unset; note is left out when
// null; original_media_uri is always there.
func TestHMAJSON_Golden(t *testing.T) {
	es := fourEntries()
	es[0].ID = 42
	es[0].Metadata = map[string]any{
		"content_id": "ext-7", "note": "vu deux fois", "case": "2024-17",
		"collab": map[string]any{"NCMEC": []any{"k1", "k2"}},
	}
	es[1].ID = 43
	es[1].Status = vigie.EntryDisabled
	es[1].Metadata = map[string]any{"original_media_uri": "https://example.org/a.jpg", "note": "é"}
	bank := &vigie.Bank{Name: "ncmec-known.v2", Enabled: true}
	got := writeAll(t, hashlist.FormatHMAJSON, bank, es[:3])
	want := `{"bank":{"matching_enabled_ratio":1.0,"name":"NCMEC_KNOWN_V2"},"disable_until_ts":1,"id":42,` +
		`"metadata":{"collab":{"NCMEC":["k1","k2"]},"content_id":"ext-7","content_uri":null,"json":{"case":"2024-17"}},` +
		`"note":"vu deux fois","original_media_uri":null,"signals":{"pdq":"` + pdqA + `"}}` + "\n" +
		`{"bank":{"matching_enabled_ratio":1.0,"name":"NCMEC_KNOWN_V2"},"disable_until_ts":0,"id":43,` +
		`"note":"\u00e9","original_media_uri":"https://example.org/a.jpg","signals":{"video_md5":"` + md5A + `"}}` + "\n" +
		`{"bank":{"matching_enabled_ratio":1.0,"name":"NCMEC_KNOWN_V2"},"disable_until_ts":1,"id":0,` +
		`"original_media_uri":null,"signals":{"sha1":"` + sha1A + `"}}` + "\n"
	if got != want {
		t.Fatalf("hma-json=\n%s\nwant\n%s", got, want)
	}
}

func TestHMAJSON_RoundTrip(t *testing.T) {
	in := fourEntries()
	for i, e := range in {
		e.ID = int64(100 + i)
	}
	in[0].Metadata = map[string]any{
		"content_id": "c1", "content_uri": "https://example.org/c1", "note": "<b>&",
		"collab": "Sample Data", "category": "POSITIVE_CLASS", "tags": []any{"a", "b"},
		"nested": map[string]any{"n": json.Number("12345678901234567890")}, "json": map[string]any{"x": true},
	}
	in[1].Status = vigie.EntryDisabled
	in[2].Status = vigie.EntryDisabled
	in[2].Metadata = map[string]any{"disable_until_ts": json.Number("1900000000"), "note": json.Number("7")}
	in[3].Metadata = map[string]any{"collab": map[string]any{"TE": []any{"1", "2"}}, "original_media_uri": "u"}
	entries, bad, _ := readAll(t, hashlist.FormatHMAJSON, writeAll(t, hashlist.FormatHMAJSON, nil, in))
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

// TestHMAJSON_Import reads objects as HMA writes them, with several signals
// per content and nulls.
func TestHMAJSON_Import(t *testing.T) {
	input := `{"bank":{"matching_enabled_ratio":1.0,"name":"B"},"disable_until_ts":1,"id":7,` +
		`"metadata":{"collab":null,"content_id":null,"content_uri":"https://x","json":null},` +
		`"original_media_uri":null,"signals":{"video_md5":"` + strings.ToUpper(md5A) + `","pdq":"` + pdqA + `"}}` + "\r\n" +
		`{"bank":{"matching_enabled_ratio":0.5,"name":"B"},"disable_until_ts":1700000000,"id":8,"signals":{"pdq":"` + pdqB + `"}}` + "\n"
	entries, bad, sum := readAll(t, hashlist.FormatHMAJSON, input)
	checkBad(t, bad, nil)
	checkSignals(t, entries, "pdq "+pdqA, "md5 "+md5A, "pdq "+pdqB) // signals in name order
	if e := entries[0]; e.ID != 7 || e.Status != vigie.EntryActive || !reflect.DeepEqual(e.Metadata, map[string]any{"content_uri": "https://x"}) {
		t.Errorf("entry 0=%+v", e)
	}
	want := map[string]any{"disable_until_ts": json.Number("1700000000")}
	if e := entries[2]; e.ID != 8 || e.Status != vigie.EntryDisabled || !reflect.DeepEqual(e.Metadata, want) {
		t.Errorf("entry 2=%+v", e)
	}
	if got, want := sum, (hashlist.Summary{Lines: 2, Entries: 3}); got != want {
		t.Fatalf("Summary=%+v, want %+v", got, want)
	}
}

func TestHMAJSON_BadLines(t *testing.T) {
	obj := func(signals string) string {
		return `{"bank":{"matching_enabled_ratio":1.0,"name":"B"},"disable_until_ts":1,"id":1,"signals":` + signals + "}\n"
	}
	input := obj(`{"pdq":"`+pdqA+`"}`) + // 1 good
		obj(`{"vpdq":"`+pdqA+`"}`) + // 2
		obj(`{"pdq":"`+pdqA[:62]+`"}`) + // 3
		obj(`{"video_md5":"`+md5A[:31]+`x","pdq":"`+pdqB+`"}`) + // 4: one bad, one good
		`{"id":1,"signals":{"pdq":` + "\n" + // 5
		`{"bank":{"matching_enabled_ratio":1.0,"name":"B"},"disable_until_ts":1,"id":1}` + "\n" + // 6
		obj(`{"pdq":1}`) + // 7
		`{"disable_until_ts":-5,"signals":{"pdq":"` + pdqA + `"}}` + "\n" + // 8
		obj(`{"sha1":"`+sha1A+`"}`) + "trailing\n" // 9, 10
	entries, bad, sum := readAll(t, hashlist.FormatHMAJSON, input)
	checkSignals(t, entries, "pdq "+pdqA, "pdq "+pdqB, "sha1 "+sha1A)
	checkBad(t, bad, []wantBad{
		{2, hashlist.ErrUnknownType},
		{3, hashlist.ErrBadLength},
		{4, hashlist.ErrBadHex},
		{5, hashlist.ErrBadJSON},
		{6, hashlist.ErrBadField},
		{7, hashlist.ErrBadJSON},
		{8, hashlist.ErrBadField},
		{10, hashlist.ErrBadJSON},
	})
	if got, want := sum, (hashlist.Summary{Lines: 10, Entries: 3, Bad: 8}); got != want {
		t.Fatalf("Summary=%+v, want %+v", got, want)
	}
}

// TestHMAJSON_DisabledBank writes a disabled bank with a matching ratio of 0.
func TestHMAJSON_DisabledBank(t *testing.T) {
	got := writeAll(t, hashlist.FormatHMAJSON, &vigie.Bank{Name: "Benign"}, fourEntries()[:1])
	if want := `{"bank":{"matching_enabled_ratio":0.0,"name":"BENIGN"},`; !strings.HasPrefix(got, want) {
		t.Fatalf("hma-json=%s, want prefix %s", got, want)
	}
}
