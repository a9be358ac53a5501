package hashlist

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"iter"

	"github.com/vigie-hotline/vigie"
)

// Reader reads bank entries from a hash list one at a time, holding at most
// one line (or CSV record) in memory.
type Reader struct {
	// MaxLineBytes bounds a line; a longer one is reported as
	// ErrLineTooLong and skipped. NewReader sets DefaultMaxLineBytes;
	// change it before the first Next.
	MaxLineBytes int
	// Signal, in the te format, is the type of a line that holds a value
	// alone, as python-threatexchange's file collaboration config allows
	// (FileCollaborationConfig.signal_type in exchanges/impl/file_api.py).
	// Empty means such a line is bad.
	Signal vigie.SignalType

	format  Format
	src     io.Reader
	lr      *lineReader
	dec     decoder
	pending []result
	sum     Summary
	err     error // sticky: io.EOF or a read error
}

// Summary counts what a Reader has seen so far.
type Summary struct {
	Lines   int // lines read, blank ones included
	Entries int // entries returned
	Bad     int // *LineErrors returned
}

// result is one outcome of a record: an entry or a bad line.
type result struct {
	entry *vigie.BankEntry
	err   *LineError
}

// decoder turns one record of a format into results. It may read further
// lines from lr (a CSV record can span lines); a returned error is fatal.
type decoder interface {
	decode(lr *lineReader, line []byte, n int, out []result) ([]result, error)
}

// NewReader returns a Reader of r in format f, or EINVALID for an unknown
// format.
func NewReader(r io.Reader, f Format) (*Reader, error) {
	rd := &Reader{MaxLineBytes: DefaultMaxLineBytes, format: f, src: r}
	switch f {
	case FormatTE:
		rd.dec = &teDecoder{rd: rd}
	case FormatTECSV:
		rd.dec = &csvDecoder{}
	case FormatHMAJSON:
		rd.dec = hmaDecoder{}
	case FormatJSONL:
		rd.dec = jsonlDecoder{}
	default:
		_, err := ParseFormat(string(f))
		return nil, err
	}
	return rd, nil
}

// Format returns the format the Reader reads.
func (r *Reader) Format() Format { return r.format }

// Next returns the next entry. For a bad line it returns a *LineError, and
// the following call goes on with the next line. At the end it returns
// io.EOF; any other error is fatal and returned again by later calls.
func (r *Reader) Next() (*vigie.BankEntry, error) {
	for len(r.pending) == 0 {
		if r.err != nil {
			return nil, r.err
		}
		r.fill()
	}
	res := r.pending[0]
	r.pending = r.pending[1:]
	if res.err != nil {
		r.sum.Bad++
		return nil, res.err
	}
	r.sum.Entries++
	return res.entry, nil
}

// fill reads one record into r.pending, or sets r.err.
func (r *Reader) fill() {
	if r.lr == nil {
		r.lr = newLineReader(r.src, max(r.MaxLineBytes, 1))
	}
	r.pending = r.pending[:0]
	line, n, err := r.lr.next()
	r.sum.Lines = r.lr.n
	switch {
	case errors.Is(err, errTooLong):
		r.pending = append(r.pending, result{err: tooLong(n, r.lr.max)})
	case err == io.EOF:
		r.err = io.EOF
	case err != nil:
		r.err = fmt.Errorf("read hash list: %w", err)
	case len(bytes.TrimSpace(line)) == 0:
		// Upstream skips blank lines too; they are not bad.
	default:
		r.pending, err = r.dec.decode(r.lr, line, n, r.pending)
		r.sum.Lines = r.lr.n
		if err != nil {
			r.err = err
		}
	}
}

// tooLong reports line n as longer than the bound.
func tooLong(n, max int) *LineError {
	return lineErr(n, ErrLineTooLong, "the line is longer than %d bytes", max)
}

// Summary returns the counts so far; after io.EOF, the totals.
func (r *Reader) Summary() Summary { return r.sum }

// All returns an iterator over the entries and bad lines, for range loops.
// It yields (entry, nil) for a good line and (nil, *LineError) for a bad
// one, stops at the end, and yields a fatal error last.
func (r *Reader) All() iter.Seq2[*vigie.BankEntry, error] {
	return func(yield func(*vigie.BankEntry, error) bool) {
		for {
			e, err := r.Next()
			var le *LineError
			switch {
			case err == io.EOF:
				return
			case err != nil && !errors.As(err, &le):
				yield(nil, err)
				return
			}
			if !yield(e, err) {
				return
			}
		}
	}
}
