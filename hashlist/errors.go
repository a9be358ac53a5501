package hashlist

import (
	"fmt"
	"strings"

	"github.com/vigie-hotline/vigie"
)

// Reasons a line is bad. A *LineError wraps one of them, so callers test
// with errors.Is; each is an EINVALID *vigie.Error.
var (
	ErrUnknownType = vigie.Errorf(vigie.EINVALID, "unknown signal type")
	ErrBadLength   = vigie.Errorf(vigie.EINVALID, "bad hash length")
	ErrBadHex      = vigie.Errorf(vigie.EINVALID, "hash is not hexadecimal")
	ErrBadJSON     = vigie.Errorf(vigie.EINVALID, "bad JSON")
	ErrBadCSV      = vigie.Errorf(vigie.EINVALID, "bad CSV")
	ErrColumnCount = vigie.Errorf(vigie.EINVALID, "wrong column count")
	ErrLineTooLong = vigie.Errorf(vigie.EINVALID, "line too long")
	ErrBadField    = vigie.Errorf(vigie.EINVALID, "bad field")
)

// LineError is a bad line in a hash list. The reader returns it and goes on
// with the next line on the next call.
type LineError struct {
	Line   int    // 1-based line number; for a CSV record, its first line
	Reason string // what is wrong, safe to show the person importing
	Err    error  // one of the Err* reasons above
}

// Error implements the error interface.
func (e *LineError) Error() string {
	return fmt.Sprintf("line %d: %s", e.Line, e.Reason)
}

// Unwrap returns the reason, for errors.Is and vigie.ErrorCode.
func (e *LineError) Unwrap() error { return e.Err }

// lineErr returns a *LineError for line n.
func lineErr(n int, reason error, format string, args ...any) *LineError {
	return &LineError{Line: n, Reason: fmt.Sprintf(format, args...), Err: reason}
}

// parseSignal resolves an upstream or Vigie type name and normalises value,
// naming the reason when either is bad.
func parseSignal(n int, name, value string) (vigie.SignalType, string, *LineError) {
	t, err := vigie.ParseSignalType(clip(name))
	if err != nil {
		return "", "", lineErr(n, ErrUnknownType, "%s", vigie.ErrorMessage(err))
	}
	v, err := vigie.NormalizeSignal(t, value)
	if err != nil {
		reason := ErrBadHex
		if len(strings.TrimSpace(value)) != t.HexLen() {
			reason = ErrBadLength
		}
		return "", "", lineErr(n, reason, "%s", vigie.ErrorMessage(err))
	}
	return t, v, nil
}

// clip shortens s for an error message, so that a hostile file's megabyte
// field is not copied into every report.
func clip(s string) string {
	const max = 40
	if len(s) <= max {
		return s
	}
	return strings.ToValidUTF8(s[:max], "") + "…"
}
