// Package hashlist reads and writes hash list files in the formats that
// hotlines exchange: python-threatexchange's local files ("te") and CSV
// datasets ("te-csv"), Hasher-Matcher-Actioner 2.x bank content ("hma-json")
// and Vigie's own JSON Lines ("jsonl").
//
// Readers stream: they hold one line at a time, however long the file. A bad
// line does not stop a read; the reader reports it as a *LineError with its
// line number and moves on, where upstream tools drop it silently.
//
// The package imports only the standard library and the root package.
package hashlist

import (
	"bytes"
	"encoding/json"
	"strings"

	"github.com/vigie-hotline/vigie"
)

// Format names a hash list file format.
type Format string

// Formats.
const (
	// FormatTE is python-threatexchange's local-file format, also what
	// `threatexchange hash` prints: "<signal_type> <value>" per line.
	FormatTE Format = "te"
	// FormatTECSV is what `threatexchange dataset -P --csv` writes: a header
	// "signal_type,signal_str,collab,category,tags" and CRLF rows.
	FormatTECSV Format = "te-csv"
	// FormatHMAJSON is one HMA 2.x bank-content object per line, as
	// GET /c/bank/<name>/content/<id>?include_signals=true returns it.
	FormatHMAJSON Format = "hma-json"
	// FormatJSONL is Vigie's JSON Lines with every field of a bank entry.
	FormatJSONL Format = "jsonl"
)

// Formats lists the formats this package reads and writes.
func Formats() []Format {
	return []Format{FormatTE, FormatTECSV, FormatHMAJSON, FormatJSONL}
}

// ParseFormat returns the format named s (case-insensitive), or EINVALID.
func ParseFormat(s string) (Format, error) {
	f := Format(strings.ToLower(strings.TrimSpace(s)))
	for _, known := range Formats() {
		if f == known {
			return f, nil
		}
	}
	return "", vigie.Errorf(vigie.EINVALID, "unknown hash list format %q (use te, te-csv, hma-json or jsonl)", s)
}

// csvHeader is the header row `threatexchange dataset --csv` writes
// (python-threatexchange/threatexchange/cli/dataset_cmd.py, execute_print_signals).
const csvHeader = "signal_type,signal_str,collab,category,tags"

// Detect guesses the format of a file from its first bytes (a few hundred
// are plenty; the first line decides). It returns EINVALID if the head looks
// like none of the formats.
func Detect(head []byte) (Format, error) {
	head = bytes.TrimPrefix(head, []byte(utf8BOM))
	head = bytes.TrimLeft(head, " \t\r\n")
	line, _, _ := bytes.Cut(head, []byte("\n"))
	line = bytes.TrimRight(line, " \t\r")
	switch {
	case len(line) == 0:
		return "", vigie.Errorf(vigie.EINVALID, "the file is empty; name its format")
	case line[0] == '{':
		return detectJSON(line), nil
	case bytes.HasPrefix(line, []byte("signal_type,signal_str")):
		return FormatTECSV, nil
	case looksTE(string(line)):
		return FormatTE, nil
	}
	return "", vigie.Errorf(vigie.EINVALID, "cannot tell the format of the file; name it (te, te-csv, hma-json or jsonl)")
}

// detectJSON tells HMA content from Vigie entries by their signal field.
// The head may end mid-object, so when the line does not parse the keys are
// looked for as text.
func detectJSON(line []byte) Format {
	var obj map[string]json.RawMessage
	if json.Unmarshal(line, &obj) == nil {
		if _, ok := obj["signals"]; ok {
			return FormatHMAJSON
		}
		return FormatJSONL
	}
	if bytes.Contains(line, []byte(`"signals"`)) {
		return FormatHMAJSON
	}
	return FormatJSONL
}

// looksTE reports whether line is "<known type> <value>".
func looksTE(line string) bool {
	name, value, ok := strings.Cut(line, " ")
	if !ok || value == "" {
		return false
	}
	_, err := vigie.ParseSignalType(name)
	return err == nil
}

// utf8BOM is the byte order mark spreadsheet programs put before a CSV file.
const utf8BOM = "\uFEFF"
