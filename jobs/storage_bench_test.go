package jobs_test

import (
	"context"
	"io"
	"path/filepath"
	"strconv"
	"testing"

	vigie "github.com/vigie-hotline/vigie"
	"github.com/vigie-hotline/vigie/internal/dbtest"
	"github.com/vigie-hotline/vigie/jobs"
	"github.com/vigie-hotline/vigie/sqldb"
)

// memQuarantine keeps nothing: the benchmark below leaves the quarantine's
// cost (AES-GCM, fsyncs) out.
type memQuarantine struct{}

func (memQuarantine) Put(context.Context, string, []byte) error   { return nil }
func (memQuarantine) Get(context.Context, string) ([]byte, error) { return nil, nil }
func (memQuarantine) Delete(context.Context, string) error        { return nil }

// fixedFP returns the same fingerprints for any bytes, without decoding.
type fixedFP struct{}

func (fixedFP) Fingerprint(_ context.Context, r io.Reader) (*vigie.Fingerprints, error) {
	io.Copy(io.Discard, r)
	return &vigie.Fingerprints{MD5: "m", SHA1: "s", PDQ: "p", Quality: 100, Width: 640, Height: 480, Format: "jpeg"}, nil
}

// BenchmarkFetchCaseStorage measures what intake and the fetch job cost in
// the database for a page of two images, on SQLite: the crawl, the
// fingerprints and the quarantine are stubs. bench/pipeline measures the
// whole; this isolates the part that statements and transactions decide.
func BenchmarkFetchCaseStorage(b *testing.B) {
	db := dbtest.MustOpenDB(b, filepath.Join(b.TempDir(), "v.db"))
	q := &queue{}
	reports := sqldb.NewReportService(db, q)
	p := jobs.NewPipeline()
	p.Reports, p.Quarantine, p.Fingerprint, p.Matcher = reports, memQuarantine{}, fixedFP{}, &bankMatcher{kinds: map[string]vigie.BankKind{}}
	w := &jobs.FetchCaseWorker{P: p}
	ctx := vigie.NewContextWithActor(context.Background(), "test")
	for i := 0; b.Loop(); i++ {
		s := strconv.Itoa(i)
		p.Crawler = siteCrawler{[]byte("a" + s), []byte("b" + s)}
		url := "http://site.example/" + s
		r := &vigie.Report{Code: "VG-" + s, PINHash: []byte("x"), Category: vigie.CategoryCSAM, Source: "test",
			URLs: []vigie.ReportURL{{Raw: url, Normalized: url}}}
		if err := reports.CreateReport(ctx, r); err != nil {
			b.Fatal(err)
		}
		if err := w.Work(ctx, job(vigie.FetchCaseJob{CaseID: r.URLs[0].CaseID}, 1, 25)); err != nil {
			b.Fatal(err)
		}
		q.take()
	}
}
