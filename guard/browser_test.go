//go:build !js

package guard_test

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"github.com/vigie-hotline/vigie/fingerprint"
	"github.com/vigie-hotline/vigie/guard"
)

// guardianCSP is the site's policy plus 'wasm-unsafe-eval', which browsers
// require to compile WebAssembly.
const guardianCSP = "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'; img-src 'self' data:; " +
	"object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"

// guardianSite serves a bare test page and web/static/guardian.
func guardianSite(t *testing.T) *httptest.Server {
	t.Helper()
	mux := http.NewServeMux()
	mux.Handle("GET /static/guardian/", http.StripPrefix("/static/guardian/", http.FileServer(http.Dir(artifact))))
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) { http.ServeFile(w, r, "testdata/guardian.html") })
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Security-Policy", guardianCSP)
		mux.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	return srv
}

// browser starts headless Chromium. It skips the test only when
// VIGIE_TEST_SKIP lists "browser"; a missing Chromium fails it.
func browser(t *testing.T) context.Context {
	t.Helper()
	if strings.Contains(","+os.Getenv("VIGIE_TEST_SKIP")+",", ",browser,") {
		t.Skip("VIGIE_TEST_SKIP=browser")
	}
	bin := os.Getenv("CHROME_BIN")
	if bin == "" {
		var err error
		if bin, err = exec.LookPath("chromium"); err != nil {
			t.Fatal("Chromium not found: install Debian's chromium, set CHROME_BIN, or set VIGIE_TEST_SKIP=browser")
		}
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(bin),
		chromedp.Flag("no-sandbox", true), chromedp.Flag("disable-gpu", true),
		chromedp.Flag("disable-background-networking", true), chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-quic", true), chromedp.Flag("no-first-run", true), chromedp.Flag("disable-sync", true),
		chromedp.UserDataDir(t.TempDir()))
	actx, cancel := chromedp.NewExecAllocator(context.Background(), opts...)
	t.Cleanup(cancel)
	ctx, cancel2 := chromedp.NewContext(actx)
	t.Cleanup(cancel2)
	ctx, cancel3 := context.WithTimeout(ctx, 2*time.Minute)
	t.Cleanup(cancel3)
	return ctx
}

// requests records the method and URL of every request the page makes,
// and whether it carried a body.
type requests struct {
	mu   sync.Mutex
	list []string
}

func (r *requests) listen(ctx context.Context) error {
	return chromedp.Listen(ctx, func(ev any) {
		if e, ok := ev.(*network.EventRequestWillBeSent); ok {
			r.mu.Lock()
			defer r.mu.Unlock()
			r.list = append(r.list, e.Request.Method+" "+e.Request.URL+map[bool]string{true: " +body"}[e.Request.HasPostData])
		}
	})
}

// TestGuardianJS picks photos on a page that loads guardian.js under the
// site's policy, and checks the hashes and cleaned files it produces
// against the native code, and that no request carries anything but GETs
// of the page's own files.
func TestGuardianJS(t *testing.T) {
	if testing.Short() {
		t.Skip("runs Chromium")
	}
	ctx := browser(t)
	srv := guardianSite(t)
	files := generatedImages(t)
	var reqs requests
	if err := reqs.listen(ctx); err != nil {
		t.Fatal(err)
	}
	dir := filepath.Dir(files[0])
	if _, err := chromedp.Call(ctx, network.Enable, network.EnableParams{}); err != nil {
		t.Fatal(err)
	}
	step(t, ctx, chromedp.Navigate(srv.URL+"/"))
	wait(t, ctx, `typeof vigieHash === "function"`)
	evaluate[bool](t, ctx, `document.addEventListener("vigie-hashes", (e) => { window.hashed = e.detail; window.ms = performance.now() - window.t0 }); window.t0 = performance.now(); true`)
	step(t, ctx, chromedp.SetUploadFiles(chromedp.ID("photos"), files))
	wait(t, ctx, `window.hashed !== undefined`)
	hashesJSON := evaluate[string](t, ctx, `document.getElementById("hashes").value`)
	ms := evaluate[float64](t, ctx, `window.ms`)
	evaluate[bool](t, ctx, `document.addEventListener("vigie-scrubbed", (e) => { window.scrubbed = e.detail }); true`)
	step(t, ctx, chromedp.SetUploadFiles(chromedp.ID("scrub-photos"), []string{filepath.Join(dir, "camera.jpg")}))
	wait(t, ctx, `window.scrubbed !== undefined`)
	cleanB64, err := chromedp.Run(ctx, chromedp.Evaluate[string](`window.scrubbed[0].blob.arrayBuffer().then((b) => btoa(String.fromCharCode(...new Uint8Array(b))))`, chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("Chromium hashed %d files in %.0f ms", len(files), ms)
	t.Run("OKHashesEqualNative", func(t *testing.T) { sameSubmission(t, hashesJSON, files) })
	t.Run("OKCleanedEqualsNative", func(t *testing.T) {
		data, err := os.ReadFile(filepath.Join(dir, "camera.jpg"))
		if err != nil {
			t.Fatal(err)
		}
		want, _, err := guard.Scrub(data)
		if err != nil {
			t.Fatal(err)
		}
		got, err := base64.StdEncoding.DecodeString(cleanB64)
		if err != nil {
			t.Fatal(err)
		}
		if sha256.Sum256(got) != sha256.Sum256(want) {
			t.Errorf("the downloaded file (%d bytes) differs from the native cleaned file (%d bytes)", len(got), len(want))
		}
	})
	t.Run("OKOnlyGETs", func(t *testing.T) {
		reqs.mu.Lock()
		defer reqs.mu.Unlock()
		for _, r := range reqs.list {
			if !strings.HasPrefix(r, "GET ") || strings.HasSuffix(r, "+body") {
				t.Errorf("request %s", r)
			}
		}
	})
}

// sameSubmission checks that the page's JSON holds the native hashes of
// the files that may be registered, in order.
func sameSubmission(t *testing.T, got string, files []string) {
	t.Helper()
	want := guard.Submission{Version: 1, Hashes: []guard.Entry{}}
	for _, f := range files {
		res, err := fingerprint.HashFile(t.Context(), f, fingerprint.Options{})
		if err != nil {
			continue
		}
		if e, why := guard.NewEntry(res); why == "" {
			want.Add(e)
		}
	}
	b, err := json.Marshal(want)
	if err != nil {
		t.Fatal(err)
	}
	if got != string(b) {
		t.Errorf("#hashes=%s\nwant %s", got, b)
	}
}

// step runs one browser action.
func step(t *testing.T, ctx context.Context, a chromedp.Action[chromedp.Void]) {
	t.Helper()
	if err := chromedp.Do(ctx, a); err != nil {
		t.Fatal(err)
	}
}

// wait polls until the JavaScript expression js is true.
func wait(t *testing.T, ctx context.Context, js string) {
	t.Helper()
	if _, err := chromedp.Run(ctx, chromedp.Poll[bool](js, chromedp.WithPollingTimeout(60*time.Second))); err != nil {
		t.Fatalf("wait for %s: %v", js, err)
	}
}

// evaluate returns the value of the JavaScript expression js.
func evaluate[T any](t *testing.T, ctx context.Context, js string) T {
	t.Helper()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](js))
	if err != nil {
		t.Fatalf("evaluate %s: %v", js, err)
	}
	return v
}
