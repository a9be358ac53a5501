package hashlist

import (
	"errors"
	"io"
	"strings"
	"testing"
)

// TestLineReader_Bounded checks that a line far past the bound is skipped
// without the buffer growing past it, and reading resumes after it.
func TestLineReader_Bounded(t *testing.T) {
	const max = 1000
	huge := strings.Repeat("x", 5<<20)
	lr := newLineReader(strings.NewReader("a\r\n"+huge+"\nb"), max)
	want := []struct {
		line string
		err  error
	}{{"a", nil}, {"", errTooLong}, {"b", nil}, {"", io.EOF}}
	for i, w := range want {
		line, n, err := lr.next()
		if string(line) != w.line || !errors.Is(err, w.err) {
			t.Fatalf("next #%d=%q, %v; want %q, %v", i, line, err, w.line, w.err)
		}
		if w.err == nil && n != i+1 {
			t.Fatalf("line number=%d, want %d", n, i+1)
		}
		if c := cap(lr.buf); c > max+64<<10 {
			t.Fatalf("buffer grew to %d bytes, past the bound %d", c, max)
		}
	}
}
