package main

import (
	"context"
	"fmt"
	"html/template"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
)

// xssPayloads are script and markup a hostile reporter types into every
// field, each with the markup that would be live if it were not escaped.
var xssPayloads = []struct{ text, live string }{
	{`<script>alert(1)</script>`, `<script>alert(1)</script>`},
	{`"><img src=x onerror=alert(1)>`, `<img src=x onerror=alert(1)>`},
	{`javascript:alert(1)`, ``}, // live only as a URL attribute: see assertInertHTML
	{`</textarea><svg onload=alert(1)>`, `<svg onload=alert(1)>`},
	{`{{.}}{{template "layout" .}}`, ``},
}

// injected counts, in the page the browser built, elements and attributes
// that only an injection would create: the pages have no script, no SVG,
// no inline handler and no javascript: link of their own.
const injected = `document.querySelectorAll('script, svg, iframe, object, embed, img[src="x"], [onerror], [onload], [href^="javascript:"], [src^="javascript:"]').length`

// assertInertHTML fails if a payload's live markup is in the HTML, or if
// the template text was executed rather than shown.
func assertInertHTML(t *testing.T, where, body string) {
	t.Helper()
	for _, p := range xssPayloads {
		if p.live != "" && strings.Contains(body, p.live) {
			t.Errorf("%s: %q is in the HTML unescaped", where, p.live)
		}
	}
	if regexp.MustCompile(`(?i)(href|src|action|formaction)="\s*javascript:`).MatchString(body) {
		t.Errorf("%s: a javascript: URL is live", where)
	}
}

// dialogWatch counts JavaScript dialogs opened in a tab, and dismisses
// them so that nothing blocks.
func dialogWatch(t *testing.T, ctx context.Context) *atomic.Int32 {
	var n atomic.Int32
	events := chromedp.Events(ctx, page.JavascriptDialogOpening)
	go func() {
		for _, err := range events {
			if err != nil {
				return
			}
			n.Add(1)
			chromedp.Call(ctx, page.HandleJavaScriptDialog, page.HandleJavaScriptDialogParams{Accept: false})
		}
	}()
	return &n
}

// assertInertDOM checks the page the browser built from the current tab.
func assertInertDOM(t *testing.T, ctx context.Context, where string) {
	t.Helper()
	if n := eval[int](t, ctx, injected); n != 0 {
		t.Errorf("%s: %d injected elements in the page", where, n)
	}
}

// TestXSS_ReportFieldsInert types script and markup into every field of
// the public form (the URLs carry them in path and query) and checks that
// every page showing them, to the reporter and to the analysts, shows text:
// nothing live in the HTML, no injected element in Chromium, no dialog.
func TestXSS_ReportFieldsInert(t *testing.T) {
	browser := mustBrowser(t)
	const password = "correct horse battery staple"
	data := t.TempDir()
	if code, _, errs := run(t, password+"\n", "--data", data, "user", "add", "ana", "--role", "analyst", "--password-stdin"); code != 0 {
		t.Fatal(errs)
	}
	m, _ := MustRunServeWith(t, []string{"--data", data}, "--fetch-allow-loopback", "--report-burst", "0")
	base := m.Server.URL()
	img := pngBytes(t, 41)
	site := httptestServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "image/png")
		w.Write(img)
	}))
	hostileURL := func(p string) string { return site + "/" + p + "?q=" + p }

	reporter, staffTab := incognito(t, browser), incognito(t, browser)
	reporterDialogs, staffDialogs := dialogWatch(t, reporter), dialogWatch(t, staffTab)

	t.Run("RefusedFormShowsText", func(t *testing.T) {
		for i, p := range xssPayloads {
			open(t, reporter, base+"/report")
			eval[bool](t, reporter, fmt.Sprintf(`(() => {
				document.getElementById("report-form").noValidate = true;
				const o = document.createElement("option"); o.value = %s; o.selected = true;
				document.getElementById("category").append(o); return true })()`, jsString(p.text)))
			fill(t, reporter, "urls", hostileURL(p.text)+"\n"+p.text, "seen_where", p.text, "description", p.text, "email", p.text)
			if st := submit(t, reporter, "send-report"); st != http.StatusBadRequest {
				t.Fatalf("payload %d: status %d, want 400", i, st)
			}
			assertInertDOM(t, reporter, fmt.Sprintf("refused form %d", i))
			for _, id := range []string{"seen_where", "description", "email"} {
				if got, err := chromedp.Run(reporter, chromedp.Value(chromedp.ID(id))); err != nil || got != p.text {
					t.Errorf("payload %d: #%s holds %q, want the text typed", i, id, got)
				}
			}
		}
		for _, p := range xssPayloads {
			_, body := postReportForm(t, base, url.Values{"urls": {p.text}, "category": {p.text}, "seen_where": {p.text}, "description": {p.text}, "email": {p.text}})
			assertInertHTML(t, "refused form", body)
		}
	})

	var reports []reportReply
	for _, p := range xssPayloads {
		st, body := postReportForm(t, base, url.Values{"urls": {hostileURL(p.text)}, "category": {"csam"},
			"seen_where": {p.text}, "description": {p.text}, "email": {"reporter@example.org"}})
		code := regexp.MustCompile(`id="tracking-code">(VG-[0-9A-Z]{8})<`).FindStringSubmatch(body)
		pin := regexp.MustCompile(`id="tracking-pin">(\d{4} \d{4})<`).FindStringSubmatch(body)
		if st != 200 || code == nil || pin == nil {
			t.Fatalf("report with %q: status %d", p.text, st)
		}
		assertInertHTML(t, "done page", body)
		reports = append(reports, reportReply{Code: code[1], PIN: pin[1]})
	}

	t.Run("ReporterStatusShowsText", func(t *testing.T) {
		for i, r := range reports {
			statusInBrowser(t, reporter, base, r)
			assertInertDOM(t, reporter, "status page")
			if got := eval[string](t, reporter, `document.getElementById("status").innerText`); !strings.Contains(got, hostileURL(xssPayloads[i].text)) {
				t.Errorf("status page does not show the reported URL as text: %q", got)
			}
			_, body := signInless(t, base, r)
			assertInertHTML(t, "status page", body)
		}
	})

	ana := signIn(t, base, "ana", password)
	var items []string
	eventually(t, "every report to reach the queue", func() bool {
		_, body := ana.get("/queue")
		items = nil
		for _, m := range regexp.MustCompile(`id="item-(\d+)"`).FindAllStringSubmatch(body, -1) {
			items = append(items, m[1])
		}
		return len(items) == len(xssPayloads)
	})
	_, list := ana.get("/cases")
	var cases []string
	for _, m := range regexp.MustCompile(`href="/cases/(\d+)"`).FindAllStringSubmatch(list, -1) {
		cases = append(cases, m[1])
	}
	if len(cases) != len(xssPayloads) {
		t.Fatalf("%d cases, want %d", len(cases), len(xssPayloads))
	}
	pages := []string{"/queue", "/cases"}
	for _, id := range cases {
		pages = append(pages, "/cases/"+id)
	}
	for _, id := range items {
		pages = append(pages, "/items/"+id)
	}

	t.Run("AnalystPagesShowText", func(t *testing.T) {
		shown := map[string]bool{}
		for _, path := range pages {
			st, body := ana.get(path)
			if st != 200 {
				t.Fatalf("%s: status %d", path, st)
			}
			assertInertHTML(t, path, body)
			if strings.Contains(body, "reporter@example.org") {
				t.Errorf("%s shows the reporter's contact", path)
			}
			for _, p := range xssPayloads {
				if strings.HasPrefix(path, "/cases/") && strings.Contains(body, `<span class="user-text">`+htmlText(p.text)+`</span>`) {
					shown[p.text] = true
				}
			}
		}
		if len(shown) != len(xssPayloads) {
			t.Fatalf("the case pages show %d of the %d payloads as text", len(shown), len(xssPayloads))
		}

		if st := login(t, staffTab, base, "ana", password); st != 200 {
			t.Fatalf("sign-in: status %d", st)
		}
		seen := 0
		for _, path := range pages {
			open(t, staffTab, base+path)
			assertInertDOM(t, staffTab, path)
			if strings.HasPrefix(path, "/cases/") {
				for _, text := range eval[[]string](t, staffTab, `[...document.querySelectorAll(".user-text")].map(e => e.textContent)`) {
					for _, p := range xssPayloads {
						if text == p.text {
							seen++
						}
					}
				}
			}
		}
		if want := 2 * len(xssPayloads); seen < want {
			t.Fatalf("Chromium shows %d payloads as text on the case pages, want %d (seen where and description)", seen, want)
		}
	})

	if n := reporterDialogs.Load() + staffDialogs.Load(); n != 0 {
		t.Fatalf("%d JavaScript dialogs opened", n)
	}
}

func httptestServer(t *testing.T, h http.Handler) string {
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv.URL
}

// htmlText is s as html/template writes it in text.
func htmlText(s string) string {
	return template.HTMLEscapeString(s)
}

// signInless asks the status page for a report without any session.
func signInless(t *testing.T, base string, r reportReply) (int, string) {
	t.Helper()
	resp, err := http.PostForm(base+"/report/status", url.Values{"code": {r.Code}, "pin": {r.PIN}})
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}
