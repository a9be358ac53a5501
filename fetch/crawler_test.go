package fetch_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/vigie-hotline/vigie"
	"github.com/vigie-hotline/vigie/fetch"
)

// The adapter is what the job pipeline sees.
var _ vigie.Crawler = (*fetch.Crawler)(nil)

// crawlerSite serves a page with two images, one missing, one behind a
// redirect; a bare image; and a page that is unavailable.
func crawlerSite(t *testing.T) (*recorder, []byte) {
	t.Helper()
	img := testPNG(t, 42)
	mux := http.NewServeMux()
	mux.HandleFunc("GET /page", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		w.Write([]byte(`<html><body><img src="/img"><img src="/missing.png"></body></html>`))
	})
	mux.HandleFunc("GET /img", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/a.png", http.StatusFound)
	})
	mux.HandleFunc("GET /a.png", func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Type", "image/png")
		h.Set("Server", "test-server/1.0")
		h.Add("Via", "1.1 edge-a")
		h.Add("Via", "1.1 edge-b")
		h.Set("CF-Ray", "8a1b2c3d4e5f-CDG")
		h.Set("ETag", `"v1"`)
		h.Set("X-Powered-By", "TestStack")
		h.Set("Set-Cookie", "session=secret")
		w.Write(img)
	})
	mux.HandleFunc("GET /busy", func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "busy", http.StatusServiceUnavailable)
	})
	return newRecorder(t, mux), img
}

// keep returns a visit function that appends what it is given.
func keep(got *[]*vigie.Fetched) func(context.Context, *vigie.Fetched) error {
	return func(ctx context.Context, f *vigie.Fetched) error {
		*got = append(*got, f)
		return nil
	}
}

// mustFailure fails the test unless err is a *vigie.FetchFailure.
func mustFailure(t *testing.T, err error) *vigie.FetchFailure {
	t.Helper()
	var ff *vigie.FetchFailure
	if !errors.As(err, &ff) {
		t.Fatalf("err=%v (%T), want *vigie.FetchFailure", err, err)
	}
	return ff
}

func TestCrawler_Crawl(t *testing.T) {
	ctx := context.Background()
	t.Run("OK", func(t *testing.T) {
		srv, img := crawlerSite(t)
		c := fetch.NewCrawler(newTestFetcher(newResolver(), true))
		var got []*vigie.Fetched
		failures, err := c.Crawl(ctx, srv.URLFor("127.0.0.1", "/page"), keep(&got))
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 1 || len(failures) != 1 {
			t.Fatalf("%d items and %d failures, want 1 and 1", len(got), len(failures))
		}
		f := failures[0]
		if got, want := f.URL, srv.URLFor("127.0.0.1", "/missing.png"); got != want {
			t.Errorf("failure URL=%q, want %q", got, want)
		}
		if f.Reason != string(fetch.ReasonHTTPStatus) || !f.Permanent || !strings.Contains(f.Message, "404") {
			t.Errorf("failure=%+v, want a permanent http_status with 404 in its message", f)
		}
		checkEvidence(t, srv, got[0], img)
	})
	t.Run("OKMedia", func(t *testing.T) {
		srv, img := crawlerSite(t)
		c := fetch.NewCrawler(newTestFetcher(newResolver(), true))
		var got []*vigie.Fetched
		failures, err := c.Crawl(ctx, srv.URLFor("127.0.0.1", "/a.png"), keep(&got))
		if err != nil || len(failures) != 0 || len(got) != 1 {
			t.Fatalf("Crawl: %d items, failures %v, err %v; want 1 item", len(got), failures, err)
		}
		if string(got[0].Body) != string(img) {
			t.Fatal("the body is not the image served")
		}
	})
	t.Run("ErrRefusedAddress", func(t *testing.T) {
		srv, _ := crawlerSite(t)
		c := fetch.NewCrawler(newTestFetcher(newResolver(), false, srv.Port()))
		var got []*vigie.Fetched
		u := srv.URLFor("127.0.0.1", "/page")
		failures, err := c.Crawl(ctx, u, keep(&got))
		ff := mustFailure(t, err)
		if got, want := ff.Reason, string(fetch.ReasonRefusedAddress); got != want {
			t.Fatalf("Reason=%q, want %q", got, want)
		}
		if !ff.Permanent || ff.URL != u || !strings.Contains(ff.Message, "loopback") {
			t.Fatalf("failure=%+v, want permanent, for %q, naming the loopback class", ff, u)
		}
		if len(got) != 0 || len(failures) != 0 || srv.Conns() != 0 {
			t.Fatalf("%d items, %d failures, %d connections; want none", len(got), len(failures), srv.Conns())
		}
	})
	t.Run("ErrUnavailable", func(t *testing.T) {
		srv, _ := crawlerSite(t)
		c := fetch.NewCrawler(newTestFetcher(newResolver(), true))
		_, err := c.Crawl(ctx, srv.URLFor("127.0.0.1", "/busy"), keep(new([]*vigie.Fetched)))
		ff := mustFailure(t, err)
		if ff.Reason != string(fetch.ReasonHTTPStatus) || ff.Permanent || !strings.Contains(ff.Message, "503") {
			t.Fatalf("failure=%+v, want a retryable http_status with 503 in its message", ff)
		}
	})
	t.Run("ErrVisit", func(t *testing.T) {
		srv, _ := crawlerSite(t)
		c := fetch.NewCrawler(newTestFetcher(newResolver(), true))
		stop := errors.New("quarantine full")
		_, err := c.Crawl(ctx, srv.URLFor("127.0.0.1", "/page"), func(context.Context, *vigie.Fetched) error { return stop })
		if err != stop {
			t.Fatalf("err=%v (%T), want the visit error unchanged", err, err)
		}
	})
	t.Run("ErrCanceled", func(t *testing.T) {
		srv, _ := crawlerSite(t)
		c := fetch.NewCrawler(newTestFetcher(newResolver(), true))
		ctx, cancel := context.WithCancel(ctx)
		cancel()
		_, err := c.Crawl(ctx, srv.URLFor("127.0.0.1", "/page"), keep(new([]*vigie.Fetched)))
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("err=%v, want context.Canceled", err)
		}
	})
}

// checkEvidence checks that the domain evidence of the image fetched via
// /img carries what the fetcher recorded.
func checkEvidence(t *testing.T, srv *recorder, f *vigie.Fetched, img []byte) {
	t.Helper()
	ev := f.Evidence
	sum := sha256.Sum256(img)
	for _, c := range []struct{ name, got, want string }{
		{"RequestedURL", ev.RequestedURL, srv.URLFor("127.0.0.1", "/img")},
		{"FinalURL", ev.FinalURL, srv.URLFor("127.0.0.1", "/a.png")},
		{"RemoteAddr", ev.RemoteAddr, srv.Listener.Addr().String()},
		{"SHA256", ev.SHA256, hex.EncodeToString(sum[:])},
		{"ContentType", ev.ContentType, "image/png"},
		{"Content-Type", ev.Headers["Content-Type"], "image/png"},
		{"Server", ev.Headers["Server"], "test-server/1.0"},
		{"Via", ev.Headers["Via"], "1.1 edge-a"},
		{"CF-Ray", ev.Headers["CF-Ray"], "8a1b2c3d4e5f-CDG"},
		{"ETag", ev.Headers["ETag"], `"v1"`},
		{"X-Powered-By", ev.Headers["X-Powered-By"], "TestStack"},
		{"Set-Cookie", ev.Headers["Set-Cookie"], ""},
	} {
		if c.got != c.want {
			t.Errorf("%s=%q, want %q", c.name, c.got, c.want)
		}
	}
	if got, want := strings.Join(ev.Redirects, " "), srv.URLFor("127.0.0.1", "/img"); got != want {
		t.Errorf("Redirects=%q, want %q", got, want)
	}
	if ev.Status != http.StatusOK || ev.Size != int64(len(img)) || !ev.FetchedAt.Equal(testClock()) {
		t.Errorf("Status=%d Size=%d FetchedAt=%v, want 200, %d, %v", ev.Status, ev.Size, ev.FetchedAt, len(img), testClock())
	}
	if string(f.Body) != string(img) {
		t.Error("the body is not the image served")
	}
}
