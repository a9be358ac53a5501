package hashlist

import (
	"bufio"
	"io"

	"github.com/vigie-hotline/vigie"
)

// Writer writes bank entries to a hash list one at a time.
type Writer struct {
	// Bank, in the hma-json format, is the bank each object names; nil
	// names "VIGIE". Other formats ignore it.
	Bank *vigie.Bank

	format  Format
	bw      *bufio.Writer
	enc     encoder
	started bool
	count   int
}

// encoder writes one format: an optional header, then one entry at a time.
type encoder interface {
	header(w *bufio.Writer) error
	encode(w *bufio.Writer, e *vigie.BankEntry) error
}

// NewWriter returns a Writer to w in format f, or EINVALID for an unknown
// format. Call Flush when done.
func NewWriter(w io.Writer, f Format) (*Writer, error) {
	wr := &Writer{format: f, bw: bufio.NewWriterSize(w, 64<<10)}
	switch f {
	case FormatTE:
		wr.enc = teEncoder{}
	case FormatTECSV:
		wr.enc = csvEncoder{}
	case FormatHMAJSON:
		wr.enc = &hmaEncoder{wr: wr}
	case FormatJSONL:
		wr.enc = jsonlEncoder{}
	default:
		_, err := ParseFormat(string(f))
		return nil, err
	}
	return wr, nil
}

// Format returns the format the Writer writes.
func (w *Writer) Format() Format { return w.format }

// Write writes e. It returns EINVALID, and writes nothing, if e's signal
// type or value is invalid or its metadata cannot be put in the format.
func (w *Writer) Write(e *vigie.BankEntry) error {
	if err := w.start(); err != nil {
		return err
	}
	v, err := vigie.NormalizeSignal(e.Signal, e.Value)
	if err != nil {
		return err
	}
	if v != e.Value {
		c := *e
		c.Value = v
		e = &c
	}
	if err := w.enc.encode(w.bw, e); err != nil {
		return err
	}
	w.count++
	return nil
}

// start writes the header once, so that even an empty te-csv file has one.
func (w *Writer) start() error {
	if w.started {
		return nil
	}
	w.started = true
	return w.enc.header(w.bw)
}

// Count returns the number of entries written.
func (w *Writer) Count() int { return w.count }

// Flush writes any buffered data (and the header of an empty file) to the
// underlying writer.
func (w *Writer) Flush() error {
	if err := w.start(); err != nil {
		return err
	}
	return w.bw.Flush()
}
