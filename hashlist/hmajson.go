package hashlist

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/vigie-hotline/vigie"
)

// The hma-json format is one HMA 2.x bank-content object per line, in the
// shape GET /c/bank/<name>/content/<id>?include_signals=true returns
// (hasher-matcher-actioner/src/OpenMediaMatch/blueprints/curation.py,
// bank_get_content; schemas/curation.py, BankContentResponse,
// BankedContentMetadata and BankConfig). Flask's jsonify sorts keys and
// writes compact ASCII JSON, so an object reads:
//
//	{"bank":{"matching_enabled_ratio":1.0,"name":"NCMEC"},"disable_until_ts":1,
//	 "id":42,"metadata":{"collab":null,"content_id":"c-1","content_uri":null,
//	 "json":{"case":"2024-17"}},"note":"seen twice","original_media_uri":null,
//	 "signals":{"pdq":"f8f8…"}}
//
// "metadata" is left out when empty, "note" when null, and "signals" when
// the caller did not ask for them (such a line is bad here: it holds no
// hash). disable_until_ts is 1 for enabled, 0 for disabled, or a Unix time
// until which the content is disabled (storage/interfaces.py in
// python-threatexchange, BankContentConfig).
//
// Mapping to a bank entry, one entry per signal of the object:
//
//   - id is the entry's ID; bank is not kept (the importer chooses the bank).
//   - disable_until_ts 1 is EntryActive, 0 EntryDisabled; a time is
//     EntryDisabled with Metadata["disable_until_ts"] holding it.
//   - note, original_media_uri, metadata.content_id, metadata.content_uri and
//     metadata.collab go to the Metadata keys of the same names, when not null.
//   - the keys of metadata.json (HMA's free-form object) go to Metadata too;
//     the named fields above win over a json key of the same name.
//
// Writing does the reverse: Metadata keys that fit a named HMA field (by
// name and type) go there, the rest into metadata.json, so that Vigie's
// metadata survives a round trip. An active entry is written enabled (1);
// a disabled, quarantined or deleted one disabled (0), or disabled until
// Metadata["disable_until_ts"] if it is a time.

// hmaContent is an HMA bank-content object; fields are in key order.
type hmaContent struct {
	Bank             hmaBank           `json:"bank"`
	DisableUntilTS   *int64            `json:"disable_until_ts"`
	ID               int64             `json:"id"`
	Metadata         *hmaMetadata      `json:"metadata,omitempty"`
	Note             *string           `json:"note,omitempty"`
	OriginalMediaURI *string           `json:"original_media_uri"`
	Signals          map[string]string `json:"signals,omitempty"`
}

// hmaBank is HMA's BankConfig schema.
type hmaBank struct {
	MatchingEnabledRatio json.Number `json:"matching_enabled_ratio"`
	Name                 string      `json:"name"`
}

// hmaMetadata is HMA's BankedContentMetadata, written with every key as
// pydantic's model_dump does.
type hmaMetadata struct {
	Collab     map[string][]string `json:"collab"`
	ContentID  *string             `json:"content_id"`
	ContentURI *string             `json:"content_uri"`
	JSON       map[string]any      `json:"json"`
}

// HMA's magic disable_until_ts values.
const (
	hmaDisabled = 0
	hmaEnabled  = 1
)

type hmaDecoder struct{}

func (hmaDecoder) decode(_ *lineReader, line []byte, n int, out []result) ([]result, error) {
	var c hmaContent
	if err := decodeJSON(line, &c); err != nil {
		return append(out, result{err: lineErr(n, ErrBadJSON, "bad JSON: %v", err)}), nil
	}
	if len(c.Signals) == 0 {
		return append(out, result{err: lineErr(n, ErrBadField,
			"no signals (export HMA content with include_signals=true)")}), nil
	}
	status, meta, lerr := hmaEntryFields(&c, n)
	if lerr != nil {
		return append(out, result{err: lerr}), nil
	}
	for _, name := range slices.Sorted(maps.Keys(c.Signals)) {
		t, v, lerr := parseSignal(n, name, c.Signals[name])
		if lerr != nil {
			out = append(out, result{err: lerr})
			continue
		}
		e := &vigie.BankEntry{ID: c.ID, Signal: t, Value: v, Status: status, Metadata: maps.Clone(meta)}
		out = append(out, result{entry: e})
	}
	return out, nil
}

// hmaEntryFields maps an object's state and metadata to an entry's.
func hmaEntryFields(c *hmaContent, n int) (vigie.EntryStatus, map[string]any, *LineError) {
	m := map[string]any{}
	status := vigie.EntryActive
	switch ts := c.DisableUntilTS; {
	case ts == nil || *ts == hmaEnabled:
	case *ts == hmaDisabled:
		status = vigie.EntryDisabled
	case *ts < 0:
		return "", nil, lineErr(n, ErrBadField, "disable_until_ts is negative")
	default:
		status = vigie.EntryDisabled
		m["disable_until_ts"] = json.Number(strconv.FormatInt(*ts, 10))
	}
	if md := c.Metadata; md != nil {
		maps.Copy(m, md.JSON)
		setString(m, "content_id", md.ContentID)
		setString(m, "content_uri", md.ContentURI)
		if md.Collab != nil {
			m["collab"] = collabToAny(md.Collab)
		}
	}
	setString(m, "note", c.Note)
	setString(m, "original_media_uri", c.OriginalMediaURI)
	if len(m) == 0 {
		m = nil
	}
	return status, m, nil
}

func setString(m map[string]any, key string, v *string) {
	if v != nil {
		m[key] = *v
	}
}

// collabToAny gives collab the shape JSON decoding gives an object of lists.
func collabToAny(c map[string][]string) map[string]any {
	m := make(map[string]any, len(c))
	for k, keys := range c {
		list := make([]any, len(keys))
		for i, s := range keys {
			list[i] = s
		}
		m[k] = list
	}
	return m
}

// hmaEncoder writes HMA objects naming the Writer's bank.
type hmaEncoder struct{ wr *Writer }

func (*hmaEncoder) header(*bufio.Writer) error { return nil }

func (h *hmaEncoder) encode(w *bufio.Writer, e *vigie.BankEntry) error {
	c := hmaContent{
		Bank:    hmaBankOf(h.wr.Bank),
		ID:      e.ID,
		Signals: map[string]string{UpstreamName(e.Signal): e.Value},
	}
	ts := hmaDisableTS(e)
	c.DisableUntilTS = &ts
	c.Metadata, c.Note, c.OriginalMediaURI = hmaSplitMetadata(e.Metadata)
	b, err := marshalJSON(c)
	if err != nil {
		return err
	}
	w.Write(asciiJSON(b))
	_, err = w.WriteString("\n")
	return err
}

// hmaBankOf names the bank as HMA requires (^[A-Z0-9_]+$, ExchangeCreateRequest
// in schemas/curation.py) and gives a disabled bank a matching ratio of 0.
func hmaBankOf(b *vigie.Bank) hmaBank {
	if b == nil {
		return hmaBank{MatchingEnabledRatio: "1.0", Name: "VIGIE"}
	}
	name := strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' {
			return r - 'a' + 'A'
		}
		if r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' {
			return r
		}
		return '_'
	}, b.Name)
	ratio := json.Number("1.0") // Python writes a float with its point
	if !b.Enabled {
		ratio = "0.0"
	}
	return hmaBank{MatchingEnabledRatio: ratio, Name: name}
}

// hmaDisableTS is disable_until_ts for e's status.
func hmaDisableTS(e *vigie.BankEntry) int64 {
	if e.Status == vigie.EntryActive || e.Status == "" {
		return hmaEnabled
	}
	if ts, ok := asInt64(e.Metadata["disable_until_ts"]); ok && ts > hmaEnabled {
		return ts
	}
	return hmaDisabled
}

// hmaSplitMetadata puts each Metadata key in its HMA field when its type
// fits, and the others in metadata.json.
func hmaSplitMetadata(m map[string]any) (*hmaMetadata, *string, *string) {
	var md hmaMetadata
	var note, uri *string
	extra := map[string]any{}
	for k, v := range m {
		s, isString := v.(string)
		switch {
		case k == "disable_until_ts":
			// Carried by the top-level field.
		case k == "note" && isString:
			note = &s
		case k == "original_media_uri" && isString:
			uri = &s
		case k == "content_id" && isString:
			md.ContentID = &s
		case k == "content_uri" && isString:
			md.ContentURI = &s
		case k == "collab" && asCollab(v, &md.Collab):
		default:
			extra[k] = v
		}
	}
	if len(extra) > 0 {
		md.JSON = extra
	}
	if md.Collab == nil && md.ContentID == nil && md.ContentURI == nil && md.JSON == nil {
		return nil, note, uri
	}
	return &md, note, uri
}

// asCollab stores v in *dst if it is an object of string lists.
func asCollab(v any, dst *map[string][]string) bool {
	obj, ok := v.(map[string]any)
	if !ok {
		return false
	}
	c := make(map[string][]string, len(obj))
	for k, list := range obj {
		items, ok := list.([]any)
		if !ok {
			return false
		}
		keys := make([]string, 0, len(items))
		for _, it := range items {
			s, ok := it.(string)
			if !ok {
				return false
			}
			keys = append(keys, s)
		}
		c[k] = keys
	}
	*dst = c
	return true
}

// asInt64 reads an integer from a metadata value.
func asInt64(v any) (int64, bool) {
	switch v := v.(type) {
	case int64:
		return v, true
	case int:
		return int64(v), true
	case float64:
		return int64(v), v == float64(int64(v))
	case json.Number:
		i, err := v.Int64()
		return i, err == nil
	}
	return 0, false
}

// asciiJSON escapes non-ASCII characters as \uXXXX, as Python's json module
// (and so Flask) does by default. JSON syntax is ASCII, so every byte past
// 0x7f is inside a string.
func asciiJSON(b []byte) []byte {
	if !slices.ContainsFunc(b, func(c byte) bool { return c >= utf8.RuneSelf }) {
		return b
	}
	var out bytes.Buffer
	for _, r := range string(b) {
		switch {
		case r < utf8.RuneSelf:
			out.WriteRune(r)
		case r > 0xFFFF:
			r -= 0x10000
			fmt.Fprintf(&out, `\u%04x\u%04x`, 0xD800+(r>>10), 0xDC00+(r&0x3FF))
		default:
			fmt.Fprintf(&out, `\u%04x`, r)
		}
	}
	return out.Bytes()
}
