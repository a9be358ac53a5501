package fetch

import (
	"mime"
	"net/http"
	"strings"
	"time"
)

// Evidence records how one item was fetched: what was asked, where the
// bytes came from and what they were. It is kept after the bytes are purged,
// so it carries no body.
type Evidence struct {
	RequestedURL string        `json:"requested_url"`
	FinalURL     string        `json:"final_url"`           // after redirects
	Redirects    []Hop         `json:"redirects,omitempty"` // in order, before the final response
	RemoteAddr   string        `json:"remote_addr"`         // ip:port of the final response
	Status       int           `json:"status"`
	Proto        string        `json:"proto,omitempty"` // HTTP/1.1, HTTP/2.0
	Header       http.Header   `json:"header,omitempty"`
	FetchedAt    time.Time     `json:"fetched_at"` // when the first request started
	Duration     time.Duration `json:"duration"`
	Size         int64         `json:"size"`   // body bytes, after content decoding
	SHA256       string        `json:"sha256"` // hex of the body
	DeclaredType string        `json:"declared_type,omitempty"`
	SniffedType  string        `json:"sniffed_type,omitempty"` // from the bytes
}

// Hop is one redirect response.
type Hop struct {
	URL        string `json:"url"`
	Status     int    `json:"status"`
	Location   string `json:"location"`
	RemoteAddr string `json:"remote_addr"`
}

// Item is a fetched body with its evidence. The body is at most MaxBytes
// long; the caller hashes it and stores it encrypted.
type Item struct {
	Evidence Evidence
	Body     []byte
}

// IsMedia reports whether the body is an image or a video.
func (it *Item) IsMedia() bool { return IsMedia(it.Evidence.SniffedType) }

// IsHTML reports whether the body is an HTML page, by its bytes or, for
// pages that sniffing misses, by the declared type.
func (it *Item) IsHTML() bool {
	return it.Evidence.SniffedType == "text/html" ||
		it.Evidence.DeclaredType == "text/html" || it.Evidence.DeclaredType == "application/xhtml+xml"
}

// evidenceHeaders lists the response headers worth keeping as evidence: they
// identify the content, the server and the caching chain for takedown.
func evidenceHeaders() []string {
	return []string{
		"Content-Type", "Content-Length", "Content-Encoding", "Content-Disposition",
		"Last-Modified", "ETag", "Date", "Expires", "Cache-Control", "Age",
		"Location", "Server", "Via", "X-Powered-By", "X-Cache", "X-Served-By",
		"CF-Ray", "CF-Cache-Status", "X-Amz-Cf-Id", "Retry-After",
	}
}

// Limits on recorded header values: a hostile server may send many huge ones.
const (
	maxHeaderValues   = 4
	maxHeaderValueLen = 1024
)

// selectHeaders returns the evidence headers of h, bounded in number and size.
func selectHeaders(h http.Header) http.Header {
	out := make(http.Header)
	for _, k := range evidenceHeaders() {
		vs := h.Values(k)
		for i, v := range vs {
			if i == maxHeaderValues {
				break
			}
			if len(v) > maxHeaderValueLen {
				v = v[:maxHeaderValueLen]
			}
			out.Add(k, v)
		}
	}
	return out
}

// mediaType returns the lower-case media type of a Content-Type value, or ""
// if it cannot be parsed.
func mediaType(contentType string) string {
	mt, _, err := mime.ParseMediaType(contentType)
	if err != nil {
		return ""
	}
	return strings.ToLower(mt)
}
