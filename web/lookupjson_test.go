package web

import (
	"bytes"
	"fmt"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"

	vigie "github.com/vigie-hotline/vigie"
)

// TestWriteHMAMatches checks that the hand-written lookup answer is the
// encoder's, byte for byte and header for header.
func TestWriteHMAMatches(t *testing.T) {
	type m struct {
		bank     string
		entry    int64
		distance int
	}
	for _, tc := range []struct {
		name    string
		matches []m
	}{
		{"Empty", nil},
		{"OneMatch", []m{{"ncmec", 42, 8}}},
		{"SortedBanks", []m{{"zeta", 9, 0}, {"alpha", 2, 128}, {"zeta", 3, 31}, {"Alpha", 1, 12},
			{"zeta", 1 << 40, 1}, {"a.b-c", 7, 0}}},
		{"EscapedNames", []m{{`quote"back\slash`, 1, 1}, {"<html>&amp;", 2, 2}, {"tab\tnl\nnul\x00", 3, 3},
			{"été\u2028\u2029", 4, 4}, {"bad\xffutf8\x7f", 5, 5}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			banks := map[string]*vigie.Bank{}
			var matches []*vigie.Match
			for _, tm := range tc.matches {
				if banks[tm.bank] == nil {
					banks[tm.bank] = &vigie.Bank{Name: tm.bank}
				}
				matches = append(matches, &vigie.Match{Bank: banks[tm.bank], Entry: &vigie.BankEntry{ID: tm.entry}, Distance: tm.distance})
			}
			want := hmaByBank(matches) // before writeHMAMatches sorts matches
			sameResponse(t, func(w http.ResponseWriter) { writeHMAMatches(w, matches) },
				func(w http.ResponseWriter) { writeHMA(w, 200, want) })
		})
	}
}

// TestWriteLookupResponse checks that the hand-written answer of POST
// /api/v1/lookup is writeJSON's, byte for byte and header for header.
func TestWriteLookupResponse(t *testing.T) {
	match := apiMatch{Bank: "ncmec", BankKind: "known", Source: "NCMEC", EntryID: 7, SignalType: "pdq",
		Value: "f8f8f0cee0f4a84f06370a22038f63f0b36e2ed596621e1d33e6b39c4e9c9b22", Distance: 8,
		Metadata: map[string]any{}, Query: "f8f8f0cee0f4a84f06370a22038f63f0b36e2ed596621e1d33e6b39c4e9c9b23"}
	with := func(f func(m *apiMatch)) apiMatch {
		m := match
		f(&m)
		return m
	}
	for _, tc := range []struct {
		name string
		resp lookupResponse
	}{
		{"NilMatches", lookupResponse{}},
		{"NoMatch", lookupResponse{Matches: []apiMatch{}}},
		{"OneMatch", lookupResponse{Matches: []apiMatch{match}}},
		{"TwoMatches", lookupResponse{Matches: []apiMatch{match, with(func(m *apiMatch) { m.EntryID, m.Distance = 1<<40, 0 })}}},
		{"Metadata", lookupResponse{Matches: []apiMatch{with(func(m *apiMatch) {
			m.Metadata = map[string]any{"category": "A1", "z": []any{1.5, "<b>&", nil, true, map[string]any{}},
				"nested": map[string]any{"b": []any{}, "a": map[string]any{"x": "é\u2028"}}, "n": 12.0}
		})}}},
		{"NilMetadata", lookupResponse{Matches: []apiMatch{with(func(m *apiMatch) { m.Metadata = nil })}}},
		{"EscapedStrings", lookupResponse{Matches: []apiMatch{with(func(m *apiMatch) {
			m.Bank, m.Source, m.Query = "a<b>&c", "quote\"back\\slash\ttab", "été\u2028\xff"
			m.SignalType, m.Value, m.Distance = "&amp;", "a>b", -1
		})}}},
		{"Fingerprints", lookupResponse{Matches: []apiMatch{match}, Fingerprints: &apiFingerprints{PDQ: match.Value, Quality: 100}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sameResponse(t, func(w http.ResponseWriter) { writeLookupResponse(w, tc.resp) },
				func(w http.ResponseWriter) { writeJSON(w, 200, tc.resp) })
		})
	}
}

// FuzzDecodeLookupBody checks that decodeLookupBody reads every body as
// decodeJSON does: the same fields, or the same error.
func FuzzDecodeLookupBody(f *testing.F) {
	pdq := "f8f8f0cee0f4a84f06370a22038f63f0b36e2ed596621e1d33e6b39c4e9c9b22"
	for _, body := range []string{
		`{"signal_type":"pdq","value":"` + pdq + `"}`,
		` { "value" : "` + pdq + `" ,` + "\n\t" + `"signal_type":"md5" } ` + "\r\n",
		`{"signal_type":"pdq","value":"` + pdq + `"}trailing`,
		`{"signal_type":"pdq","value":"` + pdq + `"}{}`,
		`{"signal_type":"pdq","signal_type":"md5","value":""}`,
		`{"signal_type":"pdq"}`,
		`{"value":"a","value":"b"}`,
		`{"Signal_Type":"pdq","VALUE":"x"}`,
		`{"signal_type":"p\u0064q","value":"\"<&>"}`,
		`{"signal_type":"pdq","value":"été"}`,
		"{\"signal_type\":\"pdq\",\"value\":\"\xff\"}",
		`{"signal_type":"pdq","value":"` + pdq + `","extra":1}`,
		`{"signal_type":"pdq","value":null}`,
		`{"signal_type":"pdq","value":12}`,
		`{"signal_type":"pdq",}`,
		`{"signal_type":"pdq","value":"x"`,
		`{"signal_type":"pdq","value":"x`,
		`[]`, `null`, `""`, `{}`, ``, ` `, `{`, `}`,
	} {
		f.Add([]byte(body))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		r := httptest.NewRequest("POST", "/api/v1/lookup", bytes.NewReader(body))
		got, gotErr := decodeLookupBody(httptest.NewRecorder(), r)
		r = httptest.NewRequest("POST", "/api/v1/lookup", bytes.NewReader(body))
		var want lookupBody
		wantErr := decodeJSON(httptest.NewRecorder(), r, maxJSONBody, &want)
		if got != want || fmt.Sprint(gotErr) != fmt.Sprint(wantErr) || vigie.ErrorCode(gotErr) != vigie.ErrorCode(wantErr) {
			t.Fatalf("body %q: got %+v, %v; want %+v, %v", body, got, gotErr, want, wantErr)
		}
	})
}

// TestDecodeLookupBodyShort checks a body shorter than its Content-Length:
// the bytes read ahead go to decodeJSON.
func TestDecodeLookupBodyShort(t *testing.T) {
	for _, body := range []string{`{"signal_type":"pdq","value":"x"}`, `{"signal_type":"pdq"`} {
		r := httptest.NewRequest("POST", "/api/v1/lookup", strings.NewReader(body))
		r.ContentLength = int64(len(body) + 10)
		got, gotErr := decodeLookupBody(httptest.NewRecorder(), r)
		r = httptest.NewRequest("POST", "/api/v1/lookup", strings.NewReader(body))
		var want lookupBody
		wantErr := decodeJSON(httptest.NewRecorder(), r, maxJSONBody, &want)
		if got != want || fmt.Sprint(gotErr) != fmt.Sprint(wantErr) {
			t.Fatalf("body %q: got %+v, %v; want %+v, %v", body, got, gotErr, want, wantErr)
		}
	}
}

// sameResponse fails t unless write gives the status, headers and body
// that reference gives.
func sameResponse(t *testing.T, write, reference func(http.ResponseWriter)) {
	t.Helper()
	got, want := httptest.NewRecorder(), httptest.NewRecorder()
	write(got)
	reference(want)
	if got.Body.String() != want.Body.String() {
		t.Fatalf("body=%q, want %q", got.Body, want.Body)
	}
	if !reflect.DeepEqual(got.Header(), want.Header()) || got.Code != want.Code {
		t.Fatalf("status=%d header=%v, want %d %v", got.Code, got.Header(), want.Code, want.Header())
	}
}
