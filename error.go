package vigie

import (
	"errors"
	"fmt"
)

// Error codes. Each maps to one HTTP status in the web package and to an
// exit status in the command line.
const (
	ECONFLICT       = "conflict"        // the object already exists or changed meanwhile
	EINTERNAL       = "internal"        // a bug or an unavailable dependency; logged, never shown
	EINVALID        = "invalid"         // the input is malformed or out of range
	ENOTFOUND       = "not_found"       // no such object
	ENOTIMPLEMENTED = "not_implemented" // the feature is not available in this build
	EUNAUTHORIZED   = "unauthorized"    // no valid credentials
	EFORBIDDEN      = "forbidden"       // credentials valid, but the role may not do this
	ETHROTTLED      = "throttled"       // too many attempts; try again later
	ETOOLARGE       = "too_large"       // the input exceeds a configured limit
	EUNAVAILABLE    = "unavailable"     // a remote service could not be reached
)

// Error is a domain error: a code from the list above and a message that is
// safe to show to the person who caused it. It never carries secrets, image
// bytes or personal data.
type Error struct {
	Code    string
	Message string
}

// Error implements the error interface.
func (e *Error) Error() string {
	return fmt.Sprintf("vigie error: code=%s message=%s", e.Code, e.Message)
}

// Errorf returns an *Error with the given code and a formatted message.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// ErrorCode returns the code of err if it is, or wraps, an *Error; EINTERNAL
// for any other non-nil error; and "" for nil.
func ErrorCode(err error) string {
	var e *Error
	if err == nil {
		return ""
	} else if errors.As(err, &e) {
		return e.Code
	}
	return EINTERNAL
}

// ErrorMessage returns the safe message of err if it is, or wraps, an *Error,
// and a generic message otherwise, so that internal details never reach users.
func ErrorMessage(err error) string {
	var e *Error
	if err == nil {
		return ""
	} else if errors.As(err, &e) {
		return e.Message
	}
	return "Internal error."
}
