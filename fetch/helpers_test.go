package fetch_test

import (
	"bytes"
	"context"
	"image"
	"image/color"
	"image/png"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/vigie-hotline/vigie/fetch"
)

// stubResolver answers from a table. Each host has a list of answers, one
// per lookup, the last one repeated; it counts lookups.
type stubResolver struct {
	mu      sync.Mutex
	answers map[string][][]netip.Addr
	errs    map[string]error
	calls   map[string]int
}

func newResolver() *stubResolver {
	return &stubResolver{answers: make(map[string][][]netip.Addr), errs: make(map[string]error), calls: make(map[string]int)}
}

// Set makes host resolve to addrs on every lookup.
func (r *stubResolver) Set(host string, addrs ...string) *stubResolver {
	return r.Sequence(host, addrs)
}

// Sequence makes host resolve to each answer in turn.
func (r *stubResolver) Sequence(host string, answers ...[]string) *stubResolver {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.answers[host] = nil
	for _, a := range answers {
		var ips []netip.Addr
		for _, s := range a {
			ips = append(ips, netip.MustParseAddr(s))
		}
		r.answers[host] = append(r.answers[host], ips)
	}
	return r
}

func (r *stubResolver) LookupNetIP(ctx context.Context, network, host string) ([]netip.Addr, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	n := r.calls[host]
	r.calls[host]++
	if err, ok := r.errs[host]; ok {
		return nil, err
	}
	answers, ok := r.answers[host]
	if !ok {
		return nil, &net.DNSError{Err: "no such host", Name: host, IsNotFound: true}
	}
	return answers[min(n, len(answers)-1)], nil
}

// Calls returns how many times host was looked up.
func (r *stubResolver) Calls(host string) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.calls[host]
}

// recorder is a loopback HTTP server that counts the connections it accepts.
type recorder struct {
	*httptest.Server
	mu    sync.Mutex
	conns int
}

func newRecorder(t testing.TB, h http.Handler) *recorder {
	t.Helper()
	r := &recorder{Server: httptest.NewUnstartedServer(h)}
	r.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			r.mu.Lock()
			r.conns++
			r.mu.Unlock()
		}
	}
	r.Start()
	t.Cleanup(r.Close)
	return r
}

// Conns returns how many connections reached the server.
func (r *recorder) Conns() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.conns
}

// Port returns the server's port.
func (r *recorder) Port() int {
	return int(netip.MustParseAddrPort(r.Listener.Addr().String()).Port())
}

// URL returns an http URL for host on the server's port.
func (r *recorder) URLFor(host, path string) string {
	return "http://" + net.JoinHostPort(host, strconv.Itoa(r.Port())) + path
}

// dialLog stands in for the network: every dial of a checked address is
// recorded and sent to the recorder instead.
type dialLog struct {
	mu    sync.Mutex
	addrs []string
}

func (d *dialLog) dialTo(target string) func(ctx context.Context, network, address string) (net.Conn, error) {
	return func(ctx context.Context, network, address string) (net.Conn, error) {
		d.mu.Lock()
		d.addrs = append(d.addrs, address)
		d.mu.Unlock()
		var nd net.Dialer
		return nd.DialContext(ctx, network, target)
	}
}

func (d *dialLog) Addrs() []string {
	d.mu.Lock()
	defer d.mu.Unlock()
	return append([]string(nil), d.addrs...)
}

// testClock is a fixed clock.
func testClock() time.Time {
	return time.Date(2026, 3, 14, 9, 26, 53, 0, time.UTC)
}

// newTestFetcher returns a fetcher with short time limits, a fixed clock
// and the given resolver, that may reach port on top of the defaults.
func newTestFetcher(r fetch.Resolver, allowLoopback bool, ports ...int) *fetch.Fetcher {
	f := fetch.NewFetcher()
	f.Resolver = r
	f.AllowLoopback = allowLoopback
	f.AllowedPorts = append(f.AllowedPorts, ports...)
	f.ConnectTimeout = 2 * time.Second
	f.HeaderTimeout = 2 * time.Second
	f.Timeout = 5 * time.Second
	f.Now = testClock
	return f
}

// testPNG returns a small generated PNG image whose pixels depend on seed.
func testPNG(t testing.TB, seed int) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 16, 16))
	for y := 0; y < 16; y++ {
		for x := 0; x < 16; x++ {
			img.Set(x, y, color.RGBA{uint8(x * 16), uint8(y * 16), uint8(seed), 255})
		}
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// reasonOf fails the test unless err is a *fetch.Error, and returns it.
func mustFetchError(t testing.TB, err error) *fetch.Error {
	t.Helper()
	fe, ok := err.(*fetch.Error)
	if !ok {
		t.Fatalf("err=%v (%T), want *fetch.Error", err, err)
	}
	return fe
}
