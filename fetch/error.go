package fetch

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/http"
	"syscall"

	"github.com/vigie-hotline/vigie"
)

// Reason is a machine-readable code for why a fetch was refused or failed.
// The job pipeline stores it with the item and shows it to analysts.
type Reason string

// Reasons for refusals and failures.
const (
	ReasonInvalidURL       Reason = "invalid_url"        // malformed URL or host name
	ReasonRefusedScheme    Reason = "refused_scheme"     // not http or https
	ReasonRefusedPort      Reason = "refused_port"       // port not in AllowedPorts
	ReasonRefusedAddress   Reason = "refused_address"    // loopback, private, metadata…; see Error.Class
	ReasonDNSFailure       Reason = "dns_failure"        // the name could not be resolved
	ReasonConnectFailure   Reason = "connect_failure"    // TCP connection refused or unreachable
	ReasonTLSFailure       Reason = "tls_failure"        // certificate or handshake failure
	ReasonTimeout          Reason = "timeout"            // a time limit was reached
	ReasonCanceled         Reason = "canceled"           // the caller's context was canceled
	ReasonNetwork          Reason = "network_error"      // any other transport failure
	ReasonTooManyRedirects Reason = "too_many_redirects" // more than MaxRedirects
	ReasonBadRedirect      Reason = "bad_redirect"       // a redirect without a usable Location
	ReasonHTTPStatus       Reason = "http_status"        // a status other than 2xx; see Error.Status
	ReasonTooLarge         Reason = "too_large"          // the body exceeds MaxBytes
	ReasonNotMedia         Reason = "not_media"          // the bytes are not an image or a video
)

// Error is a refusal or failure of the fetcher. Every error the package
// returns from Fetch, FetchMedia and Crawl is, or wraps, an *Error.
type Error struct {
	Reason Reason
	// Permanent is true when trying again later cannot help: a refused
	// address, a 404 or 410, a body that is too large or not media. Network
	// errors, timeouts, 429 and 5xx are not permanent and may be retried.
	Permanent bool
	URL       string // the URL being fetched when the failure happened
	Addr      string // for refused_address, refused_port and connect_failure: the address
	Class     string // for refused_address: the address class, such as "private" or "metadata"
	Status    int    // for http_status: the status code
	// Evidence is what was recorded before the failure (redirects, status,
	// headers, address), or nil if nothing was sent.
	Evidence *Evidence
	Err      error // the underlying error, if any
}

// Error implements the error interface.
func (e *Error) Error() string {
	msg := "fetch " + string(e.Reason)
	switch {
	case e.Class != "":
		msg += fmt.Sprintf(" (%s %s)", e.Class, e.Addr)
	case e.Status != 0:
		msg += fmt.Sprintf(" (status %d)", e.Status)
	case e.Addr != "":
		msg += " (" + e.Addr + ")"
	}
	if e.URL != "" {
		msg += fmt.Sprintf(" %q", e.URL)
	}
	if e.Err != nil {
		msg += ": " + e.Err.Error()
	}
	return msg
}

// Unwrap returns the underlying error.
func (e *Error) Unwrap() error { return e.Err }

// Is reports whether target is an *Error with the same Reason and, if
// target has a Class, the same Class, so that
// errors.Is(err, &fetch.Error{Reason: fetch.ReasonTooLarge}) works.
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	return ok && t.Reason == e.Reason && (t.Class == "" || t.Class == e.Class)
}

// As lets vigie.ErrorCode and vigie.ErrorMessage see a fetch error as a
// domain error, with a code and a message safe to show to the reporter.
func (e *Error) As(target any) bool {
	t, ok := target.(**vigie.Error)
	if !ok {
		return false
	}
	*t = vigie.Errorf(e.Code(), "The address could not be fetched (%s).", e.Reason)
	return true
}

// Code returns the vigie error code that corresponds to the reason.
func (e *Error) Code() string {
	switch e.Reason {
	case ReasonTooLarge:
		return vigie.ETOOLARGE
	case ReasonHTTPStatus:
		if e.Status == http.StatusNotFound || e.Status == http.StatusGone {
			return vigie.ENOTFOUND
		}
		return vigie.EUNAVAILABLE
	case ReasonInvalidURL, ReasonRefusedScheme, ReasonRefusedPort, ReasonRefusedAddress,
		ReasonTooManyRedirects, ReasonBadRedirect, ReasonNotMedia:
		return vigie.EINVALID
	}
	return vigie.EUNAVAILABLE
}

// ReasonOf returns the Reason of err if it is, or wraps, an *Error, and ""
// otherwise.
func ReasonOf(err error) Reason {
	var e *Error
	if errors.As(err, &e) {
		return e.Reason
	}
	return ""
}

// IsPermanent reports whether err is a fetch failure that retrying cannot
// cure. Errors that are not *Error are treated as retryable.
func IsPermanent(err error) bool {
	var e *Error
	return errors.As(err, &e) && e.Permanent
}

// statusError returns the error for a final response with a non-2xx status.
// Only request timeouts, rate limits and server errors are worth retrying.
func statusError(rawURL string, status int) *Error {
	retry := status == http.StatusRequestTimeout || status == http.StatusTooEarly ||
		status == http.StatusTooManyRequests || status >= 500
	return &Error{Reason: ReasonHTTPStatus, Permanent: !retry, URL: rawURL, Status: status}
}

// classify turns any error from the transport into an *Error. ctx is the
// caller's context, to tell the caller's cancellation from our time limits.
func classify(ctx context.Context, err error) *Error {
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	var (
		dnsErr  *net.DNSError
		certErr *tls.CertificateVerificationError
		unkAuth x509.UnknownAuthorityError
		hostErr x509.HostnameError
		certInv x509.CertificateInvalidError
		recErr  tls.RecordHeaderError
		netErr  net.Error
	)
	switch {
	case ctx.Err() == context.Canceled:
		return &Error{Reason: ReasonCanceled, Err: err}
	case errors.Is(err, context.DeadlineExceeded):
		return &Error{Reason: ReasonTimeout, Err: err}
	case errors.As(err, &dnsErr):
		// A name that does not exist will not exist on the next try either;
		// a resolver that timed out might answer.
		return &Error{Reason: ReasonDNSFailure, Permanent: dnsErr.IsNotFound, Err: err}
	case errors.As(err, &certErr), errors.As(err, &unkAuth), errors.As(err, &hostErr),
		errors.As(err, &certInv), errors.As(err, &recErr):
		return &Error{Reason: ReasonTLSFailure, Permanent: true, Err: err}
	case errors.As(err, &netErr) && netErr.Timeout():
		return &Error{Reason: ReasonTimeout, Err: err}
	case errors.Is(err, syscall.ECONNREFUSED),
		errors.Is(err, syscall.EHOSTUNREACH), errors.Is(err, syscall.ENETUNREACH):
		return &Error{Reason: ReasonConnectFailure, Err: err}
	}
	return &Error{Reason: ReasonNetwork, Err: err}
}
