package vigie

import (
	"context"
	"time"
)

// Evidence records where a fetched item came from, for analysts, notices
// and police referrals.
type Evidence struct {
	RequestedURL string            `json:"requested_url"`
	FinalURL     string            `json:"final_url"`
	Redirects    []string          `json:"redirects,omitempty"`
	RemoteAddr   string            `json:"remote_addr"`
	Status       int               `json:"status"`
	Headers      map[string]string `json:"headers,omitempty"`
	FetchedAt    time.Time         `json:"fetched_at"`
	Size         int64             `json:"size"`
	SHA256       string            `json:"sha256"`
	ContentType  string            `json:"content_type"`
}

// Fetched is one media item a crawl brought back.
type Fetched struct {
	Evidence Evidence
	Body     []byte
}

// FetchFailure says why a URL could not be fetched. Reason is a machine
// code (refused_address, http_status, timeout…); a permanent failure is not
// retried.
type FetchFailure struct {
	URL       string
	Reason    string
	Permanent bool
	Message   string
	// Status is the HTTP status when Reason is http_status.
	Status int
}

// Gone reports whether the failure shows the content is no longer there:
// a 404 or 410, or a name that no longer exists.
func (f *FetchFailure) Gone() bool {
	return f.Status == 404 || f.Status == 410 || (f.Reason == "dns_failure" && f.Permanent)
}

// Error implements error.
func (f *FetchFailure) Error() string { return f.Reason + ": " + f.Message }

// Crawler fetches a reported URL safely and hands each media item it finds
// (the URL itself, or the media a page links to) to visit, one at a time.
// It returns the failures of linked items; a failure of the URL itself is
// returned as a *FetchFailure error.
type Crawler interface {
	Crawl(ctx context.Context, url string, visit func(ctx context.Context, f *Fetched) error) ([]FetchFailure, error)
}

// Quarantine keeps fetched bytes encrypted until their retention ends.
type Quarantine interface {
	// Put stores data under name, replacing any earlier value.
	Put(ctx context.Context, name string, data []byte) error
	// Get returns the bytes stored under name, or ENOTFOUND.
	Get(ctx context.Context, name string) ([]byte, error)
	// Delete removes name; deleting a missing name is not an error.
	Delete(ctx context.Context, name string) error
}
