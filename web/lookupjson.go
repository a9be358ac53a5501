package web

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strconv"
)

// The lookup routes answer thousands of times a second. Their answers are
// written here by hand rather than by encoding/json's reflection (and, for
// /api/v1, its second pass over the output to indent it), byte for byte as
// writeHMA and writeJSON would write them; the tests compare the two.

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
