// Package fetch is Vigie's crawler for reported URLs, which are hostile
// input. It fetches over http and https only; it resolves each host once and
// connects to the address it checked, refusing loopback, private, link-local,
// CGNAT, multicast, reserved and cloud-metadata addresses, again on every
// redirect; it bounds size and time; it sniffs content from the bytes; and it
// records evidence of where every item came from.
//
// Every failure is an *Error with a machine-readable Reason and a Permanent
// flag that tells the job pipeline whether to retry.
package fetch

import (
	"context"
	"crypto/sha256"
	"crypto/tls"
	"encoding/hex"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptrace"
	"net/netip"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/net/idna"
)

// Defaults that NewFetcher fills in.
const (
	DefaultMaxBytes        = 50 << 20
	DefaultMaxRedirects    = 5
	DefaultConnectTimeout  = 10 * time.Second
	DefaultHeaderTimeout   = 20 * time.Second
	DefaultTimeout         = 60 * time.Second
	DefaultMaxDepth        = 1
	DefaultMaxItemsPerPage = 100
	DefaultMaxPages        = 20
	DefaultUserAgent       = "Vigie/1.0 (hotline content verification)"
)

// maxURLLength bounds the URLs the fetcher accepts, redirects included.
const maxURLLength = 8192

// Fetcher fetches reported URLs safely. Set its fields, if at all, before
// the first fetch; it is then safe for concurrent use.
type Fetcher struct {
	// Resolver resolves host names. The default is the pure Go resolver,
	// which never accepts the numeric shorthands ("127.1", "0x7f.1") that
	// the C library's resolver turns into addresses.
	Resolver Resolver

	// AllowLoopback lets the fetcher connect to loopback addresses on any
	// port, for tests against local servers. Every other refused class stays
	// refused. Never set it in production.
	AllowLoopback bool

	AllowedPorts []int // ports that may be connected to; default 80, 443, 8080, 8443
	MaxBytes     int64 // largest body, enforced while reading; default 50 MiB
	MaxRedirects int   // redirects followed per item; default 5

	ConnectTimeout time.Duration // per TCP connection attempt; default 10s
	HeaderTimeout  time.Duration // TLS handshake, then response headers; default 20s
	Timeout        time.Duration // whole item, redirects and body included; default 60s

	MaxDepth        int // link hops followed by Crawl; default 1 (the page and its media)
	MaxItemsPerPage int // media links taken from one page; default 100
	MaxPages        int // HTML pages fetched by one Crawl; default 20

	UserAgent string
	TLSConfig *tls.Config // nil for the system roots; tests set RootCAs

	Now    func() time.Time // clock for evidence times
	Logger *slog.Logger

	once   sync.Once
	client *http.Client

	// testDial, set only by tests, replaces the TCP dial of a checked
	// address, so tests can stand in for public addresses.
	testDial func(ctx context.Context, network, address string) (net.Conn, error)
}

// NewFetcher returns a Fetcher with the documented defaults.
func NewFetcher() *Fetcher {
	return &Fetcher{
		Resolver:        &net.Resolver{PreferGo: true},
		AllowedPorts:    []int{80, 443, 8080, 8443},
		MaxBytes:        DefaultMaxBytes,
		MaxRedirects:    DefaultMaxRedirects,
		ConnectTimeout:  DefaultConnectTimeout,
		HeaderTimeout:   DefaultHeaderTimeout,
		Timeout:         DefaultTimeout,
		MaxDepth:        DefaultMaxDepth,
		MaxItemsPerPage: DefaultMaxItemsPerPage,
		MaxPages:        DefaultMaxPages,
		UserAgent:       DefaultUserAgent,
		Now:             time.Now,
		Logger:          slog.New(slog.DiscardHandler),
	}
}

// httpClient returns the client, built on first use from the fields.
func (f *Fetcher) httpClient() *http.Client {
	f.once.Do(func() {
		t := &http.Transport{
			Proxy:                  nil, // a proxy would resolve names itself and defeat the checks
			DialContext:            f.dialContext,
			TLSClientConfig:        f.TLSConfig.Clone(),
			TLSHandshakeTimeout:    f.HeaderTimeout,
			ResponseHeaderTimeout:  f.HeaderTimeout,
			MaxResponseHeaderBytes: 64 << 10,
			MaxIdleConns:           64,
			MaxIdleConnsPerHost:    4,
			IdleConnTimeout:        30 * time.Second,
			ForceAttemptHTTP2:      true,
		}
		f.client = &http.Client{
			Transport: t,
			// Redirects are followed by fetch itself, to check and record each one.
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		}
	})
	return f.client
}

// Close releases idle connections.
func (f *Fetcher) Close() error {
	f.httpClient().CloseIdleConnections()
	return nil
}

// Fetch fetches rawURL, following at most MaxRedirects redirects, and
// returns the body with its evidence, whatever the content type. A final
// status other than 2xx is an error with ReasonHTTPStatus. On failure the
// error is an *Error whose Evidence holds what was recorded.
func (f *Fetcher) Fetch(ctx context.Context, rawURL string) (*Item, error) {
	item, err := f.fetch(ctx, rawURL)
	if err != nil {
		f.Logger.Debug("fetch failed", "component", "fetch", "reason", ReasonOf(err), "error", err)
		return nil, err
	}
	return item, nil
}

// FetchMedia is Fetch for a URL that must be an image or a video: any other
// body is an error with ReasonNotMedia, which is permanent.
func (f *Fetcher) FetchMedia(ctx context.Context, rawURL string) (*Item, error) {
	item, err := f.Fetch(ctx, rawURL)
	if err != nil {
		return nil, err
	}
	if !item.IsMedia() {
		ev := item.Evidence
		return nil, &Error{Reason: ReasonNotMedia, Permanent: true, URL: rawURL, Evidence: &ev}
	}
	return item, nil
}

// fetch does the work of Fetch: requests, redirects, body, evidence.
func (f *Fetcher) fetch(ctx context.Context, rawURL string) (*Item, error) {
	start := f.Now()
	ev := &Evidence{RequestedURL: rawURL, FetchedAt: start}
	fail := func(u string, err error) error {
		e := classify(ctx, err)
		if e.URL == "" {
			e.URL = u
		}
		if e.URL == "" {
			e.URL = truncate(rawURL, maxURLLength)
		}
		ev.Duration = f.Now().Sub(start)
		e.Evidence = ev
		return e
	}
	tctx, cancel := context.WithTimeout(ctx, f.Timeout)
	defer cancel()
	resp, err := f.follow(tctx, rawURL, ev)
	if err != nil {
		return nil, fail(ev.FinalURL, err)
	}
	defer resp.Body.Close()
	f.recordResponse(ev, resp)
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return nil, fail(ev.FinalURL, statusError(ev.FinalURL, resp.StatusCode))
	}
	body, err := f.readBody(resp)
	if err != nil {
		return nil, fail(ev.FinalURL, err)
	}
	sum := sha256.Sum256(body)
	ev.Size, ev.SHA256, ev.SniffedType = int64(len(body)), hex.EncodeToString(sum[:]), Sniff(body)
	ev.Duration = f.Now().Sub(start)
	return &Item{Evidence: *ev, Body: body}, nil
}

// follow requests rawURL and each redirect target in turn, checking every
// URL before it is requested, and returns the first response that is not a
// redirect. It records each hop in ev.
func (f *Fetcher) follow(ctx context.Context, rawURL string, ev *Evidence) (*http.Response, error) {
	u, err := f.checkURL(rawURL)
	if err != nil {
		return nil, err
	}
	for {
		ev.FinalURL = u.String()
		resp, remote, err := f.get(ctx, u)
		if err != nil {
			return nil, err
		}
		ev.RemoteAddr = remote
		loc := resp.Header.Get("Location")
		if !isRedirect(resp.StatusCode) || loc == "" {
			return resp, nil
		}
		drain(resp)
		ev.Redirects = append(ev.Redirects, Hop{URL: u.String(), Status: resp.StatusCode, Location: truncate(loc, maxURLLength), RemoteAddr: remote})
		if len(ev.Redirects) > f.MaxRedirects {
			return nil, &Error{Reason: ReasonTooManyRedirects, Permanent: true}
		}
		next, err := u.Parse(loc)
		if err != nil {
			return nil, &Error{Reason: ReasonBadRedirect, Permanent: true, Err: err}
		}
		if u, err = f.checkURL(next.String()); err != nil {
			e := classify(ctx, err)
			e.URL = truncate(next.String(), maxURLLength)
			return nil, e
		}
	}
}

// get sends one GET request and returns the response with the address it
// came from.
func (f *Fetcher) get(ctx context.Context, u *url.URL) (*http.Response, string, error) {
	var remote string
	trace := &httptrace.ClientTrace{GotConn: func(info httptrace.GotConnInfo) {
		remote = info.Conn.RemoteAddr().String()
	}}
	req, err := http.NewRequestWithContext(httptrace.WithClientTrace(ctx, trace), http.MethodGet, u.String(), nil)
	if err != nil {
		return nil, "", &Error{Reason: ReasonInvalidURL, Permanent: true, Err: err}
	}
	req.Header.Set("User-Agent", f.UserAgent)
	req.Header.Set("Accept", "*/*")
	resp, err := f.httpClient().Do(req)
	if err != nil {
		return nil, remote, err
	}
	return resp, remote, nil
}

// recordResponse copies what the final response says about itself into ev.
func (f *Fetcher) recordResponse(ev *Evidence, resp *http.Response) {
	ev.Status = resp.StatusCode
	ev.Proto = resp.Proto
	ev.Header = selectHeaders(resp.Header)
	if resp.ContentLength >= 0 && ev.Header.Get("Content-Length") == "" {
		ev.Header.Set("Content-Length", strconv.FormatInt(resp.ContentLength, 10))
	}
	ev.DeclaredType = mediaType(resp.Header.Get("Content-Type"))
}

// readBody reads at most MaxBytes; one byte more means the body is too
// large, and reading stops there, so memory stays bounded whatever the
// server sends. A declared length over the limit is refused unread.
func (f *Fetcher) readBody(resp *http.Response) ([]byte, error) {
	tooLarge := &Error{Reason: ReasonTooLarge, Permanent: true}
	if resp.ContentLength > f.MaxBytes {
		return nil, tooLarge
	}
	body, err := readLimited(resp.Body, resp.ContentLength, f.MaxBytes)
	if int64(len(body)) > f.MaxBytes {
		return nil, tooLarge
	}
	return body, err
}

// readLimited reads r to its end or to limit+1 bytes, whichever is first.
// The buffer starts at the declared size and doubles, but never beyond
// limit+1, so reading costs at most about twice the limit.
func readLimited(r io.Reader, declared, limit int64) ([]byte, error) {
	size := int64(32 << 10)
	if declared >= 0 {
		size = declared + 1 // one more byte to see the end
	}
	buf := make([]byte, 0, min(size, limit+1))
	for int64(len(buf)) <= limit {
		if len(buf) == cap(buf) {
			grown := make([]byte, len(buf), min(2*int64(cap(buf))+512, limit+1))
			copy(grown, buf)
			buf = grown
		}
		n, err := r.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if err == io.EOF {
			return buf, nil
		} else if err != nil {
			return buf, err
		}
	}
	return buf, nil
}

// checkURL parses rawURL and refuses what may not be fetched before any
// connection: other schemes, bad hosts, ports outside the allowlist. It
// returns the URL to request: host in punycode, no fragment, no credentials.
func (f *Fetcher) checkURL(rawURL string) (*url.URL, error) {
	invalid := func(err error) error {
		return &Error{Reason: ReasonInvalidURL, Permanent: true, URL: truncate(rawURL, maxURLLength), Err: err}
	}
	if len(rawURL) > maxURLLength {
		return nil, invalid(nil)
	}
	u, err := url.Parse(strings.TrimSpace(rawURL))
	if err != nil {
		return nil, invalid(err)
	}
	u.Scheme = strings.ToLower(u.Scheme)
	if u.Scheme != "http" && u.Scheme != "https" {
		return nil, &Error{Reason: ReasonRefusedScheme, Permanent: true, URL: truncate(rawURL, maxURLLength)}
	} else if u.Opaque != "" || u.Hostname() == "" {
		return nil, invalid(nil)
	}
	host, err := checkHost(u.Hostname())
	if err != nil {
		return nil, invalid(err)
	}
	port, err := portOf(u)
	if err != nil {
		return nil, invalid(err)
	}
	u.Host = hostPort(u.Scheme, host, port)
	u.User, u.Fragment, u.RawFragment = nil, "", ""
	return u, f.checkLiteral(host, port)
}

// checkLiteral refuses an IP literal host, or a port outside the allowlist,
// before any connection is attempted. Names are checked after resolution.
func (f *Fetcher) checkLiteral(host string, port int) error {
	if ip, err := netip.ParseAddr(host); err == nil {
		return f.checkAddrPort(netip.AddrPortFrom(ip, uint16(port)))
	}
	if !f.AllowLoopback && !slices.Contains(f.AllowedPorts, port) {
		return &Error{Reason: ReasonRefusedPort, Permanent: true, Addr: net.JoinHostPort(host, strconv.Itoa(port))}
	}
	return nil
}

// checkHost returns host as an IP literal or a lower-case ASCII name. It
// refuses zones and numeric forms that are not canonical dotted quads
// ("127.1", "0x7f000001", "2130706433"), which some resolvers would turn
// into addresses behind the checks' back.
func checkHost(host string) (string, error) {
	if ip, err := netip.ParseAddr(host); err == nil {
		if ip.Zone() != "" {
			return "", errString("IPv6 zone in host")
		}
		return ip.String(), nil
	}
	if !isASCII(host) {
		p := idna.New(idna.MapForLookup(), idna.Transitional(false),
			idna.StrictDomainName(false), idna.CheckHyphens(false), idna.BidiRule())
		a, err := p.ToASCII(host)
		if err != nil {
			return "", err
		}
		host = a
	}
	host = strings.ToLower(strings.TrimSuffix(host, "."))
	labels := strings.Split(host, ".")
	if last := labels[len(labels)-1]; last == "" || isNumericLabel(last) {
		return "", errString("non-canonical numeric or empty host")
	}
	for _, c := range []byte(host) {
		if c <= ' ' || c >= 0x7f || strings.IndexByte("/?#@[]\\%:", c) >= 0 {
			return "", errString("invalid character in host")
		}
	}
	return host, nil
}

// isNumericLabel reports whether a final DNS label is a number (decimal,
// octal or 0x hex): no top-level domain is, but inet_aton's forms are.
func isNumericLabel(s string) bool {
	s = strings.ToLower(s)
	if strings.HasPrefix(s, "0x") {
		s = s[2:]
		return strings.Trim(s, "0123456789abcdef") == ""
	}
	return strings.Trim(s, "0123456789") == ""
}

// portOf returns the URL's port, or the scheme's default.
func portOf(u *url.URL) (int, error) {
	p := u.Port()
	if p == "" {
		if u.Scheme == "https" {
			return 443, nil
		}
		return 80, nil
	}
	n, err := strconv.Atoi(p)
	if err != nil || n < 1 || n > 65535 {
		return 0, errString("invalid port")
	}
	return n, nil
}

func isRedirect(status int) bool {
	switch status {
	case http.StatusMovedPermanently, http.StatusFound, http.StatusSeeOther,
		http.StatusTemporaryRedirect, http.StatusPermanentRedirect:
		return true
	}
	return false
}

// drain reads a little of a body we do not want, so the connection can be
// reused, and closes it.
func drain(resp *http.Response) {
	io.Copy(io.Discard, io.LimitReader(resp.Body, 4<<10))
	resp.Body.Close()
}

func truncate(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}

// hostPort joins host and port for a URL, leaving out the scheme's default
// port as browsers do, so the Host header is the usual one.
func hostPort(scheme, host string, port int) string {
	if (scheme == "http" && port == 80) || (scheme == "https" && port == 443) {
		if strings.Contains(host, ":") {
			return "[" + host + "]"
		}
		return host
	}
	return net.JoinHostPort(host, strconv.Itoa(port))
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

// errString is a constant error message.
type errString string

func (e errString) Error() string { return string(e) }
