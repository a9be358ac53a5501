package web

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strconv"
)

// The lookup routes answer thousands of times a second. Their answers are
// written here by hand rather than by encoding/json's reflection (and, for
// /api/v1, its second pass over the output to indent it), byte for byte as
// writeHMA and writeJSON would write them, and the usual body of a lookup
// is read by hand as decodeJSON would read it; the tests compare the two.

// writeLookupResponse writes resp as writeJSON would.
func writeLookupResponse(w http.ResponseWriter, resp lookupResponse) {
	b, ok := appendLookupResponse(make([]byte, 0, 128+384*len(resp.Matches)), resp)
	if !ok {
		writeJSON(w, http.StatusOK, resp)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusOK)
	w.Write(b)
}

// appendLookupResponse appends resp indented by two spaces, as writeJSON's
// encoder does, or reports false for what it leaves to the encoder: an
// answer with fingerprints (an image lookup) or metadata it cannot encode.
func appendLookupResponse(b []byte, resp lookupResponse) ([]byte, bool) {
	if resp.Fingerprints != nil {
		return b, false
	}
	if resp.Matches == nil {
		return append(b, "{\n  \"matches\": null\n}\n"...), true
	}
	if len(resp.Matches) == 0 {
		return append(b, "{\n  \"matches\": []\n}\n"...), true
	}
	b = append(b, "{\n  \"matches\": ["...)
	for i, m := range resp.Matches {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, "\n    {\n      \"bank\": "...)
		b = appendJSONString(b, m.Bank, true)
		b = append(b, ",\n      \"bank_kind\": "...)
		b = appendJSONString(b, m.BankKind, true)
		b = append(b, ",\n      \"source\": "...)
		b = appendJSONString(b, m.Source, true)
		b = append(b, ",\n      \"entry_id\": "...)
		b = strconv.AppendInt(b, m.EntryID, 10)
		b = append(b, ",\n      \"signal_type\": "...)
		b = appendJSONString(b, m.SignalType, true)
		b = append(b, ",\n      \"value\": "...)
		b = appendJSONString(b, m.Value, true)
		b = append(b, ",\n      \"distance\": "...)
		b = strconv.AppendInt(b, int64(m.Distance), 10)
		b = append(b, ",\n      \"metadata\": "...)
		if m.Metadata != nil && len(m.Metadata) == 0 {
			b = append(b, "{}"...)
		} else {
			meta, err := json.MarshalIndent(m.Metadata, "      ", "  ")
			if err != nil {
				return b, false
			}
			b = append(b, meta...)
		}
		b = append(b, ",\n      \"query\": "...)
		b = appendJSONString(b, m.Query, true)
		b = append(b, "\n    }"...)
	}
	return append(b, "\n  ]\n}\n"...), true
}

// appendJSONString appends s as a JSON string, as an encoder with or
// without HTML escaping writes it.
func appendJSONString(b []byte, s string, escapeHTML bool) []byte {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < 0x20 || c >= 0x7f || c == '"' || c == '\\' || escapeHTML && (c == '<' || c == '>' || c == '&') {
			var buf bytes.Buffer // rare: let the encoder escape it
			enc := json.NewEncoder(&buf)
			enc.SetEscapeHTML(escapeHTML)
			enc.Encode(s)
			return append(b, bytes.TrimSuffix(buf.Bytes(), []byte("\n"))...)
		}
	}
	b = append(b, '"')
	b = append(b, s...)
	return append(b, '"')
}

// lookupBody is the JSON body of a signal lookup.
type lookupBody struct {
	SignalType string `json:"signal_type"`
	Value      string `json:"value"`
}

// maxPlainLookupBody bounds the bodies decodeLookupBody parses by hand; a
// PDQ lookup is about 95 bytes.
const maxPlainLookupBody = 512

// decodeLookupBody reads a lookup body as decodeJSON would. The body
// partners send, small and plain, is parsed by hand; any other is left to
// decodeJSON, which then reads the same bytes.
func decodeLookupBody(w http.ResponseWriter, r *http.Request) (lookupBody, error) {
	if n := r.ContentLength; n > 0 && n <= maxPlainLookupBody {
		buf := make([]byte, n)
		got, err := io.ReadFull(r.Body, buf)
		if err == nil {
			if body, ok := parsePlainLookupBody(buf); ok {
				return body, nil
			}
		}
		r.Body = readCloser{io.MultiReader(bytes.NewReader(buf[:got]), r.Body), r.Body}
	}
	var body lookupBody
	err := decodeJSON(w, r, maxJSONBody, &body)
	return body, err
}

type readCloser struct {
	io.Reader
	io.Closer
}

// parsePlainLookupBody parses b if it is an object with exactly the keys
// signal_type and value, once each, whose strings are printable ASCII with
// no escapes, with nothing but white space around and after it. It reports
// false for anything else, valid JSON or not.
func parsePlainLookupBody(b []byte) (lookupBody, bool) {
	var body lookupBody
	var haveType, haveValue bool
	p := plainJSON{b: b}
	if !p.next('{') {
		return body, false
	}
	for i := range 2 {
		if i > 0 && !p.next(',') {
			return body, false
		}
		key, ok := p.str()
		if !ok || !p.next(':') {
			return body, false
		}
		val, ok := p.str()
		switch {
		case !ok:
			return body, false
		case key == "signal_type" && !haveType:
			body.SignalType, haveType = val, true
		case key == "value" && !haveValue:
			body.Value, haveValue = val, true
		default:
			return body, false
		}
	}
	if !p.next('}') {
		return body, false
	}
	p.space()
	return body, p.i == len(p.b)
}

// plainJSON reads the tokens parsePlainLookupBody accepts.
type plainJSON struct {
	b []byte
	i int
}

func (p *plainJSON) space() {
	for p.i < len(p.b) && (p.b[p.i] == ' ' || p.b[p.i] == '\t' || p.b[p.i] == '\n' || p.b[p.i] == '\r') {
		p.i++
	}
}

// next skips white space and then c, or reports false.
func (p *plainJSON) next(c byte) bool {
	p.space()
	if p.i == len(p.b) || p.b[p.i] != c {
		return false
	}
	p.i++
	return true
}

// str reads a string of printable ASCII without escapes.
func (p *plainJSON) str() (string, bool) {
	if !p.next('"') {
		return "", false
	}
	start := p.i
	for ; p.i < len(p.b) && p.b[p.i] != '"'; p.i++ {
		if c := p.b[p.i]; c < 0x20 || c >= 0x7f || c == '\\' {
			return "", false
		}
	}
	if p.i == len(p.b) {
		return "", false
	}
	p.i++
	return string(p.b[start : p.i-1]), true
}
