package sqldb_test

import (
	"crypto/sha256"
	"encoding/hex"
	"strconv"
	"testing"

	vigie "github.com/vigie-hotline/vigie"
	"github.com/vigie-hotline/vigie/sqldb"
)

// TestAddEntriesAcrossStatements adds more entries than one INSERT carries
// on either engine, with values repeated within the call and values already
// in the bank, and checks that each stored row carries the id and sequence
// number AddEntries reported for it, in input order.
func TestAddEntriesAcrossStatements(t *testing.T) {
	each(t, func(t *testing.T, db *sqldb.DB) {
		s := sqldb.NewBankService(db)
		ctx := ctxAs("cli:test")
		b := &vigie.Bank{Name: "big", Kind: vigie.BankKnown, Threshold: 31, Enabled: true}
		if err := s.CreateBank(ctx, b); err != nil {
			t.Fatal(err)
		}
		if _, _, err := s.AddEntries(ctx, b.ID, []*vigie.BankEntry{{Signal: vigie.SignalMD5, Value: md5Hex(5)}}); err != nil {
			t.Fatal(err)
		}
		before, err := s.MaxEntrySeq(ctx)
		if err != nil {
			t.Fatal(err)
		}
		var entries []*vigie.BankEntry
		for i := range 1300 {
			v := i
			if i%10 == 9 {
				v = i - 7 // a repeat within the call, sometimes in the previous statement
			}
			entries = append(entries, &vigie.BankEntry{Signal: vigie.SignalMD5, Value: md5Hex(v), Metadata: map[string]any{"n": i}})
		}
		added, dups, err := s.AddEntries(ctx, b.ID, entries)
		if err != nil {
			t.Fatal(err)
		}
		if got, want := added, 1300-130-1; got != want {
			t.Fatalf("added=%d, want %d (dups %d)", got, want, dups)
		}
		var inserted []*vigie.BankEntry
		for i, e := range entries {
			first := i%10 != 9 && i != 5
			if got := e.ID != 0; got != first {
				t.Fatalf("entry %d (%s): ID=%d, want set=%v", i, e.Value, e.ID, first)
			}
			if first {
				inserted = append(inserted, e)
			}
		}
		stored, err := s.FindEntries(ctx, vigie.EntryFilter{AfterSeq: before, Limit: 5000})
		if err != nil {
			t.Fatal(err)
		}
		if len(stored) != len(inserted) {
			t.Fatalf("%d entries after seq %d, want %d", len(stored), before, len(inserted))
		}
		for i, got := range stored {
			want := inserted[i]
			if got.ID != want.ID || got.Seq != want.Seq || got.Value != want.Value || got.Metadata["n"] != float64(want.Metadata["n"].(int)) {
				t.Fatalf("stored #%d = id %d seq %d %s %v, want id %d seq %d %s %v",
					i, got.ID, got.Seq, got.Value, got.Metadata, want.ID, want.Seq, want.Value, want.Metadata)
			}
		}
	})
}

func md5Hex(i int) string {
	sum := sha256.Sum256([]byte(strconv.Itoa(i)))
	return hex.EncodeToString(sum[:16])
}
