package jobs_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"image/jpeg"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	vigie "github.com/vigie-hotline/vigie"
	"github.com/vigie-hotline/vigie/fingerprint"
	"github.com/vigie-hotline/vigie/internal/dbtest"
	"github.com/vigie-hotline/vigie/jobs"
	"github.com/vigie-hotline/vigie/pdq/pdqtest"
	"github.com/vigie-hotline/vigie/sqldb"
	"github.com/vigie-hotline/vigie/vault"
)

// siteCrawler hands every body it holds to the visitor, as a crawl of a
// page linking them would.
type siteCrawler [][]byte

func (s siteCrawler) Crawl(ctx context.Context, url string, visit func(context.Context, *vigie.Fetched) error) ([]vigie.FetchFailure, error) {
	for i, body := range s {
		f := &vigie.Fetched{Body: body, Evidence: vigie.Evidence{
			FinalURL: url + "/" + string(rune('a'+i)) + ".jpg", SHA256: sumOf(body)}}
		if err := visit(ctx, f); err != nil {
			return nil, err
		}
	}
	return nil, nil
}

// bankMatcher matches content by SHA-256 with a bank of the given kind, or
// fails while down is set.
type bankMatcher struct {
	kinds map[string]vigie.BankKind
	down  bool
}

func (m *bankMatcher) Match(_ context.Context, signals []vigie.Signal, _ vigie.MatchOptions) ([]*vigie.Match, error) {
	if m.down {
		return nil, errors.New("index unavailable")
	}
	for _, s := range signals {
		if k, ok := m.kinds[s.Value]; ok && s.Type == vigie.SignalSHA256 {
			return []*vigie.Match{{Bank: &vigie.Bank{Name: string(k), Kind: k},
				Entry: &vigie.BankEntry{ID: 7, Signal: s.Type, Value: s.Value}, Query: s}}, nil
		}
	}
	return nil, nil
}

func syntheticJPEG(t *testing.T, seed uint64) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := jpeg.Encode(&b, pdqtest.Photo(seed, 320, 240), &jpeg.Options{Quality: 85}); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

type pipelineFixture struct {
	ctx     context.Context
	q       *queue
	reports *sqldb.ReportService
	audit   *sqldb.AuditService
	p       *jobs.Pipeline
	m       *bankMatcher
}

func newPipelineFixture(t *testing.T, dsn string, site siteCrawler) *pipelineFixture {
	db := dbtest.MustOpenDB(t, dsn)
	q := &queue{}
	key, err := vault.LoadOrCreateKey(filepath.Join(t.TempDir(), "q.key"))
	if err != nil {
		t.Fatal(err)
	}
	v, err := vault.Open(filepath.Join(t.TempDir(), "quarantine"), key)
	if err != nil {
		t.Fatal(err)
	}
	f := &pipelineFixture{ctx: vigie.NewContextWithActor(context.Background(), "test"), q: q,
		reports: sqldb.NewReportService(db, q), audit: sqldb.NewAuditService(db),
		m: &bankMatcher{kinds: map[string]vigie.BankKind{}}}
	f.p = jobs.NewPipeline()
	f.p.Reports, f.p.Crawler, f.p.Quarantine = f.reports, site, v
	f.p.Fingerprint, f.p.Matcher = fingerprint.NewService(fingerprint.Options{}), f.m
	return f
}

// newCase reports url and returns its case.
func (f *pipelineFixture) newCase(t *testing.T, url string) int64 {
	t.Helper()
	r := &vigie.Report{Code: "VG-" + sumOf([]byte(url))[:8], PINHash: []byte("x"), Category: vigie.CategoryCSAM,
		Source: "test", URLs: []vigie.ReportURL{{Raw: url, Normalized: url}}}
	if err := f.reports.CreateReport(f.ctx, r); err != nil {
		t.Fatal(err)
	}
	return r.URLs[0].CaseID
}

func (f *pipelineFixture) fetch(t *testing.T, caseID int64) []*vigie.Item {
	t.Helper()
	w := &jobs.FetchCaseWorker{P: f.p}
	if err := w.Work(f.ctx, job(vigie.FetchCaseJob{CaseID: caseID}, 1, 25)); err != nil {
		t.Fatal(err)
	}
	items, err := f.reports.FindItems(f.ctx, vigie.ItemFilter{CaseID: caseID})
	if err != nil {
		t.Fatal(err)
	}
	return items
}

func (f *pipelineFixture) caseState(t *testing.T, id int64) vigie.CaseState {
	t.Helper()
	c, err := f.reports.FindCase(f.ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	return c.State
}

// TestFetchCase_ProcessesInMemory checks that the fetch job fingerprints,
// matches and classifies each item while its bytes are in memory — no
// processing job — and that each item ends exactly as the processing job,
// reading the same bytes back from the quarantine, leaves it: fingerprints,
// family priority, classification from a known bank, the reason of bytes
// that are not an image.
func TestFetchCase_ProcessesInMemory(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, dsn string) {
		plain, family, known := syntheticJPEG(t, 1), syntheticJPEG(t, 2), syntheticJPEG(t, 3)
		broken := append([]byte{0xFF, 0xD8, 0xFF, 0xE0}, "SYNTHETIC not a JPEG"...)
		site := siteCrawler{plain, family, known, broken}
		f := newPipelineFixture(t, dsn, site)
		f.m.kinds[sumOf(family)], f.m.kinds[sumOf(known)] = vigie.BankFamily, vigie.BankKnown

		caseID := f.newCase(t, "http://site.example/page")
		f.q.take()
		items := f.fetch(t, caseID)
		if got := takeKind[vigie.ProcessItemJob](f.q); len(got) != 0 {
			t.Fatalf("processing jobs enqueued: %v", got)
		}
		if len(items) != len(site) {
			t.Fatalf("%d items, want %d", len(items), len(site))
		}
		bySum := map[string]*vigie.Item{}
		for _, it := range items {
			bySum[it.SHA256] = it
		}
		if it := bySum[sumOf(plain)]; it.State != vigie.ItemAwaiting || it.PDQ == "" || it.MD5 == "" || it.Width != 320 {
			t.Fatalf("plain item: %+v", it)
		}
		if it := bySum[sumOf(family)]; it.State != vigie.ItemAwaiting || !it.Family || it.Priority != vigie.PriorityFamily {
			t.Fatalf("family item: %+v", it)
		}
		if it := bySum[sumOf(known)]; it.State != vigie.ItemAuto || it.Classification != vigie.ClassBaseline {
			t.Fatalf("known item: %+v", it)
		}
		if it := bySum[sumOf(broken)]; it.State != vigie.ItemFailed || !strings.HasPrefix(it.FailReason, "not an image: ") {
			t.Fatalf("broken item: %+v", it)
		}
		if got, want := f.caseState(t, caseID), vigie.CaseIllegal; got != want {
			t.Fatalf("case State=%v, want %v", got, want)
		}

		// The same bytes through the processing job, from the quarantine.
		other := f.newCase(t, "http://other.example/page")
		for _, in := range items {
			it := &vigie.Item{CaseID: other, URL: in.URL, SHA256: in.SHA256, Stored: true}
			if err := f.reports.CreateItem(f.ctx, it); err != nil {
				t.Fatal(err)
			}
			w := &jobs.ProcessItemWorker{P: f.p}
			if err := w.Work(f.ctx, job(vigie.ProcessItemJob{ItemID: it.ID}, 1, 25)); err != nil {
				t.Fatal(err)
			}
			got, err := f.reports.FindItem(f.ctx, it.ID)
			if err != nil {
				t.Fatal(err)
			}
			if got, want := outcome(got), outcome(in); got != want {
				t.Errorf("processing job gave\n%+v\nfetch job gave\n%+v", got, want)
			}
		}
	})
}

// outcome is what processing decides about an item.
func outcome(it *vigie.Item) vigie.Item {
	return vigie.Item{MD5: it.MD5, SHA1: it.SHA1, SHA256: it.SHA256, PDQ: it.PDQ, Quality: it.Quality, Width: it.Width,
		Height: it.Height, Format: it.Format, State: it.State, Priority: it.Priority, Family: it.Family,
		Classification: it.Classification, Matches: it.Matches, FailReason: it.FailReason}
}

// TestFetchCase_ProcessingFailsThenRetries checks that an item whose
// processing fails in the fetch job (the banks cannot be read) is created
// pending with its processing job, which fails while the banks are down —
// River retries it with backoff — and decides the item once they are back.
func TestFetchCase_ProcessingFailsThenRetries(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, dsn string) {
		img := syntheticJPEG(t, 4)
		f := newPipelineFixture(t, dsn, siteCrawler{img})
		f.m.down = true
		caseID := f.newCase(t, "http://down.example/page")
		items := f.fetch(t, caseID)
		if len(items) != 1 || items[0].State != vigie.ItemPending || items[0].PDQ != "" {
			t.Fatalf("items: %+v", items)
		}
		pending := takeKind[vigie.ProcessItemJob](f.q)
		if len(pending) != 1 || pending[0].ItemID != items[0].ID {
			t.Fatalf("processing jobs: %v", pending)
		}
		if got, want := f.caseState(t, caseID), vigie.CaseAwaiting; got != want {
			t.Fatalf("case State=%v, want %v", got, want)
		}

		w := &jobs.ProcessItemWorker{P: f.p}
		if err := w.Work(f.ctx, job(pending[0], 1, 25)); err == nil {
			t.Fatal("processing with the banks down succeeded")
		}
		f.m.down = false
		if err := w.Work(f.ctx, job(pending[0], 2, 25)); err != nil {
			t.Fatal(err)
		}
		it, err := f.reports.FindItem(f.ctx, items[0].ID)
		if err != nil {
			t.Fatal(err)
		}
		if it.State != vigie.ItemAwaiting || it.PDQ == "" || it.SHA1 == "" {
			t.Fatalf("item after retry: %+v", it)
		}
	})
}

// TestFetchCase_RetryAfterAwaiting checks that a fetch job retried after
// its case moved to awaiting derives the case's state from its items
// again, in case the attempt ended between the two steps.
func TestFetchCase_RetryAfterAwaiting(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, dsn string) {
		known := syntheticJPEG(t, 5)
		f := newPipelineFixture(t, dsn, siteCrawler{known})
		f.m.kinds[sumOf(known)] = vigie.BankKnown
		caseID := f.newCase(t, "http://again.example/page")
		f.fetch(t, caseID)
		if err := f.reports.SetCaseState(f.ctx, caseID, vigie.CaseAwaiting, ""); err != nil {
			t.Fatal(err)
		}
		items := f.fetch(t, caseID)
		if len(items) != 1 {
			t.Fatalf("%d items, want 1 (the retry must not fetch again)", len(items))
		}
		if got, want := f.caseState(t, caseID), vigie.CaseIllegal; got != want {
			t.Fatalf("case State=%v, want %v", got, want)
		}
	})
}

// failingCrawler visits its bodies, then fails with a temporary error
// while fail is set, as a crawl cut short after storing some items.
type failingCrawler struct {
	site siteCrawler
	fail bool
}

func (c *failingCrawler) Crawl(ctx context.Context, url string, visit func(context.Context, *vigie.Fetched) error) ([]vigie.FetchFailure, error) {
	if _, err := c.site.Crawl(ctx, url, visit); err != nil {
		return nil, err
	}
	if c.fail {
		return nil, &vigie.FetchFailure{Reason: "timeout", Message: "the site stopped answering"}
	}
	return nil, nil
}

// caseMoves returns the audited state moves of a case, as "from→to".
func (f *pipelineFixture) caseMoves(t *testing.T, id int64) []string {
	t.Helper()
	entries, err := f.audit.FindAuditEntries(f.ctx, vigie.AuditFilter{Action: "case.state", Object: "case:" + strconv.FormatInt(id, 10)})
	if err != nil {
		t.Fatal(err)
	}
	var moves []string
	for _, e := range entries {
		var d struct{ From, To string }
		if err := json.Unmarshal([]byte(e.Details), &d); err != nil {
			t.Fatal(err)
		}
		moves = append(moves, d.From+"→"+d.To)
	}
	return moves
}

// verifyAudit fails the test unless the whole audit chain verifies.
func (f *pipelineFixture) verifyAudit(t *testing.T) {
	t.Helper()
	n, brk, err := f.audit.VerifyAudit(f.ctx)
	if err != nil || brk != nil || n == 0 {
		t.Fatalf("VerifyAudit=%d, %+v, %v; want a whole chain", n, brk, err)
	}
}

// TestFetchCase_AuditsEveryMove checks that the fetch, whose last moves
// share one transaction and whose statements are prepared once, still
// audits every move of the case in order, and that the chain, written by
// prepared and unprepared statements in turn, verifies.
func TestFetchCase_AuditsEveryMove(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, dsn string) {
		plain, known := syntheticJPEG(t, 6), syntheticJPEG(t, 7)
		f := newPipelineFixture(t, dsn, siteCrawler{plain, known})
		f.m.kinds[sumOf(known)] = vigie.BankKnown
		illegal := f.newCase(t, "http://known.example/page")
		f.fetch(t, illegal)
		if _, err := f.audit.AppendAudit(f.ctx, "content.view", "item:1", nil); err != nil {
			t.Fatal(err)
		}
		f.p.Crawler = siteCrawler{plain}
		waiting := f.newCase(t, "http://plain.example/page")
		f.fetch(t, waiting)

		for _, tc := range []struct {
			id    int64
			state vigie.CaseState
			moves string
		}{
			{illegal, vigie.CaseIllegal, "new→fetching fetching→awaiting_assessment awaiting_assessment→illegal"},
			{waiting, vigie.CaseAwaiting, "new→fetching fetching→awaiting_assessment"},
		} {
			if got := f.caseState(t, tc.id); got != tc.state {
				t.Errorf("case %d State=%v, want %v", tc.id, got, tc.state)
			}
			if got := strings.Join(f.caseMoves(t, tc.id), " "); got != tc.moves {
				t.Errorf("case %d moves %q, want %q", tc.id, got, tc.moves)
			}
		}
		f.verifyAudit(t)
	})
}

// TestFetchCase_RetryAfterCutCrawl checks that a fetch whose crawl fails
// after storing items leaves the case fetching, and that the retry adds
// only what is new and ends the case in the state its items call for.
func TestFetchCase_RetryAfterCutCrawl(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, dsn string) {
		first, second := syntheticJPEG(t, 8), syntheticJPEG(t, 9)
		crawler := &failingCrawler{site: siteCrawler{first}, fail: true}
		f := newPipelineFixture(t, dsn, nil)
		f.p.Crawler = crawler
		f.m.kinds[sumOf(second)] = vigie.BankKnown
		caseID := f.newCase(t, "http://cut.example/page")

		w := &jobs.FetchCaseWorker{P: f.p}
		if err := w.Work(f.ctx, job(vigie.FetchCaseJob{CaseID: caseID}, 1, 25)); err == nil {
			t.Fatal("a cut crawl succeeded")
		}
		if got, want := f.caseState(t, caseID), vigie.CaseFetching; got != want {
			t.Fatalf("case State=%v after a cut crawl, want %v", got, want)
		}
		crawler.site, crawler.fail = siteCrawler{first, second}, false
		if err := w.Work(f.ctx, job(vigie.FetchCaseJob{CaseID: caseID}, 2, 25)); err != nil {
			t.Fatal(err)
		}
		items, err := f.reports.FindItems(f.ctx, vigie.ItemFilter{CaseID: caseID})
		if err != nil {
			t.Fatal(err)
		}
		if got, want := len(items), 2; got != want {
			t.Fatalf("%d items, want %d (the retry must not store the first twice)", got, want)
		}
		if got, want := f.caseState(t, caseID), vigie.CaseIllegal; got != want {
			t.Fatalf("case State=%v, want %v", got, want)
		}
		if got, want := strings.Join(f.caseMoves(t, caseID), " "), "new→fetching fetching→awaiting_assessment awaiting_assessment→illegal"; got != want {
			t.Fatalf("moves %q, want %q", got, want)
		}
		f.verifyAudit(t)
	})
}
