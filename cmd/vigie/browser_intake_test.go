package main

import (
	"context"
	"regexp"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// open navigates the tab to url and returns the HTTP status of the page.
func open(t *testing.T, ctx context.Context, url string) int64 {
	t.Helper()
	resp, err := chromedp.Run(ctx, chromedp.NavigateResponse(url))
	if err != nil {
		t.Fatalf("open %s: %v", url, err)
	}
	return resp.Status
}

// eval runs a JavaScript expression in the tab and returns its value.
func eval[T any](t *testing.T, ctx context.Context, js string) T {
	t.Helper()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](js))
	if err != nil {
		t.Fatalf("evaluate %s: %v", js, err)
	}
	return v
}

func exists(t *testing.T, ctx context.Context, css string) bool {
	t.Helper()
	return eval[bool](t, ctx, `document.querySelector(`+jsString(css)+`) !== null`)
}

func jsString(s string) string {
	return `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`).Replace(s) + `"`
}

// incognito returns a tab in a browser context of its own: no cookies are
// shared with the other tabs, as for a different person's browser.
func incognito(t *testing.T, browser context.Context) context.Context {
	t.Helper()
	ctx, cancel := chromedp.NewContext(browser, chromedp.WithNewBrowserContext())
	t.Cleanup(cancel)
	if err := chromedp.Do(ctx); err != nil {
		t.Fatal(err)
	}
	return ctx
}

// reportInBrowser fills the public form as an anonymous visitor and returns
// the tracking code and PIN the page shows.
func reportInBrowser(t *testing.T, ctx context.Context, base string, fields ...string) reportReply {
	t.Helper()
	if st := open(t, ctx, base+"/report"); st != 200 {
		t.Fatalf("GET /report: status %d", st)
	}
	fill(t, ctx, fields...)
	if st := submit(t, ctx, "send-report"); st != 200 {
		t.Fatalf("send report: status %d, error %q", st, text(t, ctx, "error"))
	}
	r := reportReply{Code: text(t, ctx, "tracking-code"), PIN: text(t, ctx, "tracking-pin")}
	if !regexp.MustCompile(`^VG-[0-9A-Z]{8}$`).MatchString(r.Code) || !regexp.MustCompile(`^\d{4} \d{4}$`).MatchString(r.PIN) {
		t.Fatalf("tracking code %q, PIN %q", r.Code, r.PIN)
	}
	return r
}

// statusInBrowser asks /report/status for code and PIN and returns the
// report's state as the page words it.
func statusInBrowser(t *testing.T, ctx context.Context, base string, r reportReply) string {
	t.Helper()
	open(t, ctx, base+"/report/status")
	fill(t, ctx, "code", r.Code, "pin", r.PIN)
	if st := submit(t, ctx, "check-status"); st != 200 {
		t.Fatalf("status of %s: %d", r.Code, st)
	}
	return text(t, ctx, "report-state")
}

// TestBrowser_ReportToTakedown is the hotline's daily work in Chromium: an
// anonymous visitor reports a page, an analyst sees the item blurred,
// reveals it (audited) and assesses it illegal, a second analyst confirms,
// the hash enters the bank, the same image at another address is
// classified without reaching the queue, and the reporter reads that
// action was taken.
func TestBrowser_ReportToTakedown(t *testing.T) {
	browser := mustBrowser(t)
	const password = "correct horse battery staple"
	data := t.TempDir()
	for _, u := range []string{"ana", "bob"} {
		if code, _, errs := run(t, password+"\n", "--data", data, "user", "add", u, "--role", "analyst", "--password-stdin"); code != 0 {
			t.Fatal(errs)
		}
	}
	m, _ := MustRunServeWith(t, []string{"--data", data}, "--fetch-allow-loopback")
	base := m.Server.URL()
	site := testSite(t, map[string][]byte{"a.png": pngBytes(t, 21)})
	reporter, staffTab := incognito(t, browser), incognito(t, browser)

	first := reportInBrowser(t, reporter, base, "urls", site.URL+"/page/a", "seen_where", "a forum thread", "description", "posted today")
	if got, want := statusInBrowser(t, reporter, base, first), "being processed"; !strings.Contains(got, want) {
		t.Fatalf("first status %q, want %q", got, want)
	}

	if st := login(t, staffTab, base, "ana", password); st != 200 {
		t.Fatalf("ana sign-in: status %d", st)
	}
	var itemID string
	eventually(t, "the item to reach the queue", func() bool {
		open(t, staffTab, base+"/queue")
		itemID = strings.TrimPrefix(eval[string](t, staffTab, `(document.querySelector('#queue tr[id^="item-"]') || {id: ""}).id`), "item-")
		return itemID != ""
	})

	open(t, staffTab, base+"/items/"+itemID)
	if !exists(t, staffTab, "#preview") || exists(t, staffTab, "#original") {
		t.Fatal("the item is not shown as a preview only")
	}
	if !eval[bool](t, staffTab, `(() => { const i = document.getElementById("preview"); return i.complete && i.naturalWidth > 0 })()`) {
		t.Fatal("the preview image did not load")
	}
	if st := submit(t, staffTab, "reveal"); st != 200 {
		t.Fatalf("reveal: status %d", st)
	}
	if !exists(t, staffTab, "#original") || exists(t, staffTab, "#preview") {
		t.Fatal("the original is not shown after the reveal")
	}
	if _, out, _ := run(t, "", "--data", data, "audit", "list", "--action", "content.reveal"); !strings.Contains(out, "item:"+itemID) || !strings.Contains(out, "(ana)") {
		t.Fatalf("no reveal by ana in the audit log:\n%s", out)
	}

	if err := chromedp.Do(staffTab, chromedp.Click(chromedp.ID("class-baseline")), chromedp.SetValue(chromedp.ID("age_group"), "prepubescent")); err != nil {
		t.Fatal(err)
	}
	if st := submit(t, staffTab, "submit-assessment"); st != 200 {
		t.Fatalf("assess: status %d", st)
	}
	if got := text(t, staffTab, "notice"); !strings.Contains(got, "second opinion") {
		t.Fatalf("after the assessment: %q", got)
	}
	if exists(t, staffTab, "#confirm-yes") {
		t.Fatal("ana is offered to confirm her own assessment")
	}
	if _, out, _ := run(t, "", "--data", data, "bank", "show", "hotline-confirmed"); regexp.MustCompile(`pdq\s+active\s+[1-9]`).MatchString(out) {
		t.Fatalf("the hash is in the bank before the second opinion:\n%s", out)
	}
	submit(t, staffTab, "logout")

	if st := login(t, staffTab, base, "bob", password); st != 200 {
		t.Fatalf("bob sign-in: status %d", st)
	}
	open(t, staffTab, base+"/confirmations")
	if !exists(t, staffTab, `#pending a[href="/items/`+itemID+`"]`) {
		t.Fatal("the assessment does not wait for bob's confirmation")
	}
	open(t, staffTab, base+"/items/"+itemID)
	if st := submit(t, staffTab, "confirm-yes"); st != 200 {
		t.Fatalf("confirm: status %d", st)
	}
	if got := text(t, staffTab, "notice"); !strings.Contains(got, "now in the hotline") {
		t.Fatalf("after the confirmation: %q", got)
	}
	if _, out, _ := run(t, "", "--data", data, "bank", "show", "hotline-confirmed"); !regexp.MustCompile(`pdq\s+active\s+1`).MatchString(out) {
		t.Fatalf("the hash is not in the bank:\n%s", out)
	}

	second := reportInBrowser(t, reporter, base, "urls", site.URL+"/page/a?copy=2", "seen_where", "a mirror")
	eventually(t, "the copy to be classified", func() bool {
		return strings.Contains(statusInBrowser(t, reporter, base, second), "Action was taken")
	})
	open(t, staffTab, base+"/queue")
	if !exists(t, staffTab, "#queue-empty") || exists(t, staffTab, `#queue tr[id^="item-"]`) {
		t.Fatal("the copy reached the queue")
	}
	if got := statusInBrowser(t, reporter, base, first); !strings.Contains(got, "Action was taken") {
		t.Fatalf("first reporter reads %q, want action taken", got)
	}
}
