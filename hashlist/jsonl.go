package hashlist

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"time"

	"github.com/vigie-hotline/vigie"
)

// The jsonl format is Vigie's own: one object per line with every field of
// vigie.BankEntry, for backups and transfers between Vigie instances.
// Metadata numbers are read as json.Number, so that large ids stay exact.

// jsonlEntry is a vigie.BankEntry as a line of JSON.
type jsonlEntry struct {
	ID        int64             `json:"id"`
	BankID    int64             `json:"bank_id"`
	Signal    vigie.SignalType  `json:"signal"`
	Value     string            `json:"value"`
	Metadata  map[string]any    `json:"metadata"`
	AddedBy   string            `json:"added_by"`
	AddedAt   time.Time         `json:"added_at"`
	Status    vigie.EntryStatus `json:"status"`
	Seq       int64             `json:"seq"`
	UpdatedAt time.Time         `json:"updated_at"`
}

type jsonlDecoder struct{}

func (jsonlDecoder) decode(_ *lineReader, line []byte, n int, out []result) ([]result, error) {
	var j jsonlEntry
	if err := decodeJSON(line, &j); err != nil {
		return append(out, result{err: lineErr(n, ErrBadJSON, "bad JSON: %v", err)}), nil
	}
	t, v, lerr := parseSignal(n, string(j.Signal), j.Value)
	if lerr != nil {
		return append(out, result{err: lerr}), nil
	}
	status, ok := parseStatus(j.Status)
	if !ok {
		return append(out, result{err: lineErr(n, ErrBadField, "unknown status %q", clip(string(j.Status)))}), nil
	}
	e := vigie.BankEntry(j)
	e.Signal, e.Value, e.Status = t, v, status
	return append(out, result{entry: &e}), nil
}

// parseStatus accepts the entry statuses; none means active.
func parseStatus(s vigie.EntryStatus) (vigie.EntryStatus, bool) {
	switch s {
	case "":
		return vigie.EntryActive, true
	case vigie.EntryActive, vigie.EntryDisabled, vigie.EntryQuarantined, vigie.EntryDeleted:
		return s, true
	}
	return "", false
}

type jsonlEncoder struct{}

func (jsonlEncoder) header(*bufio.Writer) error { return nil }

func (jsonlEncoder) encode(w *bufio.Writer, e *vigie.BankEntry) error {
	b, err := marshalJSON(jsonlEntry(*e))
	if err != nil {
		return err
	}
	w.Write(b)
	_, err = w.WriteString("\n")
	return err
}

// decodeJSON decodes exactly one JSON value from line, numbers as
// json.Number.
func decodeJSON(line []byte, v any) error {
	d := json.NewDecoder(bytes.NewReader(line))
	d.UseNumber()
	if err := d.Decode(v); err != nil {
		return err
	}
	if _, err := d.Token(); err != io.EOF {
		return errors.New("text after the JSON object")
	}
	return nil
}

// marshalJSON encodes v on one line without HTML escaping, which neither
// upstream nor a file needs; metadata that JSON cannot hold is EINVALID.
func marshalJSON(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, vigie.Errorf(vigie.EINVALID, "the entry cannot be written as JSON: %v", err)
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}
