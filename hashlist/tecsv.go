package hashlist

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"errors"
	"io"
	"strings"

	"github.com/vigie-hotline/vigie"
)

// The te-csv format is what `threatexchange dataset -P --csv` prints
// (python-threatexchange/threatexchange/cli/dataset_cmd.py,
// execute_print_signals and _print_csv): Python's csv.DictWriter in its
// default "excel" dialect, so CRLF line ends and minimal quoting, under the
// header "signal_type,signal_str,collab,category,tags". The category is the
// name of an AggregateSignalOpinionCategory (exchanges/fetch_state.py:
// NEGATIVE_CLASS, INVESTIGATION_SEED, POSITIVE_CLASS, DISPUTED) and tags are
// joined by single spaces.
//
// In a bank entry the collab and category are strings in Metadata["collab"]
// and Metadata["category"], and the tags a list of strings in
// Metadata["tags"] ([]any, as JSON decodes it), in file order. An empty
// column leaves its key out. A tag cannot contain white space, since the
// column could not tell it from two tags.

// csvDecoder reads te-csv records after checking the header.
type csvDecoder struct{ headerSeen bool }

func (d *csvDecoder) decode(lr *lineReader, line []byte, n int, out []result) ([]result, error) {
	rec, lerr, err := csvRecord(lr, line, n)
	if err != nil || lerr != nil {
		return append(out, result{err: lerr}), err
	}
	fields, perr := parseCSV(rec)
	if !d.headerSeen {
		d.headerSeen = true
		if perr != nil || strings.Join(fields, ",") != csvHeader {
			return out, vigie.Errorf(vigie.EINVALID, "line %d: a te-csv file starts with the header %q", n, csvHeader)
		}
		return out, nil
	}
	if perr != nil {
		return append(out, result{err: lineErr(n, ErrBadCSV, "bad CSV: %v", perr)}), nil
	}
	if len(fields) != 5 {
		return append(out, result{err: lineErr(n, ErrColumnCount, "want 5 columns (%s), found %d", csvHeader, len(fields))}), nil
	}
	t, v, lerr := parseSignal(n, fields[0], fields[1])
	if lerr != nil {
		return append(out, result{err: lerr}), nil
	}
	e := &vigie.BankEntry{Signal: t, Value: v, Status: vigie.EntryActive, Metadata: csvMetadata(fields[2:])}
	return append(out, result{entry: e}), nil
}

// csvMetadata keeps collab, category and tags, leaving out empty columns.
func csvMetadata(cols []string) map[string]any {
	m := map[string]any{}
	if cols[0] != "" {
		m["collab"] = cols[0]
	}
	if cols[1] != "" {
		m["category"] = cols[1]
	}
	if tags := strings.Fields(cols[2]); len(tags) > 0 {
		list := make([]any, len(tags))
		for i, t := range tags {
			list[i] = t
		}
		m["tags"] = list
	}
	if len(m) == 0 {
		return nil
	}
	return m
}

// parseCSV parses one record with the standard CSV rules.
func parseCSV(rec []byte) ([]string, error) {
	r := csv.NewReader(bytes.NewReader(rec))
	r.FieldsPerRecord = -1
	fields, err := r.Read()
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		err = pe.Err // the line and column are those within the record
	}
	if err == io.EOF {
		err = errors.New("empty record")
	}
	return fields, err
}

// csvRecord returns the record starting at line n: the line itself, or,
// while a quoted field is open, the line joined with the following ones,
// within the line bound.
func csvRecord(lr *lineReader, line []byte, n int) ([]byte, *LineError, error) {
	open := quoteOpen(line, false)
	if !open {
		return line, nil, nil
	}
	rec := append([]byte(nil), line...)
	for open {
		more, _, err := lr.next()
		switch {
		case err == io.EOF:
			return rec, nil, nil // the parser reports the open quote
		case errors.Is(err, errTooLong):
			return skipRecord(lr, n)
		case err != nil:
			return nil, nil, err
		}
		open = quoteOpen(more, true)
		if len(rec)+1+len(more) > lr.max {
			if open {
				return skipRecord(lr, n)
			}
			return nil, tooLong(n, lr.max), nil
		}
		rec = append(append(rec, '\n'), more...)
	}
	return rec, nil, nil
}

// skipRecord reads past the end of an over-long record whose quoted field
// is still open, holding one line at a time, so that reading resumes at
// the next record. An over-long line inside it counts as inside the quote.
func skipRecord(lr *lineReader, n int) ([]byte, *LineError, error) {
	for open := true; open; {
		more, _, err := lr.next()
		switch {
		case err == io.EOF:
			open = false
		case errors.Is(err, errTooLong):
		case err != nil:
			return nil, nil, err
		default:
			open = quoteOpen(more, true)
		}
	}
	return nil, tooLong(n, lr.max), nil
}

// quoteOpen reports whether a quoted field is still open at the end of
// line, given whether one was open at its start. A quote inside an unquoted
// field does not open one (the parser rejects it), so a stray quote costs
// one bad line, not the rest of the file.
func quoteOpen(line []byte, in bool) bool {
	fieldStart := !in
	for i := 0; i < len(line); i++ {
		c := line[i]
		switch {
		case in && c == '"' && i+1 < len(line) && line[i+1] == '"':
			i++ // an escaped quote
		case in && c == '"':
			in = false
		case !in && c == ',':
			fieldStart = true
			continue
		case !in && c == '"' && fieldStart:
			in = true
		}
		fieldStart = false
	}
	return in
}

// csvEncoder writes te-csv as Python's csv module does.
type csvEncoder struct{}

func (csvEncoder) header(w *bufio.Writer) error {
	_, err := w.WriteString(csvHeader + "\r\n")
	return err
}

func (csvEncoder) encode(w *bufio.Writer, e *vigie.BankEntry) error {
	tags, err := joinTags(e.Metadata["tags"])
	if err != nil {
		return err
	}
	collab, _ := e.Metadata["collab"].(string)
	category, _ := e.Metadata["category"].(string)
	row := []string{UpstreamName(e.Signal), e.Value, collab, category, tags}
	for i, f := range row {
		if i > 0 {
			w.WriteByte(',')
		}
		w.WriteString(pyQuote(f))
	}
	_, err = w.WriteString("\r\n")
	return err
}

// joinTags joins a tag list with single spaces, as upstream does.
func joinTags(v any) (string, error) {
	var tags []string
	switch v := v.(type) {
	case nil:
		return "", nil
	case string:
		tags = strings.Fields(v)
	case []string:
		tags = v
	case []any:
		for _, t := range v {
			s, ok := t.(string)
			if !ok {
				return "", vigie.Errorf(vigie.EINVALID, "tags must be strings, not %T", t)
			}
			tags = append(tags, s)
		}
	default:
		return "", vigie.Errorf(vigie.EINVALID, "tags must be a list of strings, not %T", v)
	}
	for _, t := range tags {
		if t == "" || strings.ContainsFunc(t, isSpace) {
			return "", vigie.Errorf(vigie.EINVALID, "tag %q cannot be written to te-csv: tags are separated by spaces", clip(t))
		}
	}
	return strings.Join(tags, " "), nil
}

// isSpace matches what strings.Fields splits on, so that written tags read
// back unchanged.
func isSpace(r rune) bool { return len(strings.Fields(string(r))) == 0 }

// pyQuote quotes a field the way Python's csv.QUOTE_MINIMAL does: only when
// it holds a comma, a quote or a line break. (Go's csv.Writer also quotes
// fields with leading spaces, which upstream does not.)
func pyQuote(f string) string {
	if !strings.ContainsAny(f, ",\"\r\n") {
		return f
	}
	return `"` + strings.ReplaceAll(f, `"`, `""`) + `"`
}
