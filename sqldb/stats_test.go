package sqldb_test

import (
	"fmt"
	"slices"
	"testing"
	"time"

	vigie "github.com/vigie-hotline/vigie"
	"github.com/vigie-hotline/vigie/sqldb"
)

// statsFixture builds cases and takedowns through the services, with the
// database clock set by each step.
type statsFixture struct {
	t         *testing.T
	db        *sqldb.DB
	reports   *sqldb.ReportService
	takedowns *sqldb.TakedownService
	now       time.Time
	n         int
}

func newStatsFixture(t *testing.T, db *sqldb.DB) *statsFixture {
	f := &statsFixture{t: t, db: db, reports: sqldb.NewReportService(db, &jobLog{}), takedowns: sqldb.NewTakedownService(db, &jobLog{})}
	db.Now = func() time.Time { return f.now }
	return f
}

// report files a report of a new URL at the given time and returns its case.
func (f *statsFixture) report(at time.Time, category string) int64 {
	f.t.Helper()
	f.now, f.n = at, f.n+1
	r := newReport(fmt.Sprintf("VG-S%04d", f.n), fmt.Sprintf("http://site%d.example/page", f.n))
	r.Category = category
	if err := f.reports.CreateReport(ctxAs("test"), r); err != nil {
		f.t.Fatal(err)
	}
	return r.URLs[0].CaseID
}

// item adds an item of new content to a case, in the given state.
func (f *statsFixture) item(caseID int64, state vigie.ItemState, class vigie.Classification) *vigie.Item {
	f.t.Helper()
	it := &vigie.Item{CaseID: caseID, URL: "http://img.example/" + fmt.Sprint(f.n), SHA256: fmt.Sprintf("%064x", f.n)}
	if err := f.reports.CreateItem(ctxAs("test"), it); err != nil {
		f.t.Fatal(err)
	}
	it.State, it.Classification = state, class
	if err := f.reports.UpdateItem(ctxAs("test"), it); err != nil {
		f.t.Fatal(err)
	}
	return it
}

// takedown starts a case's takedown, sends its first notice at sent, and
// records a removal after removedAfter (none if 0).
func (f *statsFixture) takedown(caseID int64, td vigie.Takedown, n vigie.Notice, sent time.Time, removedAfter time.Duration) {
	f.t.Helper()
	ctx := ctxAs("test")
	td.CaseID, td.Status = caseID, vigie.TakedownTracing
	f.now = sent
	if err := f.takedowns.StartTakedown(ctx, &td, []*vigie.Notice{&n}); err != nil {
		f.t.Fatal(err)
	}
	if err := f.takedowns.NoticeSent(ctx, n.ID, "<m@test>", sent); err != nil {
		f.t.Fatal(err)
	}
	if removedAfter == 0 {
		return
	}
	if err := f.takedowns.RecordCheck(ctx, &vigie.Check{CaseID: caseID, At: sent.Add(removedAfter), Removed: true, Result: "http_status 404"}); err != nil {
		f.t.Fatal(err)
	}
}

// illegal reports a URL and classifies its content illegal from a bank.
func (f *statsFixture) illegal(at time.Time) int64 {
	f.t.Helper()
	id := f.report(at, vigie.CategoryCSAM)
	f.item(id, vigie.ItemAuto, vigie.ClassBaseline)
	return id
}

// statsData is the known fixture of TestStatsService: six takedowns in
// 2026 (four in France, two in Germany, one still online), one in 2025, a
// case awaiting assessment and a closed one.
type statsData struct {
	t0                   time.Time
	live, awaiting, dec  int64
	assessed, lastOfYear int64
}

func (f *statsFixture) load() statsData {
	f.t.Helper()
	ctx := ctxAs("test")
	host := &vigie.Provider{Name: "ExampleHost", ASNs: []uint32{64500}, AbuseEmail: "abuse@host.example", Country: "FR"}
	if err := f.takedowns.SaveProvider(ctx, host); err != nil {
		f.t.Fatal(err)
	}
	t0 := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	d := statsData{t0: t0}
	fr := func(h string) vigie.Takedown { return vigie.Takedown{Host: h, ASN: 64500, Country: "FR"} }
	de := vigie.Takedown{Host: "c.example", ASN: 64501, Country: "DE"}
	notice := vigie.Notice{Kind: vigie.NoticeTakedown, Recipient: host.AbuseEmail, ProviderID: host.ID, Lang: "fr"}
	forward := vigie.Notice{Kind: vigie.NoticeForward, Recipient: "forward@hotline.de.example", PartnerID: 1, Lang: "en"}

	d.assessed = f.assessedCase(t0.Add(-time.Hour), "video")
	f.takedown(d.assessed, fr("a.example"), notice, t0, time.Hour)
	f.takedown(f.illegal(t0.Add(-time.Hour)), fr("a.example"), notice, t0, 2*time.Hour)
	f.takedown(f.illegal(t0.Add(-time.Hour)), fr("b.example"), notice, t0, 4*time.Hour)
	f.takedown(f.illegal(t0.Add(24*time.Hour)), fr("b.example"), notice, t0.Add(25*time.Hour), 9*time.Hour)
	f.takedown(f.illegal(t0.Add(24*time.Hour)), de, forward, t0.Add(25*time.Hour), 10*time.Hour)
	d.live = f.illegal(t0.Add(-10 * 24 * time.Hour))
	f.takedown(d.live, de, forward, t0.Add(-9*24*time.Hour), 0)
	newYear := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	d.lastOfYear = f.illegal(newYear.Add(-2 * time.Hour))
	f.takedown(d.lastOfYear, de, forward, newYear.Add(-time.Hour), 2*time.Hour)

	d.awaiting = f.report(t0.Add(24*time.Hour), "other")
	d.dec = f.report(t0.Add(24*time.Hour), "other")
	f.item(d.dec, vigie.ItemAssessed, vigie.ClassNotIllegal)
	return d
}

// assessedCase reports a URL whose item an analyst assesses illegal with
// the given content type and a supervisor confirms.
func (f *statsFixture) assessedCase(at time.Time, contentType string) int64 {
	f.t.Helper()
	id := f.report(at, vigie.CategoryCSAM)
	it := f.item(id, vigie.ItemAwaiting, "")
	ana := mustCreateUser(f.t, f.db, "ana", vigie.RoleAnalyst)
	sup := mustCreateUser(f.t, f.db, "sup", vigie.RoleSupervisor)
	a := &vigie.Assessment{ItemID: it.ID, AnalystID: ana.ID, Classification: vigie.ClassBaseline, AgeGroup: "prepubescent", ContentType: contentType}
	if err := f.reports.Assess(ctxAs("ana"), a); err != nil {
		f.t.Fatal(err)
	}
	if _, err := f.reports.Confirm(ctxAs("sup"), a.ID, sup.ID, true); err != nil {
		f.t.Fatal(err)
	}
	return id
}

func TestStatsService(t *testing.T) {
	each(t, func(t *testing.T, db *sqldb.DB) {
		f := newStatsFixture(t, db)
		d := f.load()
		s := sqldb.NewStatsService(db)
		ctx := ctxAs("test")

		t.Run("RemovalTimes", func(t *testing.T) {
			got, err := s.RemovalTimes(ctx, time.Time{}, time.Time{})
			if err != nil {
				t.Fatal(err)
			}
			h := time.Hour
			wantCountry := []vigie.RemovalStat{
				{Key: "FR", Count: 4, Median: 3 * h, P90: 7*h + 30*time.Minute}, // 1, 2, 4, 9 h
				{Key: "DE", Count: 2, Median: 6 * h, P90: 9*h + 12*time.Minute}, // 2, 10 h
			}
			if !slices.Equal(got.ByCountry, wantCountry) {
				t.Fatalf("ByCountry=%+v, want %+v", got.ByCountry, wantCountry)
			}
			wantHost := []vigie.RemovalStat{
				{Key: "a.example", Count: 2, Median: 90 * time.Minute, P90: 114 * time.Minute},
				{Key: "b.example", Count: 2, Median: 6*h + 30*time.Minute, P90: 8*h + 30*time.Minute},
				{Key: "c.example", Count: 2, Median: 6 * h, P90: 9*h + 12*time.Minute},
			}
			if !slices.Equal(got.ByHost, wantHost) {
				t.Fatalf("ByHost=%+v, want %+v", got.ByHost, wantHost)
			}
			if got, want := got.ByASN[0], (vigie.RemovalStat{Key: "AS64500", Count: 4, Median: 3 * h, P90: 7*h + 30*time.Minute}); got != want {
				t.Fatalf("ByASN[0]=%+v, want %+v", got, want)
			}
		})
		t.Run("RemovalTimesInRange", func(t *testing.T) {
			got, err := s.RemovalTimes(ctx, d.t0, time.Time{})
			if err != nil {
				t.Fatal(err)
			}
			if got, want := got.ByCountry[1], (vigie.RemovalStat{Key: "DE", Count: 1, Median: 10 * time.Hour, P90: 10 * time.Hour}); got != want {
				t.Fatalf("ByCountry[1]=%+v, want %+v", got, want)
			}
		})
		t.Run("DailyCounts", func(t *testing.T) {
			day := d.t0.Truncate(24 * time.Hour)
			got, err := s.DailyCounts(ctx, day, day.AddDate(0, 0, 2))
			if err != nil {
				t.Fatal(err)
			}
			wantReports := []vigie.DayCount{
				{Day: day, Key: "csam", Count: 3},
				{Day: day.AddDate(0, 0, 1), Key: "csam", Count: 2},
				{Day: day.AddDate(0, 0, 1), Key: "other", Count: 2},
			}
			if !slices.Equal(got.Reports, wantReports) {
				t.Fatalf("Reports=%+v, want %+v", got.Reports, wantReports)
			}
			wantNotices := []vigie.DayCount{
				{Day: day, Key: "notice", Count: 3},
				{Day: day.AddDate(0, 0, 1), Key: "forward", Count: 1},
				{Day: day.AddDate(0, 0, 1), Key: "notice", Count: 1},
			}
			if !slices.Equal(got.Notices, wantNotices) {
				t.Fatalf("Notices=%+v, want %+v", got.Notices, wantNotices)
			}
		})
		t.Run("OpenCaseAges", func(t *testing.T) {
			got, err := s.OpenCaseAges(ctx, d.t0.Add(36*time.Hour))
			if err != nil {
				t.Fatal(err)
			}
			var counts []int
			for _, b := range got {
				counts = append(counts, b.Count)
			}
			// The case awaiting assessment is 12 h old; the live one 11.5 days.
			if want := []int{1, 0, 0, 1, 0}; !slices.Equal(counts, want) {
				t.Fatalf("counts=%v, want %v", counts, want)
			}
		})
		t.Run("LiveIllegalURLs", func(t *testing.T) {
			got, err := s.LiveIllegalURLs(ctx)
			if err != nil {
				t.Fatal(err)
			}
			live, _ := f.reports.FindCase(ctx, d.live)
			if want := []string{live.URL}; !slices.Equal(got, want) {
				t.Fatalf("urls=%v, want %v", got, want)
			}
		})
		t.Run("DSAReport", func(t *testing.T) {
			got, err := s.DSAReport(ctx, 2026)
			if err != nil {
				t.Fatal(err)
			}
			if got.Notices != 6 || got.Removed != 5 || got.MedianTimeToAction != 4*time.Hour {
				t.Fatalf("Notices=%d Removed=%d Median=%v, want 6, 5, 4h", got.Notices, got.Removed, got.MedianTimeToAction)
			}
			checkCounts(t, "ByHost", got.ByHost, []vigie.KeyCount{{Key: "ExampleHost", Count: 4}, {Key: "c.example", Count: 2}})
			checkCounts(t, "ByContentType", got.ByContentType, []vigie.KeyCount{{Key: "unknown", Count: 5}, {Key: "video", Count: 1}})
			checkCounts(t, "ByAction", got.ByAction, []vigie.KeyCount{{Key: "notice", Count: 4}, {Key: "forward", Count: 2}, {Key: "removed", Count: 5}})
		})
		t.Run("DSAReportLastYear", func(t *testing.T) {
			got, err := s.DSAReport(ctx, 2025)
			if err != nil {
				t.Fatal(err)
			}
			if got.Notices != 1 || got.Removed != 1 || got.MedianTimeToAction != 2*time.Hour {
				t.Fatalf("Notices=%d Removed=%d Median=%v, want 1, 1, 2h", got.Notices, got.Removed, got.MedianTimeToAction)
			}
		})
		t.Run("ErrYear", func(t *testing.T) {
			if _, err := s.DSAReport(ctx, 99); vigie.ErrorCode(err) != vigie.EINVALID {
				t.Fatalf("err=%v, want EINVALID", err)
			}
		})
	})
}

func checkCounts(t *testing.T, name string, got, want []vigie.KeyCount) {
	t.Helper()
	if !slices.Equal(got, want) {
		t.Fatalf("%s=%+v, want %+v", name, got, want)
	}
}
