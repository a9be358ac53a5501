package jobs_test

import (
	"context"
	"database/sql"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	vigie "github.com/vigie-hotline/vigie"
	"github.com/vigie-hotline/vigie/internal/dbtest"
	"github.com/vigie-hotline/vigie/jobs"
	"github.com/vigie-hotline/vigie/sqldb"
	"github.com/vigie-hotline/vigie/vault"
)

type noJobs struct{}

func (noJobs) EnqueueTx(context.Context, *sql.Tx, ...vigie.Job) error { return nil }

// TestPurge stores fetched bytes in the real encrypted vault, decides the
// item, and checks that the purge deletes them once retention is over —
// not before, and not under legal hold — and that they were never readable
// without the key.
func TestPurge(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, dsn string) {
		ctx := vigie.NewContextWithActor(context.Background(), "test")
		db := dbtest.MustOpenDB(t, dsn)
		reports := sqldb.NewReportService(db, noJobs{})
		dir := filepath.Join(t.TempDir(), "quarantine")
		key, err := vault.LoadOrCreateKey(filepath.Join(t.TempDir(), "q.key"))
		if err != nil {
			t.Fatal(err)
		}
		v, err := vault.Open(dir, key)
		if err != nil {
			t.Fatal(err)
		}
		p := jobs.NewPipeline()
		p.Reports, p.Quarantine = reports, v
		now := time.Now()
		p.Now = func() time.Time { return now }

		store := func(url, sum string) (*vigie.Item, int64) {
			r := &vigie.Report{Code: "VG-" + sum[:8], PINHash: []byte("x"), Category: vigie.CategoryCSAM, Source: "test",
				URLs: []vigie.ReportURL{{Raw: url, Normalized: url}}}
			if err := reports.CreateReport(ctx, r); err != nil {
				t.Fatal(err)
			}
			if err := v.Put(ctx, sum, []byte("SYNTHETIC-MARKER "+sum)); err != nil {
				t.Fatal(err)
			}
			it := &vigie.Item{CaseID: r.URLs[0].CaseID, URL: url, SHA256: sum, Stored: true}
			if err := reports.CreateItem(ctx, it); err != nil {
				t.Fatal(err)
			}
			it.State, it.Classification = vigie.ItemAuto, vigie.ClassNotIllegal
			if err := reports.UpdateItem(ctx, it); err != nil {
				t.Fatal(err)
			}
			return it, r.URLs[0].CaseID
		}
		sumA, sumB := strings.Repeat("a", 64), strings.Repeat("b", 64)
		store("http://a.example/", sumA)
		_, heldCase := store("http://b.example/", sumB)
		if err := reports.SetLegalHold(ctx, heldCase, true); err != nil {
			t.Fatal(err)
		}

		t.Run("UnreadableWithoutKey", func(t *testing.T) {
			files, _ := filepath.Glob(filepath.Join(dir, "*", "*"))
			if len(files) != 2 {
				t.Fatalf("files=%v", files)
			}
			for _, f := range files {
				raw, _ := os.ReadFile(f)
				if strings.Contains(string(raw), "SYNTHETIC-MARKER") {
					t.Fatalf("%s holds the plaintext", f)
				}
			}
			other, _ := vault.Open(dir, make([]byte, 32))
			if _, err := other.Get(ctx, sumA); err == nil {
				t.Fatal("read with another key")
			}
		})
		t.Run("NotBeforeRetention", func(t *testing.T) {
			if n, err := p.Purge(ctx); err != nil || n != 0 {
				t.Fatalf("purged %d, %v; want 0 before retention", n, err)
			}
		})
		t.Run("AfterRetention", func(t *testing.T) {
			now = now.Add(p.Retention + time.Hour)
			if n, err := p.Purge(ctx); err != nil || n != 1 {
				t.Fatalf("purged %d, %v; want 1 (the other is on legal hold)", n, err)
			}
			if _, err := v.Get(ctx, sumA); vigie.ErrorCode(err) != vigie.ENOTFOUND {
				t.Fatalf("bytes still there: %v", err)
			}
			if files, _ := filepath.Glob(filepath.Join(dir, "*", "*")); len(files) != 1 {
				t.Fatalf("files left: %v", files)
			}
			if _, err := v.Get(ctx, sumB); err != nil {
				t.Fatalf("held content purged: %v", err)
			}
			items, _ := reports.FindItems(ctx, vigie.ItemFilter{SHA256: sumA})
			if items[0].Stored || items[0].PurgedAt == nil {
				t.Fatalf("item not marked purged: %+v", items[0])
			}
		})
	})
}
