package media

import "fmt"

// Kind classifies why an image was refused. A Kind is itself an error, so
// callers can test with errors.Is(err, media.Truncated).
type Kind int

// Kinds of decoding failure.
const (
	UnknownFormat Kind = iota + 1 // the bytes are not a format this package decodes
	Truncated                     // the data ends before the image does
	TooLarge                      // the file has more bytes than Limits.MaxBytes
	Bomb                          // the header declares more pixels than Limits.MaxPixels
	ZeroSize                      // the file is empty or the image has no pixels
	Corrupt                       // the data is malformed
	Unsupported                   // a valid file that uses a feature no decoder here supports
	Timeout                       // decoding took longer than Limits.Timeout or was cancelled
)

// String returns the kind's name, as in "truncated".
func (k Kind) String() string {
	switch k {
	case UnknownFormat:
		return "unknown format"
	case Truncated:
		return "truncated"
	case TooLarge:
		return "too large"
	case Bomb:
		return "decompression bomb"
	case ZeroSize:
		return "zero size"
	case Corrupt:
		return "corrupt"
	case Unsupported:
		return "unsupported"
	case Timeout:
		return "timeout"
	}
	return fmt.Sprintf("media.Kind(%d)", int(k))
}

// Error implements error, so a Kind can be the target of errors.Is.
func (k Kind) Error() string { return "media: " + k.String() }

// Error is the error every function of this package returns for a file it
// cannot decode. Message is safe to show to the person who uploaded the file:
// it never contains pixel data.
type Error struct {
	Kind    Kind
	Format  Format // "" when the format is unknown
	Message string
	Err     error // the decoder's own error, if any
}

// Error implements the error interface.
func (e *Error) Error() string {
	f := "image"
	if e.Format != "" {
		f = string(e.Format)
	}
	return fmt.Sprintf("%s: %s: %s", f, e.Kind.String(), e.Message)
}

// Unwrap returns the underlying decoder error.
func (e *Error) Unwrap() error { return e.Err }

// Is reports whether target is e's Kind.
func (e *Error) Is(target error) bool {
	k, ok := target.(Kind)
	return ok && k == e.Kind
}

func errorf(k Kind, f Format, err error, format string, args ...any) *Error {
	return &Error{Kind: k, Format: f, Message: fmt.Sprintf(format, args...), Err: err}
}
