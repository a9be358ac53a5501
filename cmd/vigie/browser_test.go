package main

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// skipped reports whether VIGIE_TEST_SKIP names the suite. Suites are
// skipped only on that explicit request, never because a tool is missing.
func skipped(suite string) bool {
	for _, s := range strings.Split(os.Getenv("VIGIE_TEST_SKIP"), ",") {
		if strings.TrimSpace(s) == suite {
			return true
		}
	}
	return false
}

// mustBrowser starts headless Chromium (CHROME_BIN, or chromium on PATH)
// and returns a context for chromedp that ends with the test.
func mustBrowser(t *testing.T) context.Context {
	t.Helper()
	if skipped("browser") {
		t.Skip("VIGIE_TEST_SKIP=browser")
	}
	bin := os.Getenv("CHROME_BIN")
	if bin == "" {
		var err error
		if bin, err = exec.LookPath("chromium"); err != nil {
			t.Fatal("Chromium not found: install Debian's chromium (the test command does), set CHROME_BIN, or set VIGIE_TEST_SKIP=browser")
		}
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(bin),
		chromedp.Flag("headless", true),
		chromedp.Flag("no-sandbox", true), // tests run as root in CI
		chromedp.Flag("disable-gpu", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("no-first-run", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("lang", "en-US"),
		chromedp.UserDataDir(t.TempDir()),
	)
	actx, cancel := chromedp.NewExecAllocator(context.Background(), opts...)
	t.Cleanup(cancel)
	ctx, cancel2 := chromedp.NewContext(actx)
	t.Cleanup(cancel2)
	ctx, cancel3 := context.WithTimeout(ctx, 2*time.Minute)
	t.Cleanup(cancel3)
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("start Chromium: %v", err)
	}
	return ctx
}

// submit clicks a button that submits a form and returns the status of the
// page it leads to.
func submit(t *testing.T, ctx context.Context, id string) int64 {
	t.Helper()
	resp, err := chromedp.RunResponse(ctx, chromedp.Click(chromedp.ID(id)))
	if err != nil {
		t.Fatalf("click #%s: %v", id, err)
	}
	return resp.Status
}

func fill(t *testing.T, ctx context.Context, fields ...string) {
	t.Helper()
	for i := 0; i+1 < len(fields); i += 2 {
		if err := chromedp.Do(ctx, chromedp.SetValue(chromedp.ID(fields[i]), fields[i+1])); err != nil {
			t.Fatalf("fill #%s: %v", fields[i], err)
		}
	}
}

func text(t *testing.T, ctx context.Context, id string) string {
	t.Helper()
	s, err := chromedp.Run(ctx, chromedp.Text(chromedp.ID(id)))
	if err != nil {
		t.Fatalf("read #%s: %v", id, err)
	}
	return s
}

func login(t *testing.T, ctx context.Context, base, user, password string) int64 {
	t.Helper()
	if err := chromedp.Do(ctx, chromedp.Navigate(base+"/login")); err != nil {
		t.Fatal(err)
	}
	fill(t, ctx, "username", user, "password", password)
	return submit(t, ctx, "submit")
}

// TestBrowser_AdminFlow is what a new hotline does on its first day: start
// Vigie, sign in as admin with the printed password, create an analyst, sign
// out, and sign in as the analyst.
func TestBrowser_AdminFlow(t *testing.T) {
	ctx := mustBrowser(t)
	m, out := MustRunServe(t, "--data", t.TempDir())
	base := m.Server.URL()
	match := adminPassword.FindStringSubmatch(out.String())
	if match == nil {
		t.Fatalf("no admin password printed:\n%s", out.String())
	}

	if st := login(t, ctx, base, "admin", match[1]); st != http.StatusOK {
		t.Fatalf("admin login: status=%d", st)
	}
	if got := text(t, ctx, "who"); !strings.Contains(got, "admin") {
		t.Fatalf("header shows %q, want the admin", got)
	}
	if err := chromedp.Do(ctx, chromedp.Navigate(base+"/admin/users")); err != nil {
		t.Fatal(err)
	}
	fill(t, ctx, "new-username", "nadia", "new-role", "analyst")
	if st := submit(t, ctx, "create-user"); st != http.StatusOK {
		t.Fatalf("create analyst: status=%d", st)
	}
	password := text(t, ctx, "shown-password")
	if len(password) != 23 {
		t.Fatalf("shown password %q", password)
	}
	if st := submit(t, ctx, "logout"); st != http.StatusOK {
		t.Fatalf("logout: status=%d", st)
	}
	if loc, _ := chromedp.Run(ctx, chromedp.Location()); !strings.HasSuffix(loc, "/login") {
		t.Fatalf("after logout at %s, want /login", loc)
	}

	if st := login(t, ctx, base, "nadia", password); st != http.StatusOK {
		t.Fatalf("analyst login: status=%d", st)
	}
	if got := text(t, ctx, "home-analyst"); !strings.Contains(got, "blurred") {
		t.Fatalf("analyst home says %q", got)
	}
	if got := text(t, ctx, "who"); !strings.Contains(got, "nadia · analyst") {
		t.Fatalf("header shows %q", got)
	}
	shot, err := chromedp.Run(ctx, chromedp.FullScreenshot(90))
	if err == nil && os.Getenv("VIGIE_SCREENSHOTS") != "" {
		os.WriteFile(os.Getenv("VIGIE_SCREENSHOTS")+"/analyst-home.png", shot, 0o644)
	}
}

// TestBrowser_Throttle repeats a wrong password until sign-in pauses and
// checks the message a person reads.
func TestBrowser_Throttle(t *testing.T) {
	ctx := mustBrowser(t)
	m, _ := MustRunServe(t, "--data", t.TempDir())
	base := m.Server.URL()
	for i := range 5 {
		if st := login(t, ctx, base, "admin", "not the password"); st != http.StatusUnauthorized {
			t.Fatalf("attempt %d: status=%d, want 401", i+1, st)
		}
	}
	if st := login(t, ctx, base, "admin", "not the password"); st != http.StatusTooManyRequests {
		t.Fatalf("6th attempt: status=%d, want 429", st)
	}
	if got := text(t, ctx, "error"); !strings.Contains(got, "Too many failed sign-in attempts") {
		t.Fatalf("message %q", got)
	}
}

// TestBrowser_CrossOriginRefused submits a form from a page of another
// origin to Vigie's sign-in, as a malicious site would, and checks that the
// browser's request is refused.
func TestBrowser_CrossOriginRefused(t *testing.T) {
	ctx := mustBrowser(t)
	m, _ := MustRunServe(t, "--data", t.TempDir())
	evil := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		fmt.Fprintf(w, `<!doctype html><form method="post" action="%s/login">
<input name="username" value="admin"><input name="password" value="guess">
<button id="go" type="submit">go</button></form>`, m.Server.URL())
	}))
	defer evil.Close()
	if err := chromedp.Do(ctx, chromedp.Navigate(evil.URL)); err != nil {
		t.Fatal(err)
	}
	if st := submit(t, ctx, "go"); st != http.StatusForbidden {
		t.Fatalf("cross-origin POST: status=%d, want 403", st)
	}
	if got := text(t, ctx, "error"); !strings.Contains(got, "another site") {
		t.Fatalf("message %q", got)
	}
}
