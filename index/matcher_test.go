package index_test

import (
	"context"
	"encoding/hex"
	"fmt"
	"math/rand/v2"
	"strings"
	"sync"
	"testing"
	"time"

	vigie "github.com/vigie-hotline/vigie"
	"github.com/vigie-hotline/vigie/index"
	"github.com/vigie-hotline/vigie/internal/dbtest"
	"github.com/vigie-hotline/vigie/sqldb"
)

// flip returns the PDQ hex h with the first n bits inverted.
func flip(h string, n int) string {
	b, _ := index.ParseHash(h)
	for i := range n {
		b[i/8] ^= 1 << (i % 8)
	}
	return fmt.Sprintf("%x", b[:])
}

const (
	hashA = "f8f8f0cee0f4a84f06370a22038f63f0b36e2ed596621e1d33e6b39c4e9c9b22"
	hashB = "30a10efd71cc3d429013d48d0ffffc52e34e0e17ada952a9d29685211ea9e5af"
	md5X  = "d41d8cd98f00b204e9800998ecf8427e"
)

type fixture struct {
	banks                 *sqldb.BankService
	known, strict, benign *vigie.Bank
	family                *vigie.Bank
	m                     *index.Matcher
	ctx                   context.Context
}

func setup(t *testing.T, dsn string) *fixture {
	t.Helper()
	db := dbtest.MustOpenDB(t, dsn)
	f := &fixture{banks: sqldb.NewBankService(db), ctx: vigie.NewContextWithActor(context.Background(), "test")}
	f.known = f.bank(t, "known", vigie.BankKnown, 31)
	f.strict = f.bank(t, "strict", vigie.BankKnown, 10)
	f.benign = f.bank(t, "benign", vigie.BankBenign, 31)
	f.family = f.bank(t, "family", vigie.BankFamily, 31)
	f.add(t, f.known, vigie.SignalPDQ, hashA)
	f.add(t, f.known, vigie.SignalMD5, md5X)
	f.add(t, f.strict, vigie.SignalPDQ, hashA)
	f.add(t, f.family, vigie.SignalPDQ, hashB)
	f.m = index.NewMatcher(f.banks)
	if err := f.m.Load(f.ctx); err != nil {
		t.Fatal(err)
	}
	return f
}

func (f *fixture) bank(t *testing.T, name string, kind vigie.BankKind, threshold int) *vigie.Bank {
	b := &vigie.Bank{Name: name, Kind: kind, Threshold: threshold, Enabled: true}
	if err := f.banks.CreateBank(f.ctx, b); err != nil {
		t.Fatal(err)
	}
	return b
}

func (f *fixture) add(t *testing.T, b *vigie.Bank, sig vigie.SignalType, v string) *vigie.BankEntry {
	e := &vigie.BankEntry{Signal: sig, Value: v, Metadata: map[string]any{"note": "synthetic"}}
	if _, _, err := f.banks.AddEntries(f.ctx, b.ID, []*vigie.BankEntry{e}); err != nil {
		t.Fatal(err)
	}
	return e
}

func (f *fixture) match(t *testing.T, opts vigie.MatchOptions, signals ...vigie.Signal) []string {
	t.Helper()
	ms, err := f.m.Match(f.ctx, signals, opts)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, m := range ms {
		out = append(out, fmt.Sprintf("%s/%s@%d", m.Bank.Name, m.Entry.Signal, m.Distance))
	}
	return out
}

func pdqSig(v string) vigie.Signal { return vigie.Signal{Type: vigie.SignalPDQ, Value: v} }

func TestMatcher(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, dsn string) {
		f := setup(t, dsn)
		for _, tc := range []struct {
			name   string
			opts   vigie.MatchOptions
			signal vigie.Signal
			want   string
		}{
			{"Exact", vigie.MatchOptions{}, pdqSig(hashA), "known/pdq@0 strict/pdq@0"},
			{"PerBankThreshold", vigie.MatchOptions{}, pdqSig(flip(hashA, 20)), "known/pdq@20"},
			{"ThresholdInclusive", vigie.MatchOptions{}, pdqSig(flip(hashA, 31)), "known/pdq@31"},
			{"ErrTooFar", vigie.MatchOptions{}, pdqSig(flip(hashA, 32)), ""},
			{"MD5", vigie.MatchOptions{}, vigie.Signal{Type: vigie.SignalMD5, Value: strings.ToUpper(md5X)}, "known/md5@0"},
			{"BankFilter", vigie.MatchOptions{Banks: []string{"strict"}}, pdqSig(hashA), "strict/pdq@0"},
			{"FamilyForStaff", vigie.MatchOptions{}, pdqSig(hashB), "family/pdq@0"},
			{"FamilyHiddenFromPartners", vigie.MatchOptions{ShareableOnly: true}, pdqSig(hashB), ""},
		} {
			t.Run(tc.name, func(t *testing.T) {
				if got := strings.Join(f.match(t, tc.opts, tc.signal), " "); got != tc.want {
					t.Fatalf("matches = %q, want %q", got, tc.want)
				}
			})
		}
		t.Run("ErrInvalidSignal", func(t *testing.T) {
			_, err := f.m.Match(f.ctx, []vigie.Signal{pdqSig("zz")}, vigie.MatchOptions{})
			if got, want := vigie.ErrorCode(err), vigie.EINVALID; got != want {
				t.Fatalf("code=%q, want %q", got, want)
			}
		})
		t.Run("FollowsChanges", func(t *testing.T) {
			c := flip(hashB, 100)
			added := f.add(t, f.known, vigie.SignalPDQ, c)
			if got := f.match(t, vigie.MatchOptions{}, pdqSig(c)); len(got) != 0 {
				t.Fatalf("found %v before Sync; the test would not show Sync works", got)
			}
			if n, err := f.m.Sync(f.ctx); err != nil || n != 1 {
				t.Fatalf("Sync = %d, %v; want 1 change", n, err)
			}
			if got := f.match(t, vigie.MatchOptions{}, pdqSig(c)); len(got) != 1 {
				t.Fatalf("after Sync matches = %v, want the new entry", got)
			}
			if _, err := f.banks.SetEntryStatus(f.ctx, added.ID, vigie.EntryDisabled); err != nil {
				t.Fatal(err)
			}
			f.m.Sync(f.ctx)
			if got := f.match(t, vigie.MatchOptions{}, pdqSig(c)); len(got) != 0 {
				t.Fatalf("disabled entry still matches: %v", got)
			}
		})
		t.Run("DisabledBank", func(t *testing.T) {
			f.strict.Enabled = false
			if err := f.banks.UpdateBank(f.ctx, f.strict); err != nil {
				t.Fatal(err)
			}
			f.m.Sync(f.ctx)
			if got := strings.Join(f.match(t, vigie.MatchOptions{}, pdqSig(hashA)), " "); got != "known/pdq@0" {
				t.Fatalf("matches = %q, want the enabled bank only", got)
			}
		})
		t.Run("BenignSuppresses", func(t *testing.T) {
			f.add(t, f.benign, vigie.SignalPDQ, flip(hashA, 3))
			f.m.Sync(f.ctx)
			if got := strings.Join(f.match(t, vigie.MatchOptions{}, pdqSig(hashA)), " "); got != "benign/pdq@3" {
				t.Fatalf("matches = %q, want only the benign match", got)
			}
		})
	})
}

// TestMatcher_Run checks that the background loop picks up a change made
// through another connection, as another process would.
func TestMatcher_Run(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, dsn string) {
		f := setup(t, dsn)
		f.m.PollInterval = 20 * time.Millisecond
		ctx, cancel := context.WithCancel(f.ctx)
		defer cancel()
		go f.m.Run(ctx)
		other := sqldb.NewBankService(dbtest.MustOpenDB(t, dsn))
		c := flip(hashA, 128)
		if _, _, err := other.AddEntries(f.ctx, f.known.ID, []*vigie.BankEntry{{Signal: vigie.SignalPDQ, Value: c}}); err != nil {
			t.Fatal(err)
		}
		deadline := time.Now().Add(10 * time.Second)
		for len(f.match(t, vigie.MatchOptions{}, pdqSig(c))) == 0 {
			if time.Now().After(deadline) {
				t.Fatal("the matcher never saw the entry added through another connection")
			}
			time.Sleep(20 * time.Millisecond)
		}
	})
}

// TestMatcher_LoadInRanges loads more entries than one query reads, with
// the range of sequence numbers split between one and then three queries
// run at once, and disabled entries and other signals among them: every
// active entry is found, once (a duplicate would fail the index's bulk
// load), none inactive, and an entry added after the load comes with the
// next Sync.
func TestMatcher_LoadInRanges(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, dsn string) {
		f := setup(t, dsn) // 4 active entries
		rng := rand.New(rand.NewPCG(7, 8))
		var added []*vigie.BankEntry
		for range 7 {
			batch := make([]*vigie.BankEntry, 5000)
			for i := range batch {
				var h [32]byte
				for j := range h {
					h[j] = byte(rng.Uint32())
				}
				batch[i] = &vigie.BankEntry{Signal: vigie.SignalPDQ, Value: hex.EncodeToString(h[:])}
				if len(added)+i == 17000 {
					batch[i] = &vigie.BankEntry{Signal: vigie.SignalSHA1, Value: hex.EncodeToString(h[:20])}
				}
			}
			if _, _, err := f.banks.AddEntries(f.ctx, f.known.ID, batch); err != nil {
				t.Fatal(err)
			}
			added = append(added, batch...)
		}
		disabled := []int{10, 12345, 34999}
		for _, i := range disabled {
			if _, err := f.banks.SetEntryStatus(f.ctx, added[i].ID, vigie.EntryDisabled); err != nil {
				t.Fatal(err)
			}
		}
		later := 0 // entries added after a load
		for _, readers := range []int{1, 3} {
			m := index.NewMatcher(f.banks)
			m.LoadReaders = readers
			if err := m.Load(f.ctx); err != nil {
				t.Fatalf("%d readers: %v", readers, err)
			}
			if got, want := m.Len(), 4+len(added)-len(disabled)+later; got != want {
				t.Fatalf("%d readers: %d entries loaded, want %d", readers, got, want)
			}
			for _, i := range []int{0, 9999, 10000, 17000, 23456, 34998} {
				e := added[i]
				ms, err := m.Match(f.ctx, []vigie.Signal{{Type: e.Signal, Value: e.Value}}, vigie.MatchOptions{Banks: []string{"known"}})
				if err != nil || len(ms) != 1 || ms[0].Entry.ID != e.ID || ms[0].Distance != 0 {
					t.Fatalf("%d readers: entry %d matches %v, %v; want itself", readers, i, ms, err)
				}
			}
			for _, i := range disabled {
				e := added[i]
				if ms, _ := m.Match(f.ctx, []vigie.Signal{pdqSig(e.Value)}, vigie.MatchOptions{Banks: []string{"known"}}); len(ms) != 0 {
					t.Fatalf("%d readers: disabled entry %d matches %v", readers, i, ms)
				}
			}
			e := f.add(t, f.known, vigie.SignalPDQ, flip(added[readers].Value, 128)) // far from every other
			later++
			if n, err := m.Sync(f.ctx); err != nil || n != 1 {
				t.Fatalf("%d readers: Sync applied %d changes, %v; want the one added after the load", readers, n, err)
			}
			if ms, _ := m.Match(f.ctx, []vigie.Signal{pdqSig(e.Value)}, vigie.MatchOptions{Banks: []string{"known"}}); len(ms) != 1 {
				t.Fatalf("%d readers: the entry added after the load matches %v", readers, ms)
			}
		}
	})
}

// TestMatcher_FloodGuard shows the guard quarantining an entry that matches
// more distinct contents than the limit, while the same content asked again
// does not count twice.
func TestMatcher_FloodGuard(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, dsn string) {
		f := setup(t, dsn)
		f.m.FloodLimit = 3
		for i := range 5 { // the same content five times: one distinct content
			if got := f.match(t, vigie.MatchOptions{Banks: []string{"known"}}, pdqSig(hashA)); len(got) != 1 {
				t.Fatalf("repeat %d: matches = %v", i, got)
			}
		}
		for i := 1; i <= 2; i++ {
			if got := f.match(t, vigie.MatchOptions{Banks: []string{"known"}}, pdqSig(flip(hashA, i))); len(got) != 1 {
				t.Fatalf("content %d: matches = %v", i+1, got)
			}
		}
		if got := f.match(t, vigie.MatchOptions{Banks: []string{"known"}}, pdqSig(flip(hashA, 3))); len(got) != 0 {
			t.Fatalf("fourth distinct content still matches: %v", got)
		}
		entries, err := f.banks.FindEntries(f.ctx, vigie.EntryFilter{BankID: f.known.ID, IncludeInactive: true, Signal: vigie.SignalPDQ})
		if err != nil {
			t.Fatal(err)
		}
		if got, want := entries[0].Status, vigie.EntryQuarantined; got != want {
			t.Fatalf("status = %q, want %q", got, want)
		}
		if got := f.match(t, vigie.MatchOptions{Banks: []string{"known"}}, pdqSig(hashA)); len(got) != 0 {
			t.Fatalf("quarantined entry still matches: %v", got)
		}
	})
}

// TestMatcher_BankChanges checks that lookups see a bank disabled or enabled
// again from the next Sync on, whether they name banks or not, for staff
// and for partners, and that partners never see a family bank.
func TestMatcher_BankChanges(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, dsn string) {
		f := setup(t, dsn)
		partners := vigie.MatchOptions{ShareableOnly: true}
		named := vigie.MatchOptions{ShareableOnly: true, Banks: []string{"known", "strict", "family"}}
		check := func(t *testing.T, want string) {
			t.Helper()
			for _, opts := range []vigie.MatchOptions{{}, partners, named} {
				if got := strings.Join(f.match(t, opts, pdqSig(hashA)), " "); got != want {
					t.Fatalf("options %+v: matches = %q, want %q", opts, got, want)
				}
			}
		}
		setEnabled := func(t *testing.T, b *vigie.Bank, on bool) {
			b.Enabled = on
			if err := f.banks.UpdateBank(f.ctx, b); err != nil {
				t.Fatal(err)
			}
			if _, err := f.m.Sync(f.ctx); err != nil {
				t.Fatal(err)
			}
		}
		check(t, "known/pdq@0 strict/pdq@0")
		setEnabled(t, f.known, false)
		check(t, "strict/pdq@0")
		setEnabled(t, f.known, true)
		check(t, "known/pdq@0 strict/pdq@0")
		for _, opts := range []vigie.MatchOptions{partners, named, {ShareableOnly: true, Banks: []string{"family"}}} {
			if got := f.match(t, opts, pdqSig(hashB), pdqSig(hashA)); strings.Contains(strings.Join(got, " "), "family") {
				t.Fatalf("options %+v: a partner sees the family bank: %v", opts, got)
			}
		}
		if got := strings.Join(f.match(t, vigie.MatchOptions{Banks: []string{"family"}}, pdqSig(hashB)), " "); got != "family/pdq@0" {
			t.Fatalf("staff lookup in the family bank = %q, want family/pdq@0", got)
		}
	})
}

// TestMatcher_ClosestSignal checks that an entry several signals match is
// returned once, with the smallest distance and the signal at it.
func TestMatcher_ClosestSignal(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, dsn string) {
		f := setup(t, dsn)
		far, near := flip(hashA, 20), flip(hashA, 5)
		ms, err := f.m.Match(f.ctx, []vigie.Signal{pdqSig(far), pdqSig(near), pdqSig(flip(hashA, 7))}, vigie.MatchOptions{Banks: []string{"known"}})
		if err != nil {
			t.Fatal(err)
		}
		if len(ms) != 1 || ms[0].Distance != 5 || ms[0].Query.Value != near {
			t.Fatalf("matches = %+v, want one at distance 5 for %s", ms, near)
		}
	})
}

// TestMatcher_ConcurrentBankChanges runs lookups while Sync replaces the
// banks, for the race detector: lookups share the sets of banks.
func TestMatcher_ConcurrentBankChanges(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, dsn string) {
		f := setup(t, dsn)
		var wg sync.WaitGroup
		done := make(chan struct{})
		for range 4 {
			wg.Go(func() {
				for {
					select {
					case <-done:
						return
					default:
					}
					ms, err := f.m.Match(f.ctx, []vigie.Signal{pdqSig(hashA), pdqSig(hashB)}, vigie.MatchOptions{ShareableOnly: true})
					if err != nil {
						t.Error(err)
						return
					}
					for _, m := range ms {
						if m.Bank.Kind == vigie.BankFamily || !m.Bank.Enabled {
							t.Errorf("partner lookup returned %s/%d", m.Bank.Name, m.Entry.ID)
							return
						}
					}
				}
			})
		}
		for i := range 20 {
			f.strict.Enabled = i%2 == 1
			if err := f.banks.UpdateBank(f.ctx, f.strict); err != nil {
				t.Error(err)
				break
			}
			if _, err := f.m.Sync(f.ctx); err != nil {
				t.Error(err)
				break
			}
		}
		close(done)
		wg.Wait()
	})
}

// TestMatcher_NoEntryCache checks lookups that read every matched entry
// from the database.
func TestMatcher_NoEntryCache(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, dsn string) {
		f := setup(t, dsn)
		f.m.EntryCacheSize = 0
		if got := strings.Join(f.match(t, vigie.MatchOptions{}, pdqSig(hashA)), " "); got != "known/pdq@0 strict/pdq@0" {
			t.Fatalf("matches = %q, want known/pdq@0 strict/pdq@0", got)
		}
	})
}
