package fetch_test

import (
	"context"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/vigie-hotline/vigie"
	"github.com/vigie-hotline/vigie/fetch"
)

func TestFetch_Evidence(t *testing.T) {
	img := testPNG(t, 1)
	mux := http.NewServeMux()
	mux.HandleFunc("GET /a", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/b", http.StatusMovedPermanently)
	})
	mux.HandleFunc("GET /b", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "http://cdn.site.test:"+r.URL.Port()+"/img.png", http.StatusFound)
	})
	mux.HandleFunc("GET /img.png", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "image/png")
		w.Header().Set("ETag", `"abc"`)
		w.Header().Set("Last-Modified", "Mon, 02 Mar 2026 10:00:00 GMT")
		w.Header().Set("Server", "test-server")
		w.Header().Set("Set-Cookie", "session=secret")
		w.Write(img)
	})
	srv := newRecorder(t, portInjector(mux))
	r := newResolver().Set("site.test", "127.0.0.1").Set("cdn.site.test", "127.0.0.1")
	f := newTestFetcher(r, true)

	start := srv.URLFor("site.test", "/a#frag")
	item, err := f.Fetch(context.Background(), start)
	if err != nil {
		t.Fatal(err)
	}
	ev := item.Evidence
	sum := sha256.Sum256(img)
	final := srv.URLFor("cdn.site.test", "/img.png")
	for _, c := range []struct{ name, got, want string }{
		{"RequestedURL", ev.RequestedURL, start},
		{"FinalURL", ev.FinalURL, final},
		{"RemoteAddr", ev.RemoteAddr, srv.Listener.Addr().String()},
		{"SHA256", ev.SHA256, hex.EncodeToString(sum[:])},
		{"SniffedType", ev.SniffedType, "image/png"},
		{"DeclaredType", ev.DeclaredType, "image/png"},
		{"Proto", ev.Proto, "HTTP/1.1"},
		{"ETag", ev.Header.Get("ETag"), `"abc"`},
		{"Last-Modified", ev.Header.Get("Last-Modified"), "Mon, 02 Mar 2026 10:00:00 GMT"},
		{"Server", ev.Header.Get("Server"), "test-server"},
		{"Content-Length", ev.Header.Get("Content-Length"), strconv.Itoa(len(img))},
		{"Set-Cookie", ev.Header.Get("Set-Cookie"), ""},
		{"Hop0.URL", ev.Redirects[0].URL, srv.URLFor("site.test", "/a")},
		{"Hop0.Location", ev.Redirects[0].Location, "/b"},
		{"Hop1.Location", ev.Redirects[1].Location, final},
		{"Hop1.RemoteAddr", ev.Redirects[1].RemoteAddr, srv.Listener.Addr().String()},
	} {
		if c.got != c.want {
			t.Errorf("%s=%q, want %q", c.name, c.got, c.want)
		}
	}
	if got, want := ev.Status, http.StatusOK; got != want {
		t.Errorf("Status=%d, want %d", got, want)
	}
	if got, want := ev.Size, int64(len(img)); got != want {
		t.Errorf("Size=%d, want %d", got, want)
	}
	if got, want := ev.FetchedAt, testClock(); !got.Equal(want) {
		t.Errorf("FetchedAt=%v, want %v", got, want)
	}
	if got, want := len(ev.Redirects), 2; got != want {
		t.Fatalf("len(Redirects)=%d, want %d", got, want)
	}
	if got, want := ev.Redirects[0].Status, http.StatusMovedPermanently; got != want {
		t.Errorf("Redirects[0].Status=%d, want %d", got, want)
	}
	if got, want := string(item.Body), string(img); got != want {
		t.Errorf("Body differs from the image served")
	}
	if !item.IsMedia() {
		t.Errorf("IsMedia=false, want true")
	}
}

// portInjector passes the listener's port to handlers in r.URL, so they can
// build absolute redirect URLs on other names.
func portInjector(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, port, _ := net.SplitHostPort(r.Host)
		r.URL.Host = "x:" + port
		h.ServeHTTP(w, r)
	})
}

func TestFetch_RedirectLimit(t *testing.T) {
	srv := newRecorder(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n, _ := strconv.Atoi(r.URL.Query().Get("n"))
		if stop, _ := strconv.Atoi(r.URL.Query().Get("stop")); n == stop {
			w.Write([]byte("arrived"))
			return
		}
		http.Redirect(w, r, fmt.Sprintf("/?n=%d&stop=%s", n+1, r.URL.Query().Get("stop")), http.StatusFound)
	}))
	f := newTestFetcher(newResolver(), true)

	t.Run("OK", func(t *testing.T) {
		item, err := f.Fetch(context.Background(), srv.URL+"/?n=0&stop=5")
		if err != nil {
			t.Fatal(err)
		}
		if got, want := len(item.Evidence.Redirects), 5; got != want {
			t.Fatalf("len(Redirects)=%d, want %d", got, want)
		}
	})
	t.Run("ErrTooManyRedirects", func(t *testing.T) {
		_, err := f.Fetch(context.Background(), srv.URL+"/?n=0&stop=1000")
		fe := mustFetchError(t, err)
		if got, want := fe.Reason, fetch.ReasonTooManyRedirects; got != want {
			t.Fatalf("Reason=%v, want %v", got, want)
		}
		if !fe.Permanent {
			t.Fatal("Permanent=false, want true")
		}
		if got, want := len(fe.Evidence.Redirects), 6; got != want {
			t.Fatalf("len(Evidence.Redirects)=%d, want %d", got, want)
		}
	})
}

func TestFetch_TooLarge(t *testing.T) {
	t.Run("ErrDeclaredLength", func(t *testing.T) {
		var written atomic.Int64
		srv := newRecorder(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Length", strconv.Itoa(2<<20))
			chunk := make([]byte, 32<<10)
			for i := 0; i < 64; i++ {
				n, err := w.Write(chunk)
				written.Add(int64(n))
				if err != nil {
					return
				}
			}
		}))
		f := newTestFetcher(newResolver(), true)
		f.MaxBytes = 1 << 20
		_, err := f.Fetch(context.Background(), srv.URL)
		if got, want := fetch.ReasonOf(err), fetch.ReasonTooLarge; got != want {
			t.Fatalf("Reason=%v, want %v (%v)", got, want, err)
		}
		if !fetch.IsPermanent(err) {
			t.Fatal("IsPermanent=false, want true")
		}
	})

	t.Run("ErrEndlessStream", func(t *testing.T) {
		// The server streams without end and without a length; the fetcher
		// must stop at the limit, holding no more than about the limit.
		var written atomic.Int64
		srv := newRecorder(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "image/jpeg")
			chunk := make([]byte, 32<<10)
			for r.Context().Err() == nil {
				n, err := w.Write(chunk)
				written.Add(int64(n))
				if err != nil {
					return
				}
			}
		}))
		f := newTestFetcher(newResolver(), true)
		f.MaxBytes = 4 << 20
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		_, err := f.Fetch(context.Background(), srv.URL)
		runtime.ReadMemStats(&after)
		if got, want := fetch.ReasonOf(err), fetch.ReasonTooLarge; got != want {
			t.Fatalf("Reason=%v, want %v (%v)", got, want, err)
		}
		// The buffer doubles up to the limit: about 8 MiB for a 4 MiB limit.
		if got := after.TotalAlloc - before.TotalAlloc; got > 16<<20 {
			t.Fatalf("allocated %d bytes for a 4 MiB limit", got)
		}
		srv.CloseClientConnections()
		if got := written.Load(); got > 64<<20 {
			t.Fatalf("server wrote %d bytes, want the read to stop near the limit", got)
		}
	})

	t.Run("ErrSixtyMiB", func(t *testing.T) {
		srv := newRecorder(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			chunk := make([]byte, 1<<20)
			for i := 0; i < 60; i++ {
				if _, err := w.Write(chunk); err != nil {
					return
				}
			}
		}))
		f := newTestFetcher(newResolver(), true)
		_, err := f.Fetch(context.Background(), srv.URL)
		if got, want := fetch.ReasonOf(err), fetch.ReasonTooLarge; got != want {
			t.Fatalf("Reason=%v, want %v (%v)", got, want, err)
		}
		if got, want := vigie.ErrorCode(err), vigie.ETOOLARGE; got != want {
			t.Fatalf("ErrorCode=%v, want %v", got, want)
		}
	})

	t.Run("OKAtLimit", func(t *testing.T) {
		srv := newRecorder(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Write(make([]byte, 1000))
		}))
		f := newTestFetcher(newResolver(), true)
		f.MaxBytes = 1000
		item, err := f.Fetch(context.Background(), srv.URL)
		if err != nil {
			t.Fatal(err)
		}
		if got, want := item.Evidence.Size, int64(1000); got != want {
			t.Fatalf("Size=%d, want %d", got, want)
		}
	})
}

func TestFetch_Timeout(t *testing.T) {
	t.Run("ErrSlowHeaders", func(t *testing.T) {
		srv := newRecorder(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			select {
			case <-r.Context().Done():
			case <-time.After(10 * time.Second):
			}
		}))
		f := newTestFetcher(newResolver(), true)
		f.HeaderTimeout = 100 * time.Millisecond
		begin := time.Now()
		_, err := f.Fetch(context.Background(), srv.URL)
		fe := mustFetchError(t, err)
		if got, want := fe.Reason, fetch.ReasonTimeout; got != want {
			t.Fatalf("Reason=%v, want %v (%v)", got, want, err)
		}
		if fe.Permanent {
			t.Fatal("Permanent=true, want false")
		}
		if d := time.Since(begin); d > 3*time.Second {
			t.Fatalf("took %v, want about the header timeout", d)
		}
	})
	t.Run("ErrSlowBody", func(t *testing.T) {
		srv := newRecorder(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			for r.Context().Err() == nil {
				w.Write([]byte("x"))
				w.(http.Flusher).Flush()
				time.Sleep(20 * time.Millisecond)
			}
		}))
		f := newTestFetcher(newResolver(), true)
		f.Timeout = 300 * time.Millisecond
		begin := time.Now()
		_, err := f.Fetch(context.Background(), srv.URL)
		if got, want := fetch.ReasonOf(err), fetch.ReasonTimeout; got != want {
			t.Fatalf("Reason=%v, want %v (%v)", got, want, err)
		}
		if d := time.Since(begin); d > 3*time.Second {
			t.Fatalf("took %v, want about the total timeout", d)
		}
	})
	t.Run("ErrCanceled", func(t *testing.T) {
		srv := newRecorder(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			<-r.Context().Done()
		}))
		f := newTestFetcher(newResolver(), true)
		ctx, cancel := context.WithCancel(context.Background())
		time.AfterFunc(50*time.Millisecond, cancel)
		_, err := f.Fetch(ctx, srv.URL)
		if got, want := fetch.ReasonOf(err), fetch.ReasonCanceled; got != want {
			t.Fatalf("Reason=%v, want %v (%v)", got, want, err)
		}
	})
}

func TestFetch_ConnectFailure(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close() // nothing listens there now
	f := newTestFetcher(newResolver(), true)
	_, err = f.Fetch(context.Background(), "http://"+addr+"/")
	fe := mustFetchError(t, err)
	if got, want := fe.Reason, fetch.ReasonConnectFailure; got != want {
		t.Fatalf("Reason=%v, want %v (%v)", got, want, err)
	}
	if fe.Permanent {
		t.Fatal("Permanent=true, want false")
	}
	if got, want := vigie.ErrorCode(err), vigie.EUNAVAILABLE; got != want {
		t.Fatalf("ErrorCode=%v, want %v", got, want)
	}
}

func TestFetch_HTTPStatus(t *testing.T) {
	tests := []struct {
		status    int
		permanent bool
		code      string
	}{
		{http.StatusNotFound, true, vigie.ENOTFOUND},
		{http.StatusGone, true, vigie.ENOTFOUND},
		{http.StatusForbidden, true, vigie.EUNAVAILABLE},
		{http.StatusUnavailableForLegalReasons, true, vigie.EUNAVAILABLE},
		{http.StatusTooManyRequests, false, vigie.EUNAVAILABLE},
		{http.StatusInternalServerError, false, vigie.EUNAVAILABLE},
		{http.StatusServiceUnavailable, false, vigie.EUNAVAILABLE},
		{http.StatusNotModified, true, vigie.EUNAVAILABLE},
	}
	for _, tt := range tests {
		t.Run(strconv.Itoa(tt.status), func(t *testing.T) {
			srv := newRecorder(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Server", "test")
				w.WriteHeader(tt.status)
			}))
			f := newTestFetcher(newResolver(), true)
			_, err := f.Fetch(context.Background(), srv.URL)
			fe := mustFetchError(t, err)
			if got, want := fe.Reason, fetch.ReasonHTTPStatus; got != want {
				t.Fatalf("Reason=%v, want %v", got, want)
			}
			if got, want := fe.Status, tt.status; got != want {
				t.Fatalf("Status=%d, want %d", got, want)
			}
			if got, want := fe.Permanent, tt.permanent; got != want {
				t.Fatalf("Permanent=%v, want %v", got, want)
			}
			if got, want := vigie.ErrorCode(err), tt.code; got != want {
				t.Fatalf("ErrorCode=%v, want %v", got, want)
			}
			if fe.Evidence == nil || fe.Evidence.Status != tt.status || fe.Evidence.Header.Get("Server") != "test" {
				t.Fatalf("Evidence=%+v, want the status and headers recorded", fe.Evidence)
			}
		})
	}
}

func TestFetch_TLS(t *testing.T) {
	img := testPNG(t, 2)
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Write(img)
	}))
	srv.Config.ErrorLog = log.New(io.Discard, "", 0) // the refused handshake is expected
	srv.StartTLS()
	defer srv.Close()
	_, port, _ := net.SplitHostPort(srv.Listener.Addr().String())
	// httptest's certificate is valid for example.com.
	u := "https://example.com:" + port + "/"
	r := newResolver().Set("example.com", "127.0.0.1")

	t.Run("OK", func(t *testing.T) {
		f := newTestFetcher(r, true)
		pool := x509.NewCertPool()
		pool.AddCert(srv.Certificate())
		f.TLSConfig = &tls.Config{RootCAs: pool}
		item, err := f.Fetch(context.Background(), u)
		if err != nil {
			t.Fatal(err)
		}
		if got, want := item.Evidence.SniffedType, "image/png"; got != want {
			t.Fatalf("SniffedType=%v, want %v", got, want)
		}
	})
	t.Run("ErrUnknownAuthority", func(t *testing.T) {
		f := newTestFetcher(r, true)
		_, err := f.Fetch(context.Background(), u)
		fe := mustFetchError(t, err)
		if got, want := fe.Reason, fetch.ReasonTLSFailure; got != want {
			t.Fatalf("Reason=%v, want %v (%v)", got, want, err)
		}
		if !fe.Permanent {
			t.Fatal("Permanent=false, want true")
		}
	})
}

func TestFetchMedia(t *testing.T) {
	img := testPNG(t, 3)
	mux := http.NewServeMux()
	mux.HandleFunc("/img", func(w http.ResponseWriter, r *http.Request) { w.Write(img) })
	mux.HandleFunc("/fake.jpg", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "image/jpeg")
		w.Write([]byte("<html><script>alert(1)</script></html>"))
	})
	srv := newRecorder(t, mux)
	f := newTestFetcher(newResolver(), true)

	t.Run("OK", func(t *testing.T) {
		item, err := f.FetchMedia(context.Background(), srv.URL+"/img")
		if err != nil {
			t.Fatal(err)
		}
		if got, want := item.Evidence.SniffedType, "image/png"; got != want {
			t.Fatalf("SniffedType=%v, want %v", got, want)
		}
	})
	t.Run("ErrNotMedia", func(t *testing.T) {
		_, err := f.FetchMedia(context.Background(), srv.URL+"/fake.jpg")
		fe := mustFetchError(t, err)
		if got, want := fe.Reason, fetch.ReasonNotMedia; got != want {
			t.Fatalf("Reason=%v, want %v", got, want)
		}
		if !fe.Permanent {
			t.Fatal("Permanent=false, want true")
		}
		if got, want := fe.Evidence.DeclaredType, "image/jpeg"; got != want {
			t.Fatalf("DeclaredType=%v, want %v", got, want)
		}
		if got, want := fe.Evidence.SniffedType, "text/html"; got != want {
			t.Fatalf("SniffedType=%v, want %v", got, want)
		}
		var ve *vigie.Error
		if !errors.As(err, &ve) || ve.Code != vigie.EINVALID {
			t.Fatalf("errors.As vigie.Error=%v, want code %v", ve, vigie.EINVALID)
		}
	})
}

func TestFetch_IDN(t *testing.T) {
	srv := newRecorder(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte(r.Host))
	}))
	r := newResolver().Set("xn--bcher-kva.test", "127.0.0.1")
	f := newTestFetcher(r, true)
	item, err := f.Fetch(context.Background(), srv.URLFor("BÜCHER.test", "/"))
	if err != nil {
		t.Fatal(err)
	}
	if got, want := string(item.Body), fmt.Sprintf("xn--bcher-kva.test:%d", srv.Port()); got != want {
		t.Fatalf("Host header=%q, want %q", got, want)
	}
	if got, want := item.Evidence.FinalURL, srv.URLFor("xn--bcher-kva.test", "/"); got != want {
		t.Fatalf("FinalURL=%q, want %q", got, want)
	}
}

func TestFetch_ErrorURL(t *testing.T) {
	f := newTestFetcher(newResolver(), false)
	_, err := f.Fetch(context.Background(), "gopher://site.test/")
	if got, want := mustFetchError(t, err).URL, "gopher://site.test/"; got != want {
		t.Fatalf("URL=%q, want %q", got, want)
	}
	if got, want := vigie.ErrorMessage(err), "The address could not be fetched (refused_scheme)."; got != want {
		t.Fatalf("ErrorMessage=%q, want %q", got, want)
	}
}
