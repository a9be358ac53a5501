package web_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	vigie "github.com/vigie-hotline/vigie"
	"github.com/vigie-hotline/vigie/sqldb"
	"github.com/vigie-hotline/vigie/web"
)

// noJobs drops the jobs services enqueue: these tests only read.
type noJobs struct{}

func (noJobs) EnqueueTx(context.Context, *sql.Tx, ...vigie.Job) error { return nil }

// statsServer is a test server with statistics over two illegal cases:
// one removed three hours after its notice (host a.example, France), one
// still online (host b.example, Germany).
func statsServer(t *testing.T) (ts *testServer, live, removed string) {
	t.Helper()
	ts = mustServer(t)
	ts.Server.Stats = sqldb.NewStatsService(ts.DB)
	ctx := vigie.NewContextWithActor(context.Background(), "test")
	reports, takedowns := sqldb.NewReportService(ts.DB, noJobs{}), sqldb.NewTakedownService(ts.DB, noJobs{})
	live, removed = "http://b.example/live", "http://a.example/gone"
	sent := time.Now().Add(-5 * time.Hour)
	for i, u := range []string{removed, live} {
		r := &vigie.Report{Code: "VG-WEB" + itoa(int64(i)), PINHash: []byte("x"), Category: vigie.CategoryCSAM, Source: "test",
			URLs: []vigie.ReportURL{{Raw: u, Normalized: u}}}
		if err := reports.CreateReport(ctx, r); err != nil {
			t.Fatal(err)
		}
		caseID := r.URLs[0].CaseID
		it := &vigie.Item{CaseID: caseID, URL: u + ".jpg", SHA256: strings.Repeat(itoa(int64(i)), 64)}
		if err := reports.CreateItem(ctx, it); err != nil {
			t.Fatal(err)
		}
		it.State, it.Classification = vigie.ItemAuto, vigie.ClassBaseline
		if err := reports.UpdateItem(ctx, it); err != nil {
			t.Fatal(err)
		}
		td := &vigie.Takedown{CaseID: caseID, Status: vigie.TakedownTracing, Host: []string{"a.example", "b.example"}[i], Country: []string{"FR", "DE"}[i]}
		n := &vigie.Notice{Kind: vigie.NoticeTakedown, Recipient: "abuse@host.example", Lang: "en"}
		if err := takedowns.StartTakedown(ctx, td, []*vigie.Notice{n}); err != nil {
			t.Fatal(err)
		}
		if err := takedowns.NoticeSent(ctx, n.ID, "<m@test>", sent); err != nil {
			t.Fatal(err)
		}
		if u == removed {
			if err := takedowns.RecordCheck(ctx, &vigie.Check{CaseID: caseID, At: sent.Add(3 * time.Hour), Removed: true, Result: "http_status 404"}); err != nil {
				t.Fatal(err)
			}
		}
	}
	return ts, live, removed
}

func TestStatsPage(t *testing.T) {
	ts, _, _ := statsServer(t)
	ts.mustUser(t, "sup", vigie.RoleSupervisor, "correct horse battery")
	ts.mustUser(t, "ana", vigie.RoleAnalyst, "correct horse battery")
	sup, ana := ts.browser(t), ts.browser(t)
	sup.login("sup", "correct horse battery")
	ana.login("ana", "correct horse battery")

	t.Run("OK", func(t *testing.T) {
		st, h, body := sup.do("GET", "/stats", nil)
		if st != http.StatusOK {
			t.Fatalf("status=%d", st)
		}
		for _, want := range []string{`<svg xmlns="http://www.w3.org/2000/svg" id="chart-country"`, `<g class="bar" data-label="FR" data-value="10800">`,
			`<td>a.example</td><td>1</td><td>3 h</td><td>3 h</td>`, `id="chart-ages-table"`} {
			if !strings.Contains(body, want) {
				t.Errorf("page lacks %s", want)
			}
		}
		if strings.Contains(body, "style=") {
			t.Error("the page has a style attribute, which the CSP forbids")
		}
		if got := h.Get("Content-Security-Policy"); !strings.Contains(got, "default-src") && !strings.Contains(got, "script-src") {
			t.Errorf("CSP=%q", got)
		}
	})
	t.Run("ErrAnalyst", func(t *testing.T) {
		for _, path := range []string{"/stats", "/stats/dsa.csv", "/stats/dsa.json"} {
			if st, _, _ := ana.do("GET", path, nil); st != http.StatusForbidden {
				t.Errorf("%s: status=%d, want 403", path, st)
			}
		}
	})
	t.Run("DSAExports", func(t *testing.T) {
		year := itoa(int64(time.Now().Add(-5 * time.Hour).UTC().Year()))
		st, h, body := sup.do("GET", "/stats/dsa.json?year="+year, nil)
		var got struct {
			Notices int `json:"notices"`
			ByHost  []struct {
				Key   string `json:"key"`
				Count int    `json:"count"`
			} `json:"by_host"`
			MedianSeconds int64 `json:"median_time_to_action_seconds"`
		}
		if err := json.Unmarshal([]byte(body), &got); err != nil || st != http.StatusOK {
			t.Fatalf("status=%d err=%v body=%s", st, err, body)
		}
		if got.Notices != 2 || got.MedianSeconds != 3*3600 || len(got.ByHost) != 2 {
			t.Fatalf("got %+v, want 2 notices over 2 hosts, median 10800 s", got)
		}
		if cd := h.Get("Content-Disposition"); !strings.Contains(cd, "vigie-dsa-"+year+".json") {
			t.Fatalf("Content-Disposition=%q", cd)
		}
		st, h, body = sup.do("GET", "/stats/dsa.csv?year="+year, nil)
		if st != http.StatusOK || !strings.HasPrefix(h.Get("Content-Type"), "text/csv") || !strings.Contains(body, "time_to_action,median_seconds,10800\n") {
			t.Fatalf("status=%d type=%s body=%s", st, h.Get("Content-Type"), body)
		}
		entries, err := ts.Audit.FindAuditEntries(context.Background(), vigie.AuditFilter{Action: "stats.export"})
		if err != nil {
			t.Fatal(err)
		}
		if got, want := len(entries), 2; got != want {
			t.Fatalf("stats.export entries=%d, want %d", got, want)
		}
	})
	t.Run("ErrBadYear", func(t *testing.T) {
		if st, _, _ := sup.do("GET", "/stats/dsa.json?year=abc", nil); st != http.StatusBadRequest {
			t.Fatalf("status=%d, want 400", st)
		}
	})
}

func TestAPIBlocklist(t *testing.T) {
	ts, live, _ := statsServer(t)
	partner := ts.mustUser(t, "isp", vigie.RolePartner, "")
	key, prefix, hash := web.GenerateAPIKey()
	k := &vigie.APIKey{UserID: partner.ID, Name: "blocklist", Prefix: prefix, Hash: hash, Scopes: []string{vigie.ScopeLookup}}
	if err := ts.APIKeys.CreateAPIKey(vigie.NewContextWithActor(context.Background(), "test"), k); err != nil {
		t.Fatal(err)
	}
	api := ts.browser(t)
	auth := []string{"Authorization", "Bearer " + key}

	st, h, body := api.do("GET", "/api/v1/blocklist", nil, auth...)
	var got struct {
		GeneratedAt time.Time `json:"generated_at"`
		URLs        []string  `json:"urls"`
	}
	if err := json.Unmarshal([]byte(body), &got); err != nil || st != http.StatusOK {
		t.Fatalf("status=%d err=%v body=%s", st, err, body)
	}
	t.Run("OnlyLiveIllegal", func(t *testing.T) {
		if want := []string{live}; !slices.Equal(got.URLs, want) {
			t.Fatalf("urls=%v, want %v", got.URLs, want)
		}
		if got.GeneratedAt.IsZero() {
			t.Fatal("no generated_at")
		}
	})
	etag := h.Get("ETag")
	t.Run("ETag", func(t *testing.T) {
		if !regexp.MustCompile(`^"[0-9a-f]{32}"$`).MatchString(etag) {
			t.Fatalf("ETag=%q, want a strong tag", etag)
		}
		st, _, body := api.do("GET", "/api/v1/blocklist", nil, append(auth, "If-None-Match", etag)...)
		if st != http.StatusNotModified || body != "" {
			t.Fatalf("status=%d body=%q, want 304 and no body", st, body)
		}
	})
	t.Run("Text", func(t *testing.T) {
		st, h, body := api.do("GET", "/api/v1/blocklist?format=text", nil, append(auth, "If-None-Match", etag)...)
		if st != http.StatusOK || body != live+"\n" {
			t.Fatalf("status=%d body=%q, want the text list (its ETag differs from the JSON one)", st, body)
		}
		if h.Get("ETag") == etag {
			t.Fatal("text and JSON share an ETag")
		}
	})
	t.Run("ErrNoKey", func(t *testing.T) {
		if st, _, _ := api.do("GET", "/api/v1/blocklist", nil); st != http.StatusUnauthorized {
			t.Fatalf("status=%d, want 401", st)
		}
	})
	t.Run("ErrFormat", func(t *testing.T) {
		if st, _, _ := api.do("GET", "/api/v1/blocklist?format=xml", nil, auth...); st != http.StatusBadRequest {
			t.Fatalf("status=%d, want 400", st)
		}
	})
}
