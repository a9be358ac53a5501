package vigie

import (
	"context"
	"time"
)

// HostingTrace records where a URL's content was served from when it was
// traced: the names its host led to and, for each address, the network
// that announces it. Notices go to the operator of that network, or, when
// CDN is set, to the CDN, asking it to name the origin host.
type HostingTrace struct {
	URL  string `json:"url"`
	Host string `json:"host"` // lower-case ASCII name, or the IP literal

	// CNAMEs lists the aliases followed from Host, in order. It is empty for
	// an IP literal or a name without aliases.
	CNAMEs []string `json:"cnames,omitempty"`

	// Addresses holds the A and AAAA addresses of the last name, at most the
	// tracer's cap; Truncated reports that the name had more.
	Addresses []HostAddress `json:"addresses"`
	Truncated bool          `json:"truncated,omitempty"`

	// CDN names the content delivery network in front of the host, from an
	// address's network or from a CNAME into a CDN's domain; "" if none.
	CDN string `json:"cdn,omitempty"`

	TracedAt time.Time `json:"traced_at"`
}

// HostAddress is one address of a traced host and what the IP databases
// know about it. Fields the databases do not know are zero.
type HostAddress struct {
	IP      string `json:"ip"`
	ASN     uint32 `json:"asn,omitempty"`
	ASOrg   string `json:"as_org,omitempty"`
	Country string `json:"country,omitempty"` // ISO 3166-1 alpha-2, upper case
	CDN     string `json:"cdn,omitempty"`     // e.g. "Cloudflare" when ASN is a known CDN's
}

// HostTracer finds who hosts a URL.
type HostTracer interface {
	// Trace resolves the host of rawURL and looks its addresses up. It
	// returns EINVALID if rawURL is not an http or https URL with a host or
	// if the host's aliases loop or run too long, ENOTFOUND if the host has
	// no address, and EUNAVAILABLE if the DNS could not be reached in time.
	Trace(ctx context.Context, rawURL string) (*HostingTrace, error)
}
