package sqldb_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"

	vigie "github.com/vigie-hotline/vigie"
	"github.com/vigie-hotline/vigie/sqldb"
)

func TestAuditService(t *testing.T) {
	each(t, func(t *testing.T, db *sqldb.DB) {
		as := sqldb.NewAuditService(db)
		ctx := ctxAs("user:1 (admin)")
		for i := range 5 {
			if _, err := as.AppendAudit(ctx, "auth.login", fmt.Sprintf("user:%d", i), map[string]any{"ip": "192.0.2.1"}); err != nil {
				t.Fatal(err)
			}
		}
		t.Run("Chained", func(t *testing.T) {
			entries, err := as.FindAuditEntries(ctx, vigie.AuditFilter{})
			if err != nil {
				t.Fatal(err)
			}
			if got, want := len(entries), 5; got != want {
				t.Fatalf("len=%d, want %d", got, want)
			}
			for i := 1; i < len(entries); i++ {
				if entries[i].PrevHash != entries[i-1].Hash {
					t.Fatalf("entry %d does not chain to %d", entries[i].ID, entries[i-1].ID)
				}
			}
			n, brk, err := as.VerifyAudit(ctx)
			if err != nil || brk != nil {
				t.Fatalf("VerifyAudit=%d, %+v, %v; want whole", n, brk, err)
			}
			if got, want := n, 5; got != want {
				t.Fatalf("checked=%d, want %d", got, want)
			}
		})
		t.Run("ErrAppendOnly", func(t *testing.T) {
			if _, err := db.WriteDB().Exec(`UPDATE audit_log SET actor = 'someone else' WHERE id = 2`); err == nil {
				t.Fatal("UPDATE of audit_log succeeded; want the trigger to refuse it")
			}
			if _, err := db.WriteDB().Exec(`DELETE FROM audit_log WHERE id = 2`); err == nil {
				t.Fatal("DELETE from audit_log succeeded; want the trigger to refuse it")
			}
		})
		t.Run("Concurrent", func(t *testing.T) {
			var wg sync.WaitGroup
			errs := make(chan error, 20)
			for i := range 20 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					_, err := as.AppendAudit(ctx, "content.view", fmt.Sprintf("item:%d", i), nil)
					errs <- err
				}()
			}
			wg.Wait()
			close(errs)
			for err := range errs {
				if err != nil {
					t.Fatal(err)
				}
			}
			if _, brk, err := as.VerifyAudit(ctx); err != nil || brk != nil {
				t.Fatalf("VerifyAudit after concurrent appends: %+v, %v", brk, err)
			}
		})
	})
}

// TestVerifyAudit_Tampered edits the log behind the application's back, as
// someone with direct database access would (dropping the guard trigger
// first), and checks that verify names the first broken entry.
func TestVerifyAudit_Tampered(t *testing.T) {
	cases := []struct {
		name    string
		tamper  string
		wantID  int64
		wantMsg string
	}{
		{"ErrEdited", `UPDATE audit_log SET details = '{"ip":"203.0.113.9"}' WHERE id = 3`, 3, "edited"},
		{"ErrRechained", `UPDATE audit_log SET prev_hash = 'x' WHERE id = 4`, 4, "previous-entry"},
		{"ErrDeleted", `DELETE FROM audit_log WHERE id = 2`, 2, "missing"},
		{"ErrTruncated", `DELETE FROM audit_log WHERE id = 5`, 5, "missing"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			each(t, func(t *testing.T, db *sqldb.DB) {
				as := sqldb.NewAuditService(db)
				ctx := ctxAs("test")
				for i := range 5 {
					if _, err := as.AppendAudit(ctx, "user.update", fmt.Sprintf("user:%d", i), map[string]any{"ip": "192.0.2.1"}); err != nil {
						t.Fatal(err)
					}
				}
				dropAuditGuard(t, db)
				if _, err := db.WriteDB().Exec(tc.tamper); err != nil {
					t.Fatal(err)
				}
				_, brk, err := as.VerifyAudit(context.Background())
				if err != nil {
					t.Fatal(err)
				}
				if brk == nil {
					t.Fatal("VerifyAudit found nothing wrong")
				}
				if got, want := brk.ID, tc.wantID; got != want {
					t.Fatalf("break at %d (%s), want %d", got, brk.Reason, want)
				}
				if !strings.Contains(brk.Reason, tc.wantMsg) {
					t.Fatalf("reason %q does not mention %q", brk.Reason, tc.wantMsg)
				}
			})
		})
	}
}

func dropAuditGuard(tb testing.TB, db *sqldb.DB) {
	tb.Helper()
	stmts := []string{`DROP TRIGGER audit_log_no_update`, `DROP TRIGGER audit_log_no_delete`}
	if db.Dialect() == sqldb.Postgres {
		stmts = []string{`DROP TRIGGER audit_log_no_change ON audit_log`}
	}
	for _, s := range stmts {
		if _, err := db.WriteDB().Exec(s); err != nil {
			tb.Fatal(err)
		}
	}
}
