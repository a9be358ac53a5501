package sqldb_test

import (
	"testing"

	vigie "github.com/vigie-hotline/vigie"
	"github.com/vigie-hotline/vigie/sqldb"
)

// TestCreateItem_FailReason checks that an item created as failed (a link
// the crawler could not fetch) keeps its reason for the analysts.
func TestCreateItem_FailReason(t *testing.T) {
	each(t, func(t *testing.T, db *sqldb.DB) {
		s := sqldb.NewReportService(db, &jobLog{})
		ctx := ctxAs("system:fetch")
		r := newReport("VG-FAIL", "http://f.example/page")
		if err := s.CreateReport(ctx, r); err != nil {
			t.Fatal(err)
		}
		it := &vigie.Item{CaseID: r.URLs[0].CaseID, URL: "http://f.example/a.jpg", State: vigie.ItemFailed, FailReason: "not_media: the server sent text"}
		if err := s.CreateItem(ctx, it); err != nil {
			t.Fatal(err)
		}
		got, err := s.FindItem(ctx, it.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.State != vigie.ItemFailed || got.FailReason != it.FailReason {
			t.Fatalf("State=%q FailReason=%q, want %q %q", got.State, got.FailReason, vigie.ItemFailed, it.FailReason)
		}
	})
}
