package hashlist

import (
	"bufio"
	"strings"

	"github.com/vigie-hotline/vigie"
)

// The te format is what python-threatexchange's LocalFileSignalExchangeAPI
// reads (exchanges/impl/file_api.py, fetch_iter: each stripped line is
// partitioned at its first space into type and value) and appends
// (report_opinion: f"{type} {signal}\n"), and what `threatexchange hash`
// prints (cli/hash_cmd.py, execute: print(hasher.get_name(), hash_str)).
// It carries no metadata.

// teDecoder reads "<signal_type> <value>" lines.
type teDecoder struct{ rd *Reader }

func (d *teDecoder) decode(_ *lineReader, line []byte, n int, out []result) ([]result, error) {
	s := strings.TrimSpace(string(line))
	name, value, ok := strings.Cut(s, " ")
	if !ok && d.rd.Signal != "" {
		name, value, ok = string(d.rd.Signal), s, true
	}
	if !ok {
		return append(out, result{err: lineErr(n, ErrColumnCount,
			`want "<signal_type> <value>", found one field`)}), nil
	}
	if strings.ContainsAny(value, " \t") {
		return append(out, result{err: lineErr(n, ErrColumnCount,
			`want "<signal_type> <value>" separated by one space, found more fields`)}), nil
	}
	t, v, lerr := parseSignal(n, name, value)
	if lerr != nil {
		return append(out, result{err: lerr}), nil
	}
	return append(out, result{entry: &vigie.BankEntry{Signal: t, Value: v, Status: vigie.EntryActive}}), nil
}

// teEncoder writes "<upstream type> <value>\n" and drops metadata, which
// the format cannot carry.
type teEncoder struct{}

func (teEncoder) header(*bufio.Writer) error { return nil }

func (teEncoder) encode(w *bufio.Writer, e *vigie.BankEntry) error {
	w.WriteString(UpstreamName(e.Signal))
	w.WriteByte(' ')
	w.WriteString(e.Value)
	_, err := w.WriteString("\n")
	return err
}
