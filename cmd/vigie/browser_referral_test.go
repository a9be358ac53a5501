package main

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	vigie "github.com/vigie-hotline/vigie"
	"github.com/vigie-hotline/vigie/internal/dbtest"
	"github.com/vigie-hotline/vigie/sqldb"
)

// TestBrowser_Referral: a police liaison officer opens the referral list in
// Chromium and downloads a package; an analyst in another browser is
// refused, and only the police download is in the audit log.
func TestBrowser_Referral(t *testing.T) {
	browser := mustBrowser(t)
	data := t.TempDir()
	for _, u := range []struct{ name, role string }{{"paula", "police"}, {"ana", "analyst"}} {
		if code, _, errs := run(t, "correct horse battery staple\n", "--data", data, "user", "add", u.name, "--role", u.role, "--password-stdin"); code != 0 {
			t.Fatal(errs)
		}
	}
	m, _ := MustRunServeWith(t, []string{"--data", data})
	base := m.Server.URL()

	// An illegal case, made through the services on the server's database.
	db := dbtest.MustOpenDB(t, m.CLI.dsn())
	reports := sqldb.NewReportService(db, m.Jobs)
	ctx := vigie.NewContextWithActor(context.Background(), "test")
	r := &vigie.Report{Code: "VG-BRREF01", PINHash: []byte("x"), Category: vigie.CategoryCSAM, Source: "web",
		URLs: []vigie.ReportURL{{Raw: "https://host.example/gallery", Normalized: "https://host.example/gallery"}}}
	if err := reports.CreateReport(ctx, r); err != nil {
		t.Fatal(err)
	}
	caseID := r.URLs[0].CaseID
	it := &vigie.Item{CaseID: caseID, URL: "https://host.example/1.jpg", SHA256: strings.Repeat("cd", 32)}
	if err := reports.CreateItem(ctx, it); err != nil {
		t.Fatal(err)
	}
	it.State, it.Classification = vigie.ItemAuto, vigie.ClassBaseline
	if err := reports.UpdateItem(ctx, it); err != nil {
		t.Fatal(err)
	}
	download := fmt.Sprintf(`fetch("/cases/%d/referral.json").then(r => r.status + " " + (r.headers.get("Content-Disposition") || ""))`, caseID)

	police := incognito(t, browser)
	if st := login(t, police, base, "paula", "correct horse battery staple"); st != http.StatusOK {
		t.Fatalf("police login: %d", st)
	}
	if st := open(t, police, base+"/referrals"); st != http.StatusOK {
		t.Fatalf("referrals page: %d", st)
	}
	if !exists(t, police, fmt.Sprintf("#download-%d", caseID)) {
		t.Fatal("the case is not listed with a download link")
	}
	got, err := chromedp.Run(police, chromedp.Evaluate[string](download, chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(got, "200 attachment") {
		t.Fatalf("police download: %q", got)
	}

	analyst := incognito(t, browser)
	if st := login(t, analyst, base, "ana", "correct horse battery staple"); st != http.StatusOK {
		t.Fatalf("analyst login: %d", st)
	}
	if st := open(t, analyst, fmt.Sprintf("%s/cases/%d/referral", base, caseID)); st != http.StatusForbidden {
		t.Fatalf("analyst opening the package: status %d, want 403", st)
	}
	got, err = chromedp.Run(analyst, chromedp.Evaluate[string](download, chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(got, "403") {
		t.Fatalf("analyst download: %q", got)
	}
	_, out, _ := run(t, "", "--data", data, "audit", "list", "--action", "referral.download")
	if !strings.Contains(out, "(paula)") || strings.Contains(out, "(ana)") {
		t.Fatalf("audit log:\n%s", out)
	}
}
