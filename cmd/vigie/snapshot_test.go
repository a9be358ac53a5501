package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	vigie "github.com/vigie-hotline/vigie"
	"github.com/vigie-hotline/vigie/internal/dbtest"
	"github.com/vigie-hotline/vigie/sqldb"
)

// serveLogged starts `vigie serve` like MustRunServe and returns its log.
func serveLogged(t *testing.T, args []string) (*Main, *syncBuffer) {
	t.Helper()
	var out, errb syncBuffer
	m := NewMain()
	m.Stdout, m.Stderr = &out, &errb
	if err := m.ParseFlags(context.Background(), append(append([]string{}, args...), "serve", "--addr", "127.0.0.1:0")); err != nil {
		t.Fatal(err)
	}
	if err := m.Run(context.Background()); err != nil {
		m.Close()
		t.Fatalf("serve: %v\n%s", err, errb.String())
	}
	t.Cleanup(func() { m.Close() })
	return m, &errb
}

// TestServe_IndexSnapshot stops the server gracefully, changes the banks
// while it is down, and starts it again: it loads the snapshot it wrote at
// the stop, and every change made meanwhile shows.
func TestServe_IndexSnapshot(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, dsn string) {
		args := dbArgs(t, dsn)
		data := args[1]
		ctx := vigie.NewContextWithActor(context.Background(), "test")
		banks := sqldb.NewBankService(dbtest.MustOpenDB(t, dsn))
		known := &vigie.Bank{Name: "known", Kind: vigie.BankKnown, Threshold: 31, Enabled: true}
		if err := banks.CreateBank(ctx, known); err != nil {
			t.Fatal(err)
		}
		const a, b = "f8f8f0cee0f4a84f06370a22038f63f0b36e2ed596621e1d33e6b39c4e9c9b22", "30a10efd71cc3d429013d48d0ffffc52e34e0e17ada952a9d29685211ea9e5af"
		ea := &vigie.BankEntry{Signal: vigie.SignalPDQ, Value: a}
		if _, _, err := banks.AddEntries(ctx, known.ID, []*vigie.BankEntry{ea}); err != nil {
			t.Fatal(err)
		}

		m, log := serveLogged(t, args)
		if strings.Contains(log.String(), "loaded from snapshot") {
			t.Fatal("first start loaded a snapshot")
		}
		m.Close()
		st, err := os.Stat(filepath.Join(data, "index.snapshot"))
		if err != nil {
			t.Fatalf("no snapshot after a graceful stop: %v\n%s", err, log.String())
		}
		if got, want := st.Mode().Perm(), os.FileMode(0o600); got != want {
			t.Fatalf("snapshot mode %v, want %v", got, want)
		}

		if _, _, err := banks.AddEntries(ctx, known.ID, []*vigie.BankEntry{{Signal: vigie.SignalPDQ, Value: b}}); err != nil {
			t.Fatal(err)
		}
		if _, err := banks.SetEntryStatus(ctx, ea.ID, vigie.EntryDisabled); err != nil {
			t.Fatal(err)
		}
		m, log = serveLogged(t, args)
		if !strings.Contains(log.String(), "loaded from snapshot") {
			t.Fatalf("second start did not load the snapshot:\n%s", log.String())
		}
		for _, tc := range []struct {
			hash string
			want int
		}{{a, 0}, {b, 1}} {
			ms, err := m.Server.Matcher.Match(ctx, []vigie.Signal{{Type: vigie.SignalPDQ, Value: tc.hash}}, vigie.MatchOptions{})
			if err != nil {
				t.Fatal(err)
			}
			if len(ms) != tc.want {
				t.Fatalf("%s: %d matches, want %d", tc.hash[:8], len(ms), tc.want)
			}
		}
	})
}
