package fetch_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/vigie-hotline/vigie/fetch"
)

// testSite serves a small site on site.test: a gallery page with media
// links of every kind, a second page, and some broken links.
func testSite(t *testing.T) (*recorder, map[string][]byte) {
	t.Helper()
	imgs := map[string][]byte{}
	for i, name := range []string{"/a.png", "/b.png", "/c.png", "/og.png", "/poster.png", "/deep.png", "/direct.png"} {
		imgs[name] = testPNG(t, i*10)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /gallery", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_, port, _ := strings.Cut(r.Host, ":")
		fmt.Fprintf(w, `<html><head><meta property="og:image" content="/og.png"></head><body>
<img src="/a.png"><img src="/a.png"><img srcset="/b.png 1x, /c.png 2x">
<video poster="/poster.png"></video>
<img src="http://other.test:%s/a.png">
<img src="/missing.png"><img src="/fake.jpg">
<img src="http://10.0.0.1/x.png">
<a href="/more">more</a>
</body></html>`, port)
	})
	mux.HandleFunc("GET /more", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		w.Write([]byte(`<img src="/deep.png"><a href="/gallery">back</a>`))
	})
	mux.HandleFunc("GET /fake.jpg", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "image/jpeg")
		w.Write([]byte("just text, not a picture"))
	})
	mux.HandleFunc("GET /text", func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte("plain text"))
	})
	for name, body := range imgs {
		mux.HandleFunc("GET "+name, func(w http.ResponseWriter, r *http.Request) { w.Write(body) })
	}
	return newRecorder(t, mux), imgs
}

// collect returns a visit function that keeps the SHA-256 of each body by
// path, and checks that the body matches its evidence.
func collect(t *testing.T, got map[string]string) fetch.VisitFunc {
	return func(ctx context.Context, item *fetch.Item) error {
		sum := sha256.Sum256(item.Body)
		if hex.EncodeToString(sum[:]) != item.Evidence.SHA256 {
			t.Errorf("%s: body does not match its evidence", item.Evidence.FinalURL)
		}
		i := strings.Index(item.Evidence.FinalURL[len("http://"):], "/")
		got[item.Evidence.FinalURL[len("http://")+i:]] = item.Evidence.SHA256
		return nil
	}
}

func sha(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

func TestCrawl(t *testing.T) {
	srv, imgs := testSite(t)
	r := newResolver().Set("site.test", "127.0.0.1").Set("other.test", "127.0.0.1")

	t.Run("OK", func(t *testing.T) {
		f := newTestFetcher(r, true)
		got := map[string]string{}
		res, err := f.Crawl(context.Background(), srv.URLFor("site.test", "/gallery"), collect(t, got))
		if err != nil {
			t.Fatal(err)
		}
		want := map[string]string{}
		for _, name := range []string{"/a.png", "/b.png", "/c.png", "/og.png", "/poster.png"} {
			want[name] = sha(imgs[name])
		}
		if len(got) != len(want) {
			t.Fatalf("visited %v, want %v", got, want)
		}
		for k, v := range want {
			if got[k] != v {
				t.Fatalf("visited %s with hash %q, want %q", k, got[k], v)
			}
		}
		if got, want := len(res.Items), 5; got != want {
			t.Fatalf("len(Items)=%d, want %d", got, want)
		}
		if got, want := len(res.Pages), 1; got != want {
			t.Fatalf("len(Pages)=%d, want %d (depth 1 does not follow pages)", got, want)
		}
		reasons := map[string]fetch.Reason{}
		for _, fl := range res.Failures {
			reasons[fl.URL] = fl.Err.Reason
		}
		wantReasons := map[string]fetch.Reason{
			srv.URLFor("site.test", "/missing.png"): fetch.ReasonHTTPStatus,
			srv.URLFor("site.test", "/fake.jpg"):    fetch.ReasonNotMedia,
		}
		if len(reasons) != len(wantReasons) {
			t.Fatalf("failures %v, want %v", reasons, wantReasons)
		}
		for u, want := range wantReasons {
			if got := reasons[u]; got != want {
				t.Fatalf("failure of %s: %v, want %v", u, got, want)
			}
		}
	})

	t.Run("DepthTwo", func(t *testing.T) {
		f := newTestFetcher(r, true)
		f.MaxDepth = 2
		got := map[string]string{}
		res, err := f.Crawl(context.Background(), srv.URLFor("site.test", "/gallery"), collect(t, got))
		if err != nil {
			t.Fatal(err)
		}
		if got[("/deep.png")] != sha(imgs["/deep.png"]) {
			t.Fatalf("visited %v, want /deep.png from the second page", got)
		}
		if got, want := len(res.Pages), 2; got != want {
			t.Fatalf("len(Pages)=%d, want %d", got, want)
		}
	})

	t.Run("DepthZero", func(t *testing.T) {
		f := newTestFetcher(r, true)
		f.MaxDepth = 0
		got := map[string]string{}
		res, err := f.Crawl(context.Background(), srv.URLFor("site.test", "/gallery"), collect(t, got))
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 0 || len(res.Pages) != 1 {
			t.Fatalf("visited %v and %d pages, want only the page", got, len(res.Pages))
		}
		if !slices.Contains(res.Pages[0].Links.Media, srv.URLFor("site.test", "/a.png")) {
			t.Fatalf("Links.Media=%v, want the page's media listed", res.Pages[0].Links.Media)
		}
	})

	t.Run("ItemsPerPage", func(t *testing.T) {
		f := newTestFetcher(r, true)
		f.MaxItemsPerPage = 2
		got := map[string]string{}
		if _, err := f.Crawl(context.Background(), srv.URLFor("site.test", "/gallery"), collect(t, got)); err != nil {
			t.Fatal(err)
		}
		if len(got) > 2 {
			t.Fatalf("visited %d items, want at most 2", len(got))
		}
	})

	t.Run("DirectMedia", func(t *testing.T) {
		f := newTestFetcher(r, true)
		got := map[string]string{}
		res, err := f.Crawl(context.Background(), srv.URLFor("site.test", "/direct.png"), collect(t, got))
		if err != nil {
			t.Fatal(err)
		}
		if len(res.Items) != 1 || got["/direct.png"] != sha(imgs["/direct.png"]) {
			t.Fatalf("visited %v, want only /direct.png", got)
		}
	})

	t.Run("ErrNotMedia", func(t *testing.T) {
		f := newTestFetcher(r, true)
		_, err := f.Crawl(context.Background(), srv.URLFor("site.test", "/text"), collect(t, map[string]string{}))
		if got, want := fetch.ReasonOf(err), fetch.ReasonNotMedia; got != want {
			t.Fatalf("Reason=%v, want %v (%v)", got, want, err)
		}
	})

	t.Run("ErrRefusedAddress", func(t *testing.T) {
		f := newTestFetcher(r, false, srv.Port())
		_, err := f.Crawl(context.Background(), srv.URLFor("site.test", "/gallery"), collect(t, map[string]string{}))
		if got, want := fetch.ReasonOf(err), fetch.ReasonRefusedAddress; got != want {
			t.Fatalf("Reason=%v, want %v (%v)", got, want, err)
		}
	})

	t.Run("ErrVisit", func(t *testing.T) {
		f := newTestFetcher(r, true)
		stop := fmt.Errorf("quarantine full")
		_, err := f.Crawl(context.Background(), srv.URLFor("site.test", "/gallery"), func(context.Context, *fetch.Item) error {
			return stop
		})
		if err != stop {
			t.Fatalf("err=%v, want %v", err, stop)
		}
	})
}
