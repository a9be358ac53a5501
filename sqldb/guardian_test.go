package sqldb_test

import (
	"context"
	"crypto/sha256"
	"fmt"
	"strings"
	"testing"
	"time"

	vigie "github.com/vigie-hotline/vigie"
	"github.com/vigie-hotline/vigie/sqldb"
)

// Synthetic fingerprints: not of any real photo.
var (
	famPDQ1 = strings.Repeat("a1", 32)
	famPDQ2 = strings.Repeat("b2", 32)
	famMD51 = strings.Repeat("c3", 16)
	famMD52 = strings.Repeat("d4", 16)
)

func tokenHash(s string) []byte { h := sha256.Sum256([]byte(s)); return h[:] }

// mustRegister stores a pending registration for token and returns it.
func mustRegister(t *testing.T, g *sqldb.GuardianService, token string, photos ...vigie.FamilyPhoto) *vigie.Family {
	t.Helper()
	f := &vigie.Family{Email: token + "@family.example", Lang: "fr", TokenHash: tokenHash(token),
		TokenExpiresAt: time.Now().Add(time.Hour)}
	if err := g.RegisterFamily(ctxAs("guardian@web"), f, photos); err != nil {
		t.Fatal(err)
	}
	return f
}

func mustActivate(t *testing.T, g *sqldb.GuardianService, token, caseNumber string, suspect ...string) *vigie.Family {
	t.Helper()
	a := vigie.FamilyActivation{TokenHash: tokenHash(token), CaseNumber: caseNumber, PINHash: "$argon2id$x", Suspect: map[string]bool{}}
	for _, s := range suspect {
		a.Suspect[s] = true
	}
	f, err := g.ActivateFamily(ctxAs("guardian@web"), a)
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// familyEntries returns every entry of the family bank, deleted included.
func familyEntries(t *testing.T, db *sqldb.DB) []*vigie.BankEntry {
	t.Helper()
	banks := sqldb.NewBankService(db)
	b, err := banks.FindBankByName(context.Background(), vigie.FamilyBank)
	if vigie.ErrorCode(err) == vigie.ENOTFOUND {
		return nil
	} else if err != nil {
		t.Fatal(err)
	}
	es, err := banks.FindEntries(context.Background(), vigie.EntryFilter{BankID: b.ID, IncludeInactive: true})
	if err != nil {
		t.Fatal(err)
	}
	return es
}

func TestGuardianService_Registration(t *testing.T) {
	each(t, func(t *testing.T, db *sqldb.DB) {
		g := sqldb.NewGuardianService(db, &jobLog{})
		ctx := ctxAs("guardian@web")
		f := mustRegister(t, g, "tok-1", vigie.FamilyPhoto{PDQ: strings.ToUpper(famPDQ1), MD5: famMD51, Quality: 90},
			vigie.FamilyPhoto{PDQ: famPDQ2, MD5: famMD52, Quality: 70})

		t.Run("NothingInABankBeforeVerification", func(t *testing.T) {
			if got := len(familyEntries(t, db)); got != 0 {
				t.Fatalf("family entries=%d, want 0", got)
			}
			_, photos, err := g.FindPendingFamily(ctx, tokenHash("tok-1"))
			if err != nil {
				t.Fatal(err)
			}
			if got, want := photos[0].PDQ, famPDQ1; got != want {
				t.Fatalf("pending PDQ=%s, want the normalised %s", got, want)
			}
		})
		t.Run("ErrWrongToken", func(t *testing.T) {
			_, _, err := g.FindPendingFamily(ctx, tokenHash("tok-other"))
			if got, want := vigie.ErrorCode(err), vigie.ENOTFOUND; got != want {
				t.Fatalf("code=%q, want %q", got, want)
			}
		})
		got := mustActivate(t, g, "tok-1", "FA-AAAA0001", famPDQ2)
		t.Run("ActivationFillsTheBank", func(t *testing.T) {
			if !got.Verified() || got.CaseNumber != "FA-AAAA0001" {
				t.Fatalf("family %+v", got)
			}
			status := map[string]vigie.EntryStatus{}
			for _, e := range familyEntries(t, db) {
				status[e.Value] = e.Status
				if _, ok := e.Metadata["family"]; ok || strings.Contains(fmt.Sprint(e.Metadata), "@") {
					t.Fatalf("entry metadata names the family: %v", e.Metadata)
				}
			}
			want := map[string]vigie.EntryStatus{famPDQ1: vigie.EntryActive, famMD51: vigie.EntryActive,
				famPDQ2: vigie.EntryQuarantined, famMD52: vigie.EntryActive}
			if fmt.Sprint(status) != fmt.Sprint(want) {
				t.Fatalf("entries %v, want %v", status, want)
			}
			b, _ := sqldb.NewBankService(db).FindBankByName(ctx, vigie.FamilyBank)
			if b.Kind != vigie.BankFamily || b.Kind.Shareable() {
				t.Fatalf("bank kind %q", b.Kind)
			}
		})
		t.Run("ErrLinkUsedTwice", func(t *testing.T) {
			_, err := g.ActivateFamily(ctx, vigie.FamilyActivation{TokenHash: tokenHash("tok-1"), CaseNumber: "FA-AAAA0002", PINHash: "x"})
			if got, want := vigie.ErrorCode(err), vigie.ENOTFOUND; got != want {
				t.Fatalf("code=%q, want %q", got, want)
			}
		})
		t.Run("FindByCase", func(t *testing.T) {
			found, err := g.FindFamilyByCase(ctx, "FA-AAAA0001")
			if err != nil {
				t.Fatal(err)
			}
			if got, want := found.ID, f.ID; got != want {
				t.Fatalf("id=%d, want %d", got, want)
			}
			st, err := g.FamilyStatus(ctx, f.ID)
			if err != nil {
				t.Fatal(err)
			}
			if got, want := st, (vigie.FamilyStatus{Photos: 2}); got != want {
				t.Fatalf("status=%+v, want %+v", got, want)
			}
		})
		t.Run("ErrExpiredLink", func(t *testing.T) {
			late := &vigie.Family{Email: "late@family.example", Lang: "en", TokenHash: tokenHash("tok-late"), TokenExpiresAt: time.Now().Add(-time.Minute)}
			if err := g.RegisterFamily(ctx, late, []vigie.FamilyPhoto{{PDQ: famPDQ1}}); err != nil {
				t.Fatal(err)
			}
			_, _, err := g.FindPendingFamily(ctx, tokenHash("tok-late"))
			if got, want := vigie.ErrorCode(err), vigie.ENOTFOUND; got != want {
				t.Fatalf("code=%q, want %q", got, want)
			}
		})
		t.Run("ErrBadHash", func(t *testing.T) {
			err := g.RegisterFamily(ctx, &vigie.Family{Email: "x@y.example", TokenHash: tokenHash("tok-bad")}, []vigie.FamilyPhoto{{PDQ: "zz"}})
			if got, want := vigie.ErrorCode(err), vigie.EINVALID; got != want {
				t.Fatalf("code=%q, want %q", got, want)
			}
		})
		t.Run("PurgeUnverified", func(t *testing.T) {
			n, err := g.PurgeUnverifiedFamilies(ctx, time.Now().Add(time.Minute))
			if err != nil {
				t.Fatal(err)
			}
			if got, want := n, 1; got != want {
				t.Fatalf("purged=%d, want %d (the late one only)", got, want)
			}
		})
	})
}

func TestGuardianService_Withdraw(t *testing.T) {
	each(t, func(t *testing.T, db *sqldb.DB) {
		g := sqldb.NewGuardianService(db, &jobLog{})
		ctx := ctxAs("guardian@web")
		a := mustRegister(t, g, "tok-a", vigie.FamilyPhoto{PDQ: famPDQ1, MD5: famMD51}, vigie.FamilyPhoto{PDQ: famPDQ2})
		mustActivate(t, g, "tok-a", "FA-A")
		b := mustRegister(t, g, "tok-b", vigie.FamilyPhoto{PDQ: famPDQ2}) // the same photo, by another parent
		mustActivate(t, g, "tok-b", "FA-B")
		seq, _ := sqldb.NewBankService(db).MaxEntrySeq(ctx)
		if err := g.WithdrawFamily(ctx, a.ID); err != nil {
			t.Fatal(err)
		}

		t.Run("HashesErasedForGood", func(t *testing.T) {
			var deleted, active []string
			for _, e := range familyEntries(t, db) {
				if e.Status == vigie.EntryDeleted {
					deleted = append(deleted, e.Value)
					if e.Seq <= seq || len(e.Metadata) != 0 {
						t.Fatalf("tombstone %+v: want a new seq and no metadata", e)
					}
				} else {
					active = append(active, e.Value)
				}
			}
			if got, want := len(deleted), 2; got != want {
				t.Fatalf("deleted=%d, want %d", got, want)
			}
			for _, v := range deleted {
				if v == famPDQ1 || v == famMD51 {
					t.Fatalf("a withdrawn hash is still stored: %s", v)
				}
			}
			if got, want := strings.Join(active, ","), famPDQ2; got != want {
				t.Fatalf("active=%s, want %s: the photo the other family registered stays", got, want)
			}
		})
		t.Run("EmailAndPINErased", func(t *testing.T) {
			f, err := g.FindFamily(ctx, a.ID)
			if err != nil {
				t.Fatal(err)
			}
			if !f.Withdrawn() || f.Email != "" || f.PINHash != "" {
				t.Fatalf("family after withdrawal %+v", f)
			}
			if _, err := g.FindFamilyByCase(ctx, "FA-A"); vigie.ErrorCode(err) != vigie.ENOTFOUND {
				t.Fatalf("find withdrawn: %v", err)
			}
		})
		t.Run("AuditHoldsNoHash", func(t *testing.T) {
			es, err := sqldb.NewAuditService(db).FindAuditEntries(ctx, vigie.AuditFilter{Limit: 1000})
			if err != nil {
				t.Fatal(err)
			}
			for _, e := range es {
				for _, secret := range []string{famPDQ1, famPDQ2, famMD51, "@family.example"} {
					if strings.Contains(e.Details, secret) {
						t.Fatalf("audit %s holds personal data: %s", e.Action, e.Details)
					}
				}
			}
		})
		t.Run("ErrTwice", func(t *testing.T) {
			if got, want := vigie.ErrorCode(g.WithdrawFamily(ctx, a.ID)), vigie.ENOTFOUND; got != want {
				t.Fatalf("code=%q, want %q", got, want)
			}
		})
		t.Run("LastFamilyErasesShared", func(t *testing.T) {
			if err := g.WithdrawFamily(ctx, b.ID); err != nil {
				t.Fatal(err)
			}
			for _, e := range familyEntries(t, db) {
				if e.Status != vigie.EntryDeleted {
					t.Fatalf("entry %d still %s", e.ID, e.Status)
				}
			}
		})
	})
}

func TestGuardianService_ConfirmMatch(t *testing.T) {
	each(t, func(t *testing.T, db *sqldb.DB) {
		jobs := &jobLog{}
		g := sqldb.NewGuardianService(db, jobs)
		reports := sqldb.NewReportService(db, &jobLog{})
		ctx := ctxAs("test")
		ana := mustCreateUser(t, db, "ana", vigie.RoleAnalyst)
		f := mustRegister(t, g, "tok-c", vigie.FamilyPhoto{PDQ: famPDQ1})
		mustActivate(t, g, "tok-c", "FA-C")
		entry := familyEntries(t, db)[0]
		r := newReport("VG-FAM1", "http://forum.example/t/1")
		if err := reports.CreateReport(ctx, r); err != nil {
			t.Fatal(err)
		}
		it := &vigie.Item{CaseID: r.URLs[0].CaseID, URL: "http://forum.example/i.jpg", SHA256: strings.Repeat("e", 64)}
		if err := reports.CreateItem(ctx, it); err != nil {
			t.Fatal(err)
		}

		t.Run("ErrNotAFamilyItem", func(t *testing.T) {
			_, err := g.ConfirmFamilyMatch(ctx, it.ID, ana.ID)
			if got, want := vigie.ErrorCode(err), vigie.EINVALID; got != want {
				t.Fatalf("code=%q, want %q", got, want)
			}
		})
		it.State, it.Family, it.Priority = vigie.ItemAwaiting, true, vigie.PriorityFamily
		it.Matches = fmt.Sprintf(`[{"bank":"families","kind":"family","entry":%d,"signal":"pdq","distance":4}]`, entry.ID)
		if err := reports.UpdateItem(ctx, it); err != nil {
			t.Fatal(err)
		}
		t.Run("OK", func(t *testing.T) {
			n, err := g.ConfirmFamilyMatch(ctx, it.ID, ana.ID)
			if err != nil {
				t.Fatal(err)
			}
			if got, want := n, 1; got != want {
				t.Fatalf("families=%d, want %d", got, want)
			}
			if got, want := fmt.Sprint(jobs.jobs), fmt.Sprint([]vigie.Job{vigie.NotifyFamilyJob{FamilyID: f.ID, ItemID: it.ID}}); got != want {
				t.Fatalf("jobs=%s, want %s", got, want)
			}
			st, _ := g.FamilyStatus(ctx, f.ID)
			if got, want := st.Found, 1; got != want {
				t.Fatalf("found=%d, want %d", got, want)
			}
		})
		t.Run("SecondConfirmationNotifiesNoOneAgain", func(t *testing.T) {
			if n, err := g.ConfirmFamilyMatch(ctx, it.ID, ana.ID); err != nil || n != 0 {
				t.Fatalf("n=%d err=%v, want 0", n, err)
			}
		})
		t.Run("MarkNotifiedOnce", func(t *testing.T) {
			for i, want := range []bool{true, false} {
				got, err := g.MarkFamilyNotified(ctx, f.ID, it.ID)
				if err != nil || got != want {
					t.Fatalf("call %d: %v, %v; want %v", i+1, got, err, want)
				}
			}
		})
		t.Run("WithdrawnFamilyIsNotTold", func(t *testing.T) {
			if err := g.WithdrawFamily(ctx, f.ID); err != nil {
				t.Fatal(err)
			}
			if _, err := db.WriteDB().Exec(`DELETE FROM family_matches`); err != nil {
				t.Fatal(err)
			}
			if n, err := g.ConfirmFamilyMatch(ctx, it.ID, ana.ID); err != nil || n != 0 {
				t.Fatalf("n=%d err=%v, want 0", n, err)
			}
		})
	})
}
