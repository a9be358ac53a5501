package main

import (
	"context"
	"database/sql"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	vigie "github.com/vigie-hotline/vigie"
	"github.com/vigie-hotline/vigie/sqldb"
)

// statsNoJobs drops enqueued jobs, so that the fixture's cases are not
// traced and notified by the running server.
type statsNoJobs struct{}

func (statsNoJobs) EnqueueTx(context.Context, *sql.Tx, ...vigie.Job) error { return nil }

// statsFixtureCase is an illegal case with its takedown: notified six hours
// ago, and removed after `removed` (still online if 0).
type statsFixtureCase struct {
	url, host, country string
	removed            time.Duration
}

// addStatsCase stores c through the services of the server's database.
func addStatsCase(t *testing.T, db *sqldb.DB, i int, c statsFixtureCase) {
	t.Helper()
	ctx := vigie.NewContextWithActor(context.Background(), "test")
	reports, takedowns := sqldb.NewReportService(db, statsNoJobs{}), sqldb.NewTakedownService(db, statsNoJobs{})
	r := &vigie.Report{Code: fmt.Sprintf("VG-STAT%04d", i), PINHash: []byte("x"), Category: vigie.CategoryCSAM, Source: "test",
		URLs: []vigie.ReportURL{{Raw: c.url, Normalized: c.url}}}
	if err := reports.CreateReport(ctx, r); err != nil {
		t.Fatal(err)
	}
	id := r.URLs[0].CaseID
	it := &vigie.Item{CaseID: id, URL: c.url, SHA256: fmt.Sprintf("%064x", i+1)}
	if err := reports.CreateItem(ctx, it); err != nil {
		t.Fatal(err)
	}
	it.State, it.Classification = vigie.ItemAuto, vigie.ClassBaseline
	if err := reports.UpdateItem(ctx, it); err != nil {
		t.Fatal(err)
	}
	n := &vigie.Notice{Kind: vigie.NoticeTakedown, Recipient: "abuse@" + c.host, Lang: "en"}
	if err := takedowns.StartTakedown(ctx, &vigie.Takedown{CaseID: id, Status: vigie.TakedownTracing, Host: c.host, Country: c.country}, []*vigie.Notice{n}); err != nil {
		t.Fatal(err)
	}
	sent := time.Now().Add(-6 * time.Hour)
	if err := takedowns.NoticeSent(ctx, n.ID, "<stats@test>", sent); err != nil {
		t.Fatal(err)
	}
	// A live case gets a check now, so that the server's follow-up leaves it
	// alone during the test.
	check := &vigie.Check{CaseID: id, At: time.Now(), Result: "still_served"}
	if c.removed > 0 {
		check = &vigie.Check{CaseID: id, At: sent.Add(c.removed), Removed: true, Result: "http_status 404"}
	}
	if err := takedowns.RecordCheck(ctx, check); err != nil {
		t.Fatal(err)
	}
}

// statsBars reads the bars of a chart: label → width of its rectangle.
func statsBars(t *testing.T, ctx context.Context, chart string) map[string]string {
	t.Helper()
	js := `Array.from(document.querySelectorAll('#` + chart + ` g.bar')).map(g => [g.dataset.label, g.querySelector('rect').getAttribute('width')])`
	pairs, err := chromedp.Run(ctx, chromedp.Evaluate[[][]string](js))
	if err != nil {
		t.Fatalf("read %s: %v", chart, err)
	}
	out := map[string]string{}
	for _, p := range pairs {
		out[p[0]] = p[1]
	}
	return out
}

// TestBrowser_StatsPage: a supervisor opens the statistics page and the
// charts show the fixture cases, each bar as long as its figure says.
func TestBrowser_StatsPage(t *testing.T) {
	ctx := mustBrowser(t)
	data := t.TempDir()
	m, _ := MustRunServe(t, "--data", data)
	base := m.Server.URL()
	if code, _, errs := run(t, "correct horse battery staple\n", "--data", data, "user", "add", "sophie", "--role", "supervisor", "--password-stdin"); code != 0 {
		t.Fatalf("user add: %s", errs)
	}
	if code, _, errs := run(t, "correct horse battery staple\n", "--data", data, "user", "add", "ana", "--role", "analyst", "--password-stdin"); code != 0 {
		t.Fatalf("user add: %s", errs)
	}
	for i, c := range []statsFixtureCase{
		{url: "http://fr-host.example/a", host: "fr-host.example", country: "FR", removed: 2 * time.Hour},
		{url: "http://de-host.example/b", host: "de-host.example", country: "DE", removed: 4 * time.Hour},
		{url: "http://de-host.example/c", host: "de-host.example", country: "DE"},
	} {
		addStatsCase(t, m.DB, i, c)
	}

	if st := login(t, ctx, base, "sophie", "correct horse battery staple"); st != http.StatusOK {
		t.Fatalf("login: status=%d", st)
	}
	resp, err := chromedp.RunResponse(ctx, chromedp.Click(chromedp.ID("nav-stats")))
	if err != nil || resp.Status != http.StatusOK {
		t.Fatalf("open /stats from the menu: %v %v", resp, err)
	}
	t.Run("ByCountry", func(t *testing.T) {
		got := statsBars(t, ctx, "chart-country")
		// DE's median (4 h) is the longest bar; FR's (2 h) half of it.
		if got["DE"] != "380" || got["FR"] != "190" || len(got) != 2 {
			t.Fatalf("bars=%v, want DE 380 and FR 190", got)
		}
		if row := text(t, ctx, "chart-country-table"); !strings.Contains(row, "DE\t1\t4 h\t4 h") {
			t.Fatalf("table reads %q", row)
		}
	})
	t.Run("ByHost", func(t *testing.T) {
		got := statsBars(t, ctx, "chart-host")
		if got["de-host.example"] != "380" || got["fr-host.example"] != "190" {
			t.Fatalf("bars=%v", got)
		}
	})
	t.Run("ReportsPerDay", func(t *testing.T) {
		got := statsBars(t, ctx, "chart-daily")
		today := time.Now().UTC().Format("2006-01-02")
		if len(got) != 30 || got[today] != "380" {
			t.Fatalf("bars=%v, want 30 days and today's full", got)
		}
	})
	t.Run("OpenByAge", func(t *testing.T) {
		got := statsBars(t, ctx, "chart-ages")
		if got["under 1 day"] != "380" || got["over 30 days"] != "0" {
			t.Fatalf("bars=%v, want the live case under 1 day", got)
		}
	})
	t.Run("ErrAnalyst", func(t *testing.T) {
		if st := submit(t, ctx, "logout"); st != http.StatusOK {
			t.Fatalf("logout: status=%d", st)
		}
		if st := login(t, ctx, base, "ana", "correct horse battery staple"); st != http.StatusOK {
			t.Fatalf("analyst login: status=%d", st)
		}
		resp, err := chromedp.RunResponse(ctx, chromedp.Navigate(base+"/stats"))
		if err != nil || resp.Status != http.StatusForbidden {
			t.Fatalf("analyst at /stats: %v %v, want 403", resp, err)
		}
	})
}
