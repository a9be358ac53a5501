package sqldb_test

import (
	"strings"
	"testing"

	vigie "github.com/vigie-hotline/vigie"
	"github.com/vigie-hotline/vigie/sqldb"
)

const pdqA = "f8f8f0cee0f4a84f06370a22038f63f0b36e2ed596621e1d33e6b39c4e9c9b22"

func TestBankService(t *testing.T) {
	each(t, func(t *testing.T, db *sqldb.DB) {
		s := sqldb.NewBankService(db)
		ctx := ctxAs("cli:test")
		known := &vigie.Bank{Name: "ncmec", Kind: vigie.BankKnown, Threshold: 31, Enabled: true, Source: "NCMEC"}
		family := &vigie.Bank{Name: "families", Kind: vigie.BankFamily, Threshold: 31, Enabled: true}
		for _, b := range []*vigie.Bank{known, family} {
			if err := s.CreateBank(ctx, b); err != nil {
				t.Fatal(err)
			}
		}
		t.Run("ErrConflict", func(t *testing.T) {
			err := s.CreateBank(ctx, &vigie.Bank{Name: "ncmec", Kind: vigie.BankKnown, Threshold: 31})
			if got, want := vigie.ErrorCode(err), vigie.ECONFLICT; got != want {
				t.Fatalf("code=%q, want %q", got, want)
			}
		})
		t.Run("ErrInvalidThreshold", func(t *testing.T) {
			err := s.CreateBank(ctx, &vigie.Bank{Name: "x", Kind: vigie.BankKnown, Threshold: 300})
			if got, want := vigie.ErrorCode(err), vigie.EINVALID; got != want {
				t.Fatalf("code=%q, want %q", got, want)
			}
		})
		t.Run("ShareableOnly", func(t *testing.T) {
			banks, err := s.FindBanks(ctx, vigie.BankFilter{ShareableOnly: true})
			if err != nil {
				t.Fatal(err)
			}
			if len(banks) != 1 || banks[0].Name != "ncmec" {
				t.Fatalf("shareable banks = %v, want only ncmec", banks)
			}
		})

		entries := []*vigie.BankEntry{
			{Signal: vigie.SignalPDQ, Value: strings.ToUpper(pdqA), Metadata: map[string]any{"category": "A1"}},
			{Signal: vigie.SignalMD5, Value: "d41d8cd98f00b204e9800998ecf8427e"},
			{Signal: vigie.SignalPDQ, Value: pdqA}, // the same as the first once normalised
		}
		t.Run("AddEntries", func(t *testing.T) {
			added, dups, err := s.AddEntries(ctx, known.ID, entries)
			if err != nil {
				t.Fatal(err)
			}
			if added != 2 || dups != 1 {
				t.Fatalf("added=%d duplicates=%d, want 2 and 1", added, dups)
			}
			got, err := s.FindEntries(ctx, vigie.EntryFilter{BankID: known.ID})
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != 2 || got[0].Value != pdqA || got[0].Metadata["category"] != "A1" || got[0].AddedBy != "cli:test" {
				t.Fatalf("entries = %+v", got[0])
			}
			if got[0].Seq >= got[1].Seq {
				t.Fatalf("seqs %d, %d not increasing", got[0].Seq, got[1].Seq)
			}
		})
		t.Run("ErrBadValue", func(t *testing.T) {
			_, _, err := s.AddEntries(ctx, known.ID, []*vigie.BankEntry{{Signal: vigie.SignalPDQ, Value: "abc"}})
			if got, want := vigie.ErrorCode(err), vigie.EINVALID; got != want {
				t.Fatalf("code=%q, want %q", got, want)
			}
		})
		t.Run("StatusChangeIsInFeed", func(t *testing.T) {
			before, _ := s.MaxEntrySeq(ctx)
			first, _ := s.FindEntries(ctx, vigie.EntryFilter{BankID: known.ID, Limit: 1})
			if _, err := s.SetEntryStatus(ctx, first[0].ID, vigie.EntryDeleted); err != nil {
				t.Fatal(err)
			}
			feed, err := s.FindEntries(ctx, vigie.EntryFilter{AfterSeq: before, IncludeInactive: true})
			if err != nil {
				t.Fatal(err)
			}
			if len(feed) != 1 || feed[0].ID != first[0].ID || feed[0].Status != vigie.EntryDeleted {
				t.Fatalf("feed after %d = %+v, want the deletion", before, feed)
			}
			active, _ := s.FindEntries(ctx, vigie.EntryFilter{BankID: known.ID})
			if len(active) != 1 {
				t.Fatalf("active entries = %d, want 1", len(active))
			}
		})
		t.Run("UpToSeq", func(t *testing.T) {
			more := []*vigie.BankEntry{
				{Signal: vigie.SignalSHA1, Value: "da39a3ee5e6b4b0d3255bfef95601890afd80709"},
				{Signal: vigie.SignalPDQ, Value: strings.Repeat("0f", 32)},
			}
			if _, _, err := s.AddEntries(ctx, known.ID, more); err != nil {
				t.Fatal(err)
			}
			all, err := s.FindEntries(ctx, vigie.EntryFilter{IncludeInactive: true})
			if err != nil || len(all) < 4 {
				t.Fatalf("entries = %d, %v; want 4 or more", len(all), err)
			}
			lo, hi := all[0].Seq, all[len(all)-2].Seq
			got, err := s.FindEntries(ctx, vigie.EntryFilter{AfterSeq: lo, UpToSeq: hi, IncludeInactive: true})
			if err != nil {
				t.Fatal(err)
			}
			if want := all[1 : len(all)-1]; len(got) != len(want) || got[0].ID != want[0].ID || got[len(got)-1].Seq != hi {
				t.Fatalf("entries in (%d, %d] = %d ending at seq %d, want %d ending at %d", lo, hi, len(got), got[len(got)-1].Seq, len(want), hi)
			}
		})
		t.Run("ErrNotFound", func(t *testing.T) {
			_, err := s.SetEntryStatus(ctx, 999999, vigie.EntryDisabled)
			if got, want := vigie.ErrorCode(err), vigie.ENOTFOUND; got != want {
				t.Fatalf("code=%q, want %q", got, want)
			}
		})
		t.Run("LargeImport", func(t *testing.T) {
			var many []*vigie.BankEntry
			for i := range 1234 {
				many = append(many, &vigie.BankEntry{Signal: vigie.SignalSHA1, Value: sha1Hex(i)})
			}
			added, _, err := s.AddEntries(ctx, family.ID, many)
			if err != nil {
				t.Fatal(err)
			}
			if added != 1234 || many[1233].ID == 0 {
				t.Fatalf("added=%d, last ID=%d", added, many[1233].ID)
			}
		})
	})
}

func sha1Hex(i int) string {
	const digits = "0123456789abcdef"
	b := []byte(strings.Repeat("0", 40))
	for p := 39; i > 0; p-- {
		b[p] = digits[i%16]
		i /= 16
	}
	return string(b)
}
