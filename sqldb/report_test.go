package sqldb_test

import (
	"context"
	"database/sql"
	"fmt"
	"sync"
	"testing"

	vigie "github.com/vigie-hotline/vigie"
	"github.com/vigie-hotline/vigie/sqldb"
)

// jobLog records the jobs a service enqueued. The job queue itself (River,
// in the same transaction) is tested in package jobs.
type jobLog struct {
	mu   sync.Mutex
	jobs []vigie.Job
}

func (l *jobLog) EnqueueTx(ctx context.Context, tx *sql.Tx, jobs ...vigie.Job) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.jobs = append(l.jobs, jobs...)
	return nil
}

func newReport(code string, urls ...string) *vigie.Report {
	r := &vigie.Report{Code: code, PINHash: []byte("h"), Category: vigie.CategoryCSAM, Source: "web"}
	for _, u := range urls {
		r.URLs = append(r.URLs, vigie.ReportURL{Raw: u, Normalized: u})
	}
	return r
}

func TestReportService(t *testing.T) {
	each(t, func(t *testing.T, db *sqldb.DB) {
		jobs := &jobLog{}
		s := sqldb.NewReportService(db, jobs)
		ctx := ctxAs("anonymous")
		r1 := newReport("VG-AAAA", "http://a.example/1", "http://a.example/2", "http://a.example/1")
		if err := s.CreateReport(ctx, r1); err != nil {
			t.Fatal(err)
		}
		t.Run("NewCasesAreFetched", func(t *testing.T) {
			if got, want := len(jobs.jobs), 2; got != want {
				t.Fatalf("jobs=%d, want %d (one per distinct URL)", got, want)
			}
		})
		t.Run("SameURLAttachesToCase", func(t *testing.T) {
			r2 := newReport("VG-BBBB", "http://a.example/1")
			if err := s.CreateReport(ctx, r2); err != nil {
				t.Fatal(err)
			}
			if r2.URLs[0].CaseID != r1.URLs[0].CaseID {
				t.Fatalf("case %d, want %d", r2.URLs[0].CaseID, r1.URLs[0].CaseID)
			}
			c, err := s.FindCase(ctx, r1.URLs[0].CaseID)
			if err != nil {
				t.Fatal(err)
			}
			if got, want := c.Reporters, 2; got != want {
				t.Fatalf("reporters=%d, want %d", got, want)
			}
			if got, want := len(jobs.jobs), 2; got != want {
				t.Fatalf("jobs=%d, want %d: a known URL is not fetched again", got, want)
			}
		})
		t.Run("ErrDuplicateCode", func(t *testing.T) {
			err := s.CreateReport(ctx, newReport("VG-AAAA", "http://b.example/"))
			if got, want := vigie.ErrorCode(err), vigie.ECONFLICT; got != want {
				t.Fatalf("code=%q, want %q", got, want)
			}
		})
		t.Run("ErrTooManyURLs", func(t *testing.T) {
			r := newReport("VG-CCCC")
			for range vigie.MaxReportURLs + 1 {
				r.URLs = append(r.URLs, vigie.ReportURL{Raw: "http://c.example/", Normalized: "http://c.example/"})
			}
			if got, want := vigie.ErrorCode(s.CreateReport(ctx, r)), vigie.EINVALID; got != want {
				t.Fatalf("code=%q, want %q", got, want)
			}
		})
		t.Run("FindByCode", func(t *testing.T) {
			r, err := s.FindReportByCode(ctx, "VG-AAAA")
			if err != nil {
				t.Fatal(err)
			}
			if len(r.URLs) != 2 || string(r.PINHash) != "h" {
				t.Fatalf("report %+v", r)
			}
		})
	})
}

func TestAssessment_FourEyes(t *testing.T) {
	each(t, func(t *testing.T, db *sqldb.DB) {
		s := sqldb.NewReportService(db, &jobLog{})
		ctx := ctxAs("test")
		ana := mustCreateUser(t, db, "ana", vigie.RoleAnalyst)
		bob := mustCreateUser(t, db, "bob", vigie.RoleAnalyst)
		r := newReport("VG-4EYE", "http://x.example/p")
		if err := s.CreateReport(ctx, r); err != nil {
			t.Fatal(err)
		}
		caseID := r.URLs[0].CaseID
		it := &vigie.Item{CaseID: caseID, URL: "http://x.example/p.png", SHA256: sha1Hex(1) + "000000000000000000000000"}
		if err := s.CreateItem(ctx, it); err != nil {
			t.Fatal(err)
		}
		it.State, it.MD5, it.PDQ, it.Quality = vigie.ItemAwaiting, "d41d8cd98f00b204e9800998ecf8427e", pdqA, 90
		if err := s.UpdateItem(ctx, it); err != nil {
			t.Fatal(err)
		}
		if c, _ := s.FindCase(ctx, caseID); c.State != vigie.CaseAwaiting {
			t.Fatalf("case state %q, want awaiting", c.State)
		}
		a := &vigie.Assessment{ItemID: it.ID, AnalystID: ana.ID, Classification: vigie.ClassBaseline, AgeGroup: "prepubescent", ContentType: "image"}
		if err := s.Assess(ctx, a); err != nil {
			t.Fatal(err)
		}
		if got, want := a.Status, vigie.AssessmentPending; got != want {
			t.Fatalf("status=%q, want %q", got, want)
		}
		banks := sqldb.NewBankService(db)
		inBank := func() int {
			b, err := banks.FindBankByName(ctx, "hotline-confirmed")
			if vigie.ErrorCode(err) == vigie.ENOTFOUND {
				return 0
			}
			es, _ := banks.FindEntries(ctx, vigie.EntryFilter{BankID: b.ID})
			return len(es)
		}
		t.Run("ErrSamePersonConfirms", func(t *testing.T) {
			_, err := s.Confirm(ctx, a.ID, ana.ID, true)
			if got, want := vigie.ErrorCode(err), vigie.EFORBIDDEN; got != want {
				t.Fatalf("code=%q, want %q", got, want)
			}
			if n := inBank(); n != 0 {
				t.Fatalf("%d entries banked before confirmation", n)
			}
		})
		t.Run("SecondAnalystConfirms", func(t *testing.T) {
			if _, err := s.Confirm(ctx, a.ID, bob.ID, true); err != nil {
				t.Fatal(err)
			}
			if n := inBank(); n != 3 {
				t.Fatalf("banked entries=%d, want 3 (MD5, SHA-256, PDQ)", n)
			}
			if c, _ := s.FindCase(ctx, caseID); c.State != vigie.CaseIllegal {
				t.Fatalf("case state %q, want illegal", c.State)
			}
			prior, err := s.PriorClassification(ctx, it.SHA256)
			if err != nil || prior != vigie.ClassBaseline {
				t.Fatalf("prior=%q, %v", prior, err)
			}
		})
		t.Run("ErrAlreadyDecided", func(t *testing.T) {
			_, err := s.Confirm(ctx, a.ID, bob.ID, true)
			if got, want := vigie.ErrorCode(err), vigie.ECONFLICT; got != want {
				t.Fatalf("code=%q, want %q", got, want)
			}
		})
	})
}

// TestCreateReport_ConcurrentWithConflicts sends many reports at once, some
// reusing a tracking code. On SQLite they share transactions (group
// commit): each conflicting report must fail alone, with nothing of it
// stored, and every other report must be stored with its case and job.
func TestCreateReport_ConcurrentWithConflicts(t *testing.T) {
	each(t, func(t *testing.T, db *sqldb.DB) {
		jobs := &jobLog{}
		s := sqldb.NewReportService(db, jobs)
		ctx := ctxAs("anonymous")
		if err := s.CreateReport(ctx, newReport("VG-TAKEN", "http://taken.example/")); err != nil {
			t.Fatal(err)
		}
		const n = 60
		errs := make([]error, n)
		var wg sync.WaitGroup
		for i := range n {
			code := fmt.Sprintf("VG-C%03d", i)
			if i%7 == 3 {
				code = "VG-TAKEN"
			}
			wg.Go(func() { errs[i] = s.CreateReport(ctx, newReport(code, fmt.Sprintf("http://c.example/%d", i))) })
		}
		wg.Wait()
		stored := 1
		for i, err := range errs {
			if i%7 == 3 {
				if vigie.ErrorCode(err) != vigie.ECONFLICT {
					t.Fatalf("report %d reused a code: err %v, want a conflict", i, err)
				}
				continue
			}
			if err != nil {
				t.Fatalf("report %d: %v", i, err)
			}
			r, err := s.FindReportByCode(ctx, fmt.Sprintf("VG-C%03d", i))
			if err != nil || len(r.URLs) != 1 || r.URLs[0].Raw != fmt.Sprintf("http://c.example/%d", i) {
				t.Fatalf("report %d: %+v, %v", i, r, err)
			}
			stored++
		}
		cases, err := s.FindCases(ctx, vigie.CaseFilter{Limit: 1000})
		if err != nil {
			t.Fatal(err)
		}
		if len(cases) != stored || len(jobs.jobs) != stored {
			t.Fatalf("%d cases and %d fetch jobs, want %d each: a failed report left rows or jobs behind", len(cases), len(jobs.jobs), stored)
		}
	})
}
