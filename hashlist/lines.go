package hashlist

import (
	"bufio"
	"bytes"
	"errors"
	"io"
)

// DefaultMaxLineBytes bounds a line (or a CSV record), so that a hostile
// file cannot make the reader hold more than this in memory.
const DefaultMaxLineBytes = 1 << 20

// lineReader yields physical lines without their line ending (LF or CRLF),
// each at most max bytes; a longer line is skipped to its end and reported.
type lineReader struct {
	br   *bufio.Reader
	max  int
	n    int // number of the last line returned
	buf  []byte
	done bool
}

func newLineReader(r io.Reader, max int) *lineReader {
	return &lineReader{br: bufio.NewReaderSize(r, 64<<10), max: max}
}

// errTooLong marks a line past the bound; the reader has skipped it.
var errTooLong = errors.New("line too long")

// next returns the next line and its number, errTooLong for an over-long
// line, io.EOF at the end, or a read error. The slice is valid until the
// next call.
func (lr *lineReader) next() ([]byte, int, error) {
	if lr.done {
		return nil, lr.n, io.EOF
	}
	lr.buf = lr.buf[:0]
	tooLong := false
	for {
		chunk, err := lr.br.ReadSlice('\n')
		if !tooLong && len(lr.buf)+len(chunk) > lr.max+2 { // +2 for CRLF
			tooLong, lr.buf = true, lr.buf[:0]
		}
		if !tooLong {
			lr.buf = append(lr.buf, chunk...)
		}
		switch {
		case err == bufio.ErrBufferFull:
			continue
		case err == io.EOF:
			lr.done = true
			if len(lr.buf) == 0 && !tooLong {
				return nil, lr.n, io.EOF
			}
		case err != nil:
			return nil, lr.n, err
		}
		lr.n++
		if tooLong {
			return nil, lr.n, errTooLong
		}
		line := bytes.TrimSuffix(lr.buf, []byte("\n"))
		line = bytes.TrimSuffix(line, []byte("\r"))
		if lr.n == 1 {
			line = bytes.TrimPrefix(line, []byte(utf8BOM))
		}
		return line, lr.n, nil
	}
}
