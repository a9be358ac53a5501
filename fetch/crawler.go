package fetch

import (
	"context"
	"errors"
	"fmt"

	"github.com/vigie-hotline/vigie"
)

// Crawler is a Fetcher seen as a vigie.Crawler: it crawls with the
// Fetcher's checks and limits and speaks the domain's types, so that the
// job pipeline knows nothing of this package.
type Crawler struct {
	Fetcher *Fetcher
}

// NewCrawler returns a Crawler that crawls with f.
func NewCrawler(f *Fetcher) *Crawler { return &Crawler{Fetcher: f} }

// Crawl implements vigie.Crawler with Fetcher.Crawl. Each media item goes
// to visit with its evidence in the domain's form; failed links come back
// as FetchFailures. If the reported URL itself fails, the error is a
// *vigie.FetchFailure; an error from visit is returned as it is, with the
// failures seen so far; if ctx ends, the error is ctx's.
func (c *Crawler) Crawl(ctx context.Context, rawURL string, visit func(ctx context.Context, f *vigie.Fetched) error) ([]vigie.FetchFailure, error) {
	var visitErr error
	res, err := c.Fetcher.Crawl(ctx, rawURL, func(ctx context.Context, item *Item) error {
		visitErr = visit(ctx, &vigie.Fetched{Evidence: domainEvidence(&item.Evidence), Body: item.Body})
		return visitErr
	})
	var failures []vigie.FetchFailure
	if res != nil {
		failures = domainFailures(res.Failures)
	}
	switch {
	case err == nil:
		return failures, nil
	case visitErr != nil:
		return failures, visitErr
	case ctx.Err() != nil:
		return failures, ctx.Err()
	}
	ff := domainFailure(truncate(rawURL, maxURLLength), err)
	return failures, &ff
}

// domainEvidence converts evidence to the domain's record: the redirect
// chain as the URLs that answered with a redirect, and the first value of
// each evidence header.
func domainEvidence(ev *Evidence) vigie.Evidence {
	out := vigie.Evidence{
		RequestedURL: ev.RequestedURL,
		FinalURL:     ev.FinalURL,
		RemoteAddr:   ev.RemoteAddr,
		Status:       ev.Status,
		FetchedAt:    ev.FetchedAt,
		Size:         ev.Size,
		SHA256:       ev.SHA256,
		ContentType:  ev.SniffedType,
	}
	if out.ContentType == "" {
		out.ContentType = ev.DeclaredType
	}
	for _, hop := range ev.Redirects {
		out.Redirects = append(out.Redirects, hop.URL)
	}
	for _, k := range evidenceHeaders() {
		if v := ev.Header.Get(k); v != "" {
			if out.Headers == nil {
				out.Headers = make(map[string]string)
			}
			out.Headers[k] = v
		}
	}
	return out
}

// domainFailures converts the failed links of a crawl.
func domainFailures(failures []Failure) []vigie.FetchFailure {
	var out []vigie.FetchFailure
	for _, f := range failures {
		out = append(out, domainFailure(f.URL, f.Err))
	}
	return out
}

// domainFailure converts the failure to fetch rawURL.
func domainFailure(rawURL string, err error) vigie.FetchFailure {
	var e *Error
	if !errors.As(err, &e) {
		e = classify(context.Background(), err)
	}
	return vigie.FetchFailure{URL: rawURL, Reason: string(e.Reason), Permanent: e.Permanent, Message: failureMessage(rawURL, e), Status: e.Status}
}

// failureMessage describes e for analysts from its fields alone: the
// underlying error may name the fetcher's own resolver or network, which
// are nobody's business.
func failureMessage(rawURL string, e *Error) string {
	msg := reasonText(e.Reason)
	switch {
	case e.Class != "":
		msg += fmt.Sprintf(" (%s address %s)", e.Class, e.Addr)
	case e.Status != 0:
		msg += fmt.Sprintf(" (status %d)", e.Status)
	case e.Addr != "":
		msg += fmt.Sprintf(" (%s)", e.Addr)
	}
	if e.URL != "" && e.URL != rawURL {
		msg += fmt.Sprintf(" at %q", e.URL)
	}
	return msg
}

// reasonText says what a reason means, in a sentence fragment.
func reasonText(r Reason) string {
	switch r {
	case ReasonInvalidURL:
		return "the URL is malformed"
	case ReasonRefusedScheme:
		return "only http and https URLs are fetched"
	case ReasonRefusedPort:
		return "the port is not allowed"
	case ReasonRefusedAddress:
		return "the address is not a public one"
	case ReasonDNSFailure:
		return "the name could not be resolved"
	case ReasonConnectFailure:
		return "the server could not be reached"
	case ReasonTLSFailure:
		return "the secure connection failed"
	case ReasonTimeout:
		return "the server took too long"
	case ReasonCanceled:
		return "the fetch was canceled"
	case ReasonTooManyRedirects:
		return "there were too many redirects"
	case ReasonBadRedirect:
		return "a redirect had no usable location"
	case ReasonHTTPStatus:
		return "the server answered with an error"
	case ReasonTooLarge:
		return "the content is larger than the limit"
	case ReasonNotMedia:
		return "the content is not an image, a video or a page"
	}
	return "the fetch failed"
}
