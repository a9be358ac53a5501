package sqldb_test

import (
	"context"
	"strconv"
	"testing"
	"time"

	vigie "github.com/vigie-hotline/vigie"
	"github.com/vigie-hotline/vigie/internal/dbtest"
	"github.com/vigie-hotline/vigie/sqldb"
)

// each runs a storage contract test once per database engine.
func each(t *testing.T, fn func(t *testing.T, db *sqldb.DB)) {
	t.Helper()
	dbtest.Run(t, func(t *testing.T, dsn string) { fn(t, dbtest.MustOpenDB(t, dsn)) })
}

func ctxAs(actor string) context.Context {
	return vigie.NewContextWithActor(context.Background(), actor)
}

func mustCreateUser(tb testing.TB, db *sqldb.DB, name string, role vigie.Role) *vigie.User {
	tb.Helper()
	u := &vigie.User{Username: name, Role: role, PasswordHash: "x"}
	if err := sqldb.NewUserService(db).CreateUser(ctxAs("test"), u); err != nil {
		tb.Fatal(err)
	}
	return u
}

func TestMigrate(t *testing.T) {
	each(t, func(t *testing.T, db *sqldb.DB) {
		t.Run("Idempotent", func(t *testing.T) {
			n, err := db.Migrate(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			if got, want := n, 0; got != want {
				t.Fatalf("applied=%d, want %d", got, want)
			}
		})
		t.Run("ErrNewerSchema", func(t *testing.T) {
			_, latest, err := db.SchemaVersion(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			if _, err := db.WriteDB().Exec(`INSERT INTO goose_db_version (version_id, is_applied) VALUES ($1, $2)`, latest+1, true); err != nil {
				t.Fatal(err)
			}
			_, err = db.Migrate(context.Background())
			if got, want := vigie.ErrorCode(err), vigie.ECONFLICT; got != want {
				t.Fatalf("code=%q (%v), want %q", got, err, want)
			}
		})
	})
}

func TestUserService(t *testing.T) {
	each(t, func(t *testing.T, db *sqldb.DB) {
		s := sqldb.NewUserService(db)
		ctx := ctxAs("cli:test")
		alice := mustCreateUser(t, db, "alice", vigie.RoleAnalyst)

		t.Run("FindByUsernameIgnoresCase", func(t *testing.T) {
			u, err := s.FindUserByUsername(ctx, "ALICE")
			if err != nil {
				t.Fatal(err)
			}
			if got, want := u.ID, alice.ID; got != want {
				t.Fatalf("ID=%d, want %d", got, want)
			}
			if got, want := u.Role, vigie.RoleAnalyst; got != want {
				t.Fatalf("Role=%q, want %q", got, want)
			}
		})
		t.Run("ErrConflict", func(t *testing.T) {
			err := s.CreateUser(ctx, &vigie.User{Username: "Alice", Role: vigie.RoleAdmin})
			if got, want := vigie.ErrorCode(err), vigie.ECONFLICT; got != want {
				t.Fatalf("code=%q, want %q", got, want)
			}
		})
		t.Run("ErrInvalid", func(t *testing.T) {
			err := s.CreateUser(ctx, &vigie.User{Username: "bob smith", Role: vigie.RoleAdmin})
			if got, want := vigie.ErrorCode(err), vigie.EINVALID; got != want {
				t.Fatalf("code=%q, want %q", got, want)
			}
		})
		t.Run("ErrNotFound", func(t *testing.T) {
			_, err := s.FindUserByUsername(ctx, "nobody")
			if got, want := vigie.ErrorCode(err), vigie.ENOTFOUND; got != want {
				t.Fatalf("code=%q, want %q", got, want)
			}
		})
		t.Run("UpdateEndsSessions", func(t *testing.T) {
			ss := sqldb.NewSessionService(db)
			sess := &vigie.Session{UserID: alice.ID, TokenHash: []byte("t1"), ExpiresAt: time.Now().Add(time.Hour)}
			if err := ss.CreateSession(ctx, sess); err != nil {
				t.Fatal(err)
			}
			role, pw := vigie.RoleSupervisor, "new-hash"
			u, err := s.UpdateUser(ctx, alice.ID, vigie.UserUpdate{Role: &role, PasswordHash: &pw})
			if err != nil {
				t.Fatal(err)
			}
			if got, want := u.Role, vigie.RoleSupervisor; got != want {
				t.Fatalf("Role=%q, want %q", got, want)
			}
			_, _, err = ss.FindSessionByTokenHash(ctx, []byte("t1"), time.Now())
			if got, want := vigie.ErrorCode(err), vigie.ENOTFOUND; got != want {
				t.Fatalf("session after password change: code=%q, want %q", got, want)
			}
		})
		t.Run("Audited", func(t *testing.T) {
			entries, err := sqldb.NewAuditService(db).FindAuditEntries(ctx, vigie.AuditFilter{Object: "user:" + strconv.FormatInt(alice.ID, 10)})
			if err != nil {
				t.Fatal(err)
			}
			if got, want := len(entries), 2; got != want {
				t.Fatalf("len(entries)=%d, want %d", got, want)
			}
			if got, want := entries[1].Action, "user.update"; got != want {
				t.Fatalf("Action=%q, want %q", got, want)
			}
			if got, want := entries[1].Actor, "cli:test"; got != want {
				t.Fatalf("Actor=%q, want %q", got, want)
			}
		})
		t.Run("Count", func(t *testing.T) {
			n, err := s.CountUsers(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if got, want := n, 1; got != want {
				t.Fatalf("CountUsers=%d, want %d", got, want)
			}
		})
	})
}

func TestSessionService(t *testing.T) {
	each(t, func(t *testing.T, db *sqldb.DB) {
		ss := sqldb.NewSessionService(db)
		ctx := ctxAs("test")
		u := mustCreateUser(t, db, "carol", vigie.RoleAnalyst)
		now := time.Now()
		live := &vigie.Session{UserID: u.ID, TokenHash: []byte("live"), Pending: true, ExpiresAt: now.Add(time.Hour)}
		old := &vigie.Session{UserID: u.ID, TokenHash: []byte("old"), ExpiresAt: now.Add(-time.Minute)}
		for _, s := range []*vigie.Session{live, old} {
			if err := ss.CreateSession(ctx, s); err != nil {
				t.Fatal(err)
			}
		}
		t.Run("OK", func(t *testing.T) {
			s, got, err := ss.FindSessionByTokenHash(ctx, []byte("live"), now)
			if err != nil {
				t.Fatal(err)
			}
			if got.ID != u.ID || !s.Pending {
				t.Fatalf("user=%d pending=%v, want user %d pending", got.ID, s.Pending, u.ID)
			}
			if err := ss.CompleteSession(ctx, s.ID); err != nil {
				t.Fatal(err)
			}
			s, _, _ = ss.FindSessionByTokenHash(ctx, []byte("live"), now)
			if s.Pending {
				t.Fatal("still pending after CompleteSession")
			}
		})
		t.Run("ErrExpired", func(t *testing.T) {
			_, _, err := ss.FindSessionByTokenHash(ctx, []byte("old"), now)
			if got, want := vigie.ErrorCode(err), vigie.ENOTFOUND; got != want {
				t.Fatalf("code=%q, want %q", got, want)
			}
		})
		t.Run("Purge", func(t *testing.T) {
			n, err := ss.PurgeSessions(ctx, now)
			if err != nil {
				t.Fatal(err)
			}
			if got, want := n, 1; got != want {
				t.Fatalf("purged=%d, want %d", got, want)
			}
		})
		t.Run("LogoutEverywhere", func(t *testing.T) {
			n, err := ss.DeleteUserSessions(ctx, u.ID)
			if err != nil {
				t.Fatal(err)
			}
			if got, want := n, 1; got != want {
				t.Fatalf("ended=%d, want %d", got, want)
			}
		})
		t.Run("Throttle", func(t *testing.T) {
			if err := ss.RecordLoginFailure(ctx, now.Add(-time.Hour), "ip:1.2.3.4"); err != nil {
				t.Fatal(err)
			}
			for range 3 {
				if err := ss.RecordLoginFailure(ctx, now, "ip:1.2.3.4", "user:carol"); err != nil {
					t.Fatal(err)
				}
			}
			n, err := ss.CountLoginFailures(ctx, "ip:1.2.3.4", now.Add(-time.Minute))
			if err != nil {
				t.Fatal(err)
			}
			if got, want := n, 3; got != want {
				t.Fatalf("failures=%d, want %d", got, want)
			}
			if err := ss.ClearLoginFailures(ctx, "user:carol"); err != nil {
				t.Fatal(err)
			}
			n, _ = ss.CountLoginFailures(ctx, "user:carol", now.Add(-time.Minute))
			if got, want := n, 0; got != want {
				t.Fatalf("failures after clear=%d, want %d", got, want)
			}
			purged, err := ss.PurgeLoginFailures(ctx, now.Add(-time.Minute))
			if err != nil {
				t.Fatal(err)
			}
			if got, want := purged, 1; got != want {
				t.Fatalf("purged=%d, want %d", got, want)
			}
		})
	})
}

func TestAPIKeyService(t *testing.T) {
	each(t, func(t *testing.T, db *sqldb.DB) {
		ks := sqldb.NewAPIKeyService(db)
		ctx := ctxAs("test")
		p := mustCreateUser(t, db, "platform-x", vigie.RolePartner)
		k := &vigie.APIKey{UserID: p.ID, Name: "upload scanner", Prefix: "vk_abcd", Hash: []byte("h1")}
		if err := ks.CreateAPIKey(ctx, k); err != nil {
			t.Fatal(err)
		}
		t.Run("FindAndTouch", func(t *testing.T) {
			got, owner, err := ks.FindAPIKeyByHash(ctx, []byte("h1"))
			if err != nil {
				t.Fatal(err)
			}
			if got.ID != k.ID || owner.ID != p.ID {
				t.Fatalf("key %d of user %d, want %d of %d", got.ID, owner.ID, k.ID, p.ID)
			}
			if err := ks.TouchAPIKey(ctx, k.ID, 3, time.Now()); err != nil {
				t.Fatal(err)
			}
			keys, err := ks.FindAPIKeys(ctx, p.ID)
			if err != nil {
				t.Fatal(err)
			}
			if got, want := keys[0].Requests, int64(3); got != want {
				t.Fatalf("Requests=%d, want %d", got, want)
			}
			if keys[0].LastUsedAt == nil {
				t.Fatal("LastUsedAt not set")
			}
		})
		t.Run("ErrRevoked", func(t *testing.T) {
			if err := ks.RevokeAPIKey(ctx, k.ID); err != nil {
				t.Fatal(err)
			}
			_, _, err := ks.FindAPIKeyByHash(ctx, []byte("h1"))
			if got, want := vigie.ErrorCode(err), vigie.ENOTFOUND; got != want {
				t.Fatalf("code=%q, want %q", got, want)
			}
			err = ks.RevokeAPIKey(ctx, k.ID)
			if got, want := vigie.ErrorCode(err), vigie.ENOTFOUND; got != want {
				t.Fatalf("second revoke: code=%q, want %q", got, want)
			}
		})
	})
}
