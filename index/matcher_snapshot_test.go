package index_test

import (
	"bytes"
	"context"
	"encoding/hex"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	vigie "github.com/vigie-hotline/vigie"
	"github.com/vigie-hotline/vigie/index"
	"github.com/vigie-hotline/vigie/internal/dbtest"
	"github.com/vigie-hotline/vigie/sqldb"
)

// restart returns a new Matcher over the database at dsn, loaded with the
// snapshot at path if it is usable, and what it logged.
func restart(t *testing.T, dsn, path string) (*index.Matcher, string) {
	t.Helper()
	db := dbtest.MustOpenDB(t, dsn)
	m := index.NewMatcher(sqldb.NewBankService(db))
	var log bytes.Buffer
	m.Logger = slog.New(slog.NewTextHandler(&log, nil))
	m.SnapshotPath, m.Lineage = path, sqldb.NewAuditService(db)
	if err := m.Load(context.Background()); err != nil {
		t.Fatal(err)
	}
	return m, log.String()
}

// snapshotFixture is setup with a snapshot written by the first Matcher.
func snapshotFixture(t *testing.T, dsn string) (*fixture, string) {
	t.Helper()
	f := setup(t, dsn)
	path := filepath.Join(t.TempDir(), "index.snapshot")
	m, log := restart(t, dsn, path)
	if strings.Contains(log, "from snapshot") {
		t.Fatalf("loaded a snapshot before any was written:\n%s", log)
	}
	if err := m.WriteSnapshot(f.ctx); err != nil {
		t.Fatal(err)
	}
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := st.Mode().Perm(), os.FileMode(0o600); got != want {
		t.Fatalf("snapshot mode %v, want %v", got, want)
	}
	return f, path
}

func (f *fixture) matchWith(t *testing.T, m *index.Matcher, signals ...vigie.Signal) string {
	t.Helper()
	ms, err := m.Match(f.ctx, signals, vigie.MatchOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, mt := range ms {
		out = append(out, mt.Bank.Name+"/"+string(mt.Entry.Signal))
	}
	return strings.Join(out, " ")
}

func loadedFromSnapshot(t *testing.T, log string, want bool) {
	t.Helper()
	if got := strings.Contains(log, "loaded from snapshot"); got != want {
		t.Fatalf("loaded from snapshot: %v, want %v; log:\n%s", got, want, log)
	}
}

// TestMatcherSnapshot_ChangesWhileDown starts from a snapshot after adds,
// disables and deletions were made in the database while no Matcher ran:
// every one of them shows.
func TestMatcherSnapshot_ChangesWhileDown(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, dsn string) {
		f, path := snapshotFixture(t, dsn)
		if err := os.WriteFile(path+".tmp-123", []byte("cut short"), 0o600); err != nil {
			t.Fatal(err)
		}
		m, log := restart(t, dsn, path)
		loadedFromSnapshot(t, log, true)
		if _, err := os.Stat(path + ".tmp-123"); err == nil {
			t.Fatal("the temporary file of an unfinished write is still there")
		}
		md5 := vigie.Signal{Type: vigie.SignalMD5, Value: md5X}
		if got, want := f.matchWith(t, m, pdqSig(hashA), md5, pdqSig(hashB)), "known/pdq known/md5 strict/pdq family/pdq"; got != want {
			t.Fatalf("round trip: matches %q, want %q", got, want)
		}
		c := flip(hashB, 100)
		f.add(t, f.known, vigie.SignalPDQ, c)
		f.add(t, f.strict, vigie.SignalSHA1, "da39a3ee5e6b4b0d3255bfef95601890afd80709")
		f.setStatus(t, f.strict, vigie.SignalPDQ, vigie.EntryDisabled)
		f.setStatus(t, f.known, vigie.SignalMD5, vigie.EntryDeleted)
		m, log = restart(t, dsn, path)
		loadedFromSnapshot(t, log, true)
		sha1 := vigie.Signal{Type: vigie.SignalSHA1, Value: "da39a3ee5e6b4b0d3255bfef95601890afd80709"}
		if got, want := f.matchWith(t, m, pdqSig(hashA), md5, pdqSig(c), sha1), "known/pdq known/pdq strict/sha1"; got != want {
			t.Fatalf("after changes: matches %q, want %q", got, want)
		}
	})
}

func (f *fixture) setStatus(t *testing.T, b *vigie.Bank, sig vigie.SignalType, st vigie.EntryStatus) {
	t.Helper()
	es, err := f.banks.FindEntries(f.ctx, vigie.EntryFilter{BankID: b.ID, Signal: sig})
	if err != nil || len(es) == 0 {
		t.Fatalf("no %s entry in %s: %v", sig, b.Name, err)
	}
	if _, err := f.banks.SetEntryStatus(f.ctx, es[0].ID, st); err != nil {
		t.Fatal(err)
	}
}

// TestMatcherSnapshot_Ignored checks that a damaged, truncated or foreign
// snapshot is not used, and the database is read instead.
func TestMatcherSnapshot_Ignored(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, dsn string) {
		f, path := snapshotFixture(t, dsn)
		good, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		// The stored hashA: every byte of the file that holds it.
		raw, _ := hex.DecodeString(hashA)
		at := bytes.Index(good, raw)
		if at < 0 {
			t.Fatal("hashA is not in the snapshot")
		}
		flipped := bytes.Clone(good)
		flipped[at] ^= 0xff
		for name, content := range map[string][]byte{
			"Truncated": good[:len(good)-9],
			"Damaged":   flipped,
			"Garbage":   []byte("not a snapshot"),
			"Empty":     nil,
		} {
			t.Run(name, func(t *testing.T) {
				if err := os.WriteFile(path, content, 0o600); err != nil {
					t.Fatal(err)
				}
				m, log := restart(t, dsn, path)
				loadedFromSnapshot(t, log, false)
				if !strings.Contains(log, "snapshot ignored") {
					t.Fatalf("no warning:\n%s", log)
				}
				if got, want := f.matchWith(t, m, pdqSig(hashA)), "known/pdq strict/pdq"; got != want {
					t.Fatalf("matches %q, want %q", got, want)
				}
			})
		}
		t.Run("OtherDatabase", func(t *testing.T) {
			if err := os.WriteFile(path, good, 0o600); err != nil {
				t.Fatal(err)
			}
			other := dbtest.Backends()[0].DSN(t)
			if strings.HasPrefix(dsn, "postgres") {
				other = dbtest.PostgresDSN(t)
			}
			g := setup(t, other)
			g.add(t, g.known, vigie.SignalPDQ, flip(hashA, 200))
			m, log := restart(t, other, path)
			loadedFromSnapshot(t, log, false)
			if got, want := f.matchWith(t, m, pdqSig(hashA)), "known/pdq strict/pdq"; got != want {
				t.Fatalf("matches %q, want %q", got, want)
			}
		})
	})
}

// TestMatcherSnapshot_RestoredDatabase starts a database restored from a
// backup older than the snapshot, which then took new changes past the
// snapshot's sequence number: the snapshot holds entries the database no
// longer has, so it must not be used.
func TestMatcherSnapshot_RestoredDatabase(t *testing.T) {
	dir := t.TempDir()
	dsn := filepath.Join(dir, "vigie.db")
	ctx := vigie.NewContextWithActor(context.Background(), "test")
	db := sqldb.NewDB(dsn)
	if err := db.Open(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	banks := sqldb.NewBankService(db)
	b := &vigie.Bank{Name: "known", Kind: vigie.BankKnown, Threshold: 31, Enabled: true}
	if err := banks.CreateBank(ctx, b); err != nil {
		t.Fatal(err)
	}
	db.Close()
	backup, err := os.ReadFile(dsn)
	if err != nil {
		t.Fatal(err)
	}
	f := &fixture{banks: sqldb.NewBankService(dbtest.MustOpenDB(t, dsn)), ctx: ctx, known: b}
	f.add(t, b, vigie.SignalPDQ, hashA)
	path := filepath.Join(dir, "index.snapshot")
	m, _ := restart(t, dsn, path)
	if err := m.WriteSnapshot(ctx); err != nil {
		t.Fatal(err)
	}

	restored := filepath.Join(t.TempDir(), "vigie.db")
	if err := os.WriteFile(restored, backup, 0o600); err != nil {
		t.Fatal(err)
	}
	g := &fixture{banks: sqldb.NewBankService(dbtest.MustOpenDB(t, restored)), ctx: ctx, known: b}
	for i := range 3 { // the sequence passes the snapshot's
		g.add(t, b, vigie.SignalPDQ, flip(hashB, i+1))
	}
	m, log := restart(t, restored, path)
	loadedFromSnapshot(t, log, false)
	if got := g.matchWith(t, m, pdqSig(hashA)); got != "" {
		t.Fatalf("the restored database has no hashA, yet it matches: %q", got)
	}
}

// TestMatcherSnapshot_FamilyWithdrawal checks that family entries are
// never written to a snapshot, and that a withdrawal made while no Matcher
// ran is not undone by a start from a snapshot.
func TestMatcherSnapshot_FamilyWithdrawal(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, dsn string) {
		f, path := snapshotFixture(t, dsn)
		content, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		raw, _ := hex.DecodeString(hashB)
		if bytes.Contains(content, raw) {
			t.Fatal("the snapshot holds a family bank's hash")
		}
		f.setStatus(t, f.family, vigie.SignalPDQ, vigie.EntryDeleted)
		m, log := restart(t, dsn, path)
		loadedFromSnapshot(t, log, true)
		if got := f.matchWith(t, m, pdqSig(hashB)); got != "" {
			t.Fatalf("withdrawn family entry matches after a restart: %q", got)
		}
		// And a family entry added while down is found.
		c := flip(hashB, 50)
		f.add(t, f.family, vigie.SignalPDQ, c)
		m, log = restart(t, dsn, path)
		loadedFromSnapshot(t, log, true)
		if got, want := f.matchWith(t, m, pdqSig(c)), "family/pdq"; got != want {
			t.Fatalf("matches %q, want %q", got, want)
		}
	})
}
