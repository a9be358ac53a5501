package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	vigie "github.com/vigie-hotline/vigie"
	"github.com/vigie-hotline/vigie/internal/dbtest"
	"github.com/vigie-hotline/vigie/sqldb"
)

// TestBankImportLargeFile imports a list spanning several transactions and
// several INSERT statements each, with bad lines and repeated hashes mixed
// in, and reads it back the way an index follower does: by pages of "after
// seq N". Every good line must be there once, in file order, and every bad
// line must be reported with its number.
func TestBankImportLargeFile(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, dsn string) {
		args := dbArgs(t, dsn)
		vigie := func(more ...string) (int, string, string) {
			return run(t, "", append(append([]string{}, args...), more...)...)
		}
		if code, out, errs := vigie("bank", "create", "big"); code != 0 {
			t.Fatalf("exit %d: %s%s", code, out, errs)
		}
		file, want, bad := writeImportList(t, 2600)
		code, out, errs := vigie("bank", "import", "big", file, "--batch", "700")
		if code != 1 {
			t.Fatalf("exit %d, want 1 for bad lines: %s%s", code, out, errs)
		}
		summary := fmt.Sprintf("2600 lines read (te), %d entries added to big, %d already there, %d bad lines",
			len(want), 2600-len(bad)-len(want), len(bad))
		if !strings.Contains(out, summary) {
			t.Fatalf("summary %q, want %q", out, summary)
		}
		for _, n := range bad {
			if got := strings.Count(errs, "list.te:"+strconv.Itoa(n)+": "); got != 1 {
				t.Fatalf("line %d reported %d times in:\n%s", n, got, errs)
			}
		}
		if got := strings.Count(errs, "list.te:"); got != len(bad) {
			t.Fatalf("%d lines reported, want %d", got, len(bad))
		}
		if got := followEntries(t, dsn); !slices.Equal(got, want) {
			t.Fatalf("follower read %d entries, want %d in file order", len(got), len(want))
		}

		t.Run("ReimportAddsNothing", func(t *testing.T) {
			_, out, _ := vigie("bank", "import", "big", file, "--batch", "700")
			if !strings.Contains(out, fmt.Sprintf("0 entries added to big, %d already there", 2600-len(bad))) {
				t.Fatalf("summary %q", out)
			}
			if got := followEntries(t, dsn); !slices.Equal(got, want) {
				t.Fatalf("follower read %d entries after re-import, want %d", len(got), len(want))
			}
		})
	})
}

// writeImportList writes a te list of n lines: PDQ hashes, every 10th
// repeating an earlier line (some across a transaction boundary), every
// 97th line bad. It returns the file, the distinct good values in file
// order and the bad line numbers.
func writeImportList(t *testing.T, n int) (string, []string, []int) {
	t.Helper()
	var sb strings.Builder
	var want []string
	var bad []int
	seen := map[string]bool{}
	for i := 1; i <= n; i++ {
		sum := sha256.Sum256([]byte(strconv.Itoa(i)))
		value := hex.EncodeToString(sum[:])
		switch {
		case i%97 == 0:
			sb.WriteString([]string{"pdq 1234\n", "tmk " + value + "\n", "pdq " + strings.Repeat("z", 64) + "\n"}[i%3])
			bad = append(bad, i)
			continue
		case i%10 == 0:
			sum = sha256.Sum256([]byte(strconv.Itoa(i - 9*(i%7+1))))
			value = hex.EncodeToString(sum[:])
		}
		sb.WriteString("pdq " + value + "\n")
		if !seen[value] {
			seen[value] = true
			want = append(want, value)
		}
	}
	file := filepath.Join(t.TempDir(), "list.te")
	if err := os.WriteFile(file, []byte(sb.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	return file, want, bad
}

// followEntries reads every entry by pages of "after seq N", as the index
// follows the database, checking that sequence numbers increase and ids
// are set, and returns the values in the order read.
func followEntries(t *testing.T, dsn string) []string {
	t.Helper()
	banks := sqldb.NewBankService(dbtest.MustOpenDB(t, dsn))
	var values []string
	var after int64
	for {
		page, err := banks.FindEntries(context.Background(), vigie.EntryFilter{AfterSeq: after, Limit: 250, NoMetadata: true})
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range page {
			if e.Seq <= after || e.ID == 0 {
				t.Fatalf("entry %d has seq %d after %d", e.ID, e.Seq, after)
			}
			after = e.Seq
			values = append(values, e.Value)
		}
		if len(page) < 250 {
			return values
		}
	}
}
