package fetch

import (
	"bytes"
	"context"
	"net"
	"net/url"

	"golang.org/x/net/publicsuffix"
)

// Page is an HTML page that a crawl fetched, with the same-site links found
// on it.
type Page struct {
	Evidence Evidence
	Links    Links
}

// Failure is a link that a crawl could not fetch, with the reason.
type Failure struct {
	URL string
	Err *Error
}

// CrawlResult is what one Crawl saw.
type CrawlResult struct {
	Pages    []*Page    // HTML pages, the reported one first
	Items    []Evidence // media items passed to visit, in order
	Failures []Failure  // links that failed; the reported URL never appears here
}

// VisitFunc receives each media item that a crawl fetched. The body is
// not kept by the crawl, so memory stays bounded by one item; a non-nil
// error stops the crawl and is returned from Crawl.
type VisitFunc func(ctx context.Context, item *Item) error

// crawlTarget is a URL waiting to be fetched and its distance from the
// reported URL.
type crawlTarget struct {
	url   string
	depth int
}

// Crawl fetches the reported URL. If it is an image or a video, it is the
// only item. If it is an HTML page, Crawl fetches its media links (at most
// MaxItemsPerPage) and, while the depth is below MaxDepth, the pages it
// links to, up to MaxPages pages. Links are followed only within the
// reported page's site: the same registrable domain (eTLD+1 from the public
// suffix list) as the page's final URL, so www.example.com and
// img.example.com go together but two blogs on one hosting suffix do not;
// an IP address host must match exactly. Every fetch goes through the same
// checks as Fetch.
//
// Crawl returns an error only if the reported URL itself fails (with
// ReasonNotMedia if it is neither media nor HTML), if visit fails, or if
// ctx ends; failures of links are listed in the result.
func (f *Fetcher) Crawl(ctx context.Context, rawURL string, visit VisitFunc) (*CrawlResult, error) {
	first, err := f.Fetch(ctx, rawURL)
	if err != nil {
		return nil, err
	}
	res := &CrawlResult{}
	if first.IsMedia() {
		res.Items = append(res.Items, first.Evidence)
		return res, visit(ctx, first)
	}
	if !first.IsHTML() {
		ev := first.Evidence
		return nil, &Error{Reason: ReasonNotMedia, Permanent: true, URL: rawURL, Evidence: &ev}
	}
	site := siteOf(first.Evidence.FinalURL)
	c := &crawl{f: f, site: site, res: res, visit: visit, seen: map[string]bool{
		rawURL: true, first.Evidence.FinalURL: true,
	}}
	return res, c.run(ctx, first)
}

// crawl is the state of one Crawl after the reported page was fetched.
type crawl struct {
	f     *Fetcher
	site  string
	res   *CrawlResult
	visit VisitFunc
	seen  map[string]bool
	queue []crawlTarget
}

// run processes the reported page, then pages from the queue breadth first.
func (c *crawl) run(ctx context.Context, first *Item) error {
	if err := c.page(ctx, first, 0); err != nil {
		return err
	}
	for len(c.queue) > 0 && len(c.res.Pages) < c.f.MaxPages {
		t := c.queue[0]
		c.queue = c.queue[1:]
		item, err := c.f.Fetch(ctx, t.url)
		if err != nil {
			if ctx.Err() != nil {
				return err
			}
			c.fail(t.url, err)
			continue
		}
		if err := c.dispatch(ctx, item, t.depth); err != nil {
			return err
		}
	}
	return nil
}

// dispatch handles a fetched link that was thought to be a page: it may
// turn out to be media, which is then visited like any other.
func (c *crawl) dispatch(ctx context.Context, item *Item, depth int) error {
	switch {
	case item.IsMedia():
		c.res.Items = append(c.res.Items, item.Evidence)
		return c.visit(ctx, item)
	case item.IsHTML():
		return c.page(ctx, item, depth)
	}
	return nil
}

// page extracts the links of an HTML page at depth, fetches its media if
// the depth allows, and queues its pages if the next depth does.
func (c *crawl) page(ctx context.Context, item *Item, depth int) error {
	base, err := url.Parse(item.Evidence.FinalURL)
	if err != nil {
		return nil
	}
	links := ExtractLinks(base, bytes.NewReader(item.Body), c.f.MaxItemsPerPage)
	links.Media = c.sameSite(links.Media)
	links.Pages = c.sameSite(links.Pages)
	c.res.Pages = append(c.res.Pages, &Page{Evidence: item.Evidence, Links: *links})
	if depth >= c.f.MaxDepth {
		return nil
	}
	for _, u := range links.Media {
		if err := c.media(ctx, u); err != nil {
			return err
		}
	}
	if depth+1 < c.f.MaxDepth {
		for _, u := range links.Pages {
			if !c.seen[u] {
				c.seen[u] = true
				c.queue = append(c.queue, crawlTarget{url: u, depth: depth + 1})
			}
		}
	}
	return nil
}

// media fetches one media link and visits it, or records the failure.
func (c *crawl) media(ctx context.Context, u string) error {
	if c.seen[u] {
		return nil
	}
	c.seen[u] = true
	item, err := c.f.FetchMedia(ctx, u)
	if err != nil {
		if ctx.Err() != nil {
			return err
		}
		c.fail(u, err)
		return nil
	}
	c.res.Items = append(c.res.Items, item.Evidence)
	return c.visit(ctx, item)
}

func (c *crawl) fail(u string, err error) {
	c.res.Failures = append(c.res.Failures, Failure{URL: u, Err: classify(context.Background(), err)})
}

// sameSite keeps the URLs of the crawl's site.
func (c *crawl) sameSite(urls []string) []string {
	var kept []string
	for _, u := range urls {
		if siteOf(u) == c.site {
			kept = append(kept, u)
		}
	}
	return kept
}

// siteOf returns the registrable domain of a URL's host, the host itself
// for IP addresses and names without a public suffix, or "" if the URL
// does not parse.
func siteOf(rawURL string) string {
	u, err := url.Parse(rawURL)
	if err != nil {
		return ""
	}
	host := u.Hostname()
	if net.ParseIP(host) != nil {
		return host
	}
	if d, err := publicsuffix.EffectiveTLDPlusOne(host); err == nil {
		return d
	}
	return host
}
