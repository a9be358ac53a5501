package hashlist_test

import (
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/vigie-hotline/vigie"
	"github.com/vigie-hotline/vigie/hashlist"
)

// Test hashes: PDQ hashes of the shared test images
// (../shared/testdata/pdq/expected/pdq-reference.tsv) and random hex.
const (
	pdqA    = "1049d96239e24d4dca2c55512b8bdb77425f4dbcf575a0a95555aaab5554aaaa"
	pdqB    = "2da9259bb1a1bd1a5362576552da32a5e63b7380c2774b4866b346c91b89ce77"
	md5A    = "91bffeecf3b9409b2eb7d8434c649fd5"
	sha1A   = "b6e34b05d7504e3e32ac10689e35345956bf9b40"
	sha256A = "373504f65987ca71ed5084ba1e3313540cb0fc41003f0e244a50610d6bc2e5d3"
)

// readAll reads every entry and bad line of input in format f.
func readAll(tb testing.TB, f hashlist.Format, input string) ([]*vigie.BankEntry, []*hashlist.LineError, hashlist.Summary) {
	tb.Helper()
	r, err := hashlist.NewReader(strings.NewReader(input), f)
	if err != nil {
		tb.Fatal(err)
	}
	var entries []*vigie.BankEntry
	var bad []*hashlist.LineError
	for {
		e, err := r.Next()
		var le *hashlist.LineError
		switch {
		case err == io.EOF:
			return entries, bad, r.Summary()
		case errors.As(err, &le):
			bad = append(bad, le)
		case err != nil:
			tb.Fatalf("Next: %v", err)
		default:
			entries = append(entries, e)
		}
	}
}

// writeAll writes entries in format f and returns the file.
func writeAll(tb testing.TB, f hashlist.Format, bank *vigie.Bank, entries []*vigie.BankEntry) string {
	tb.Helper()
	var buf bytes.Buffer
	w, err := hashlist.NewWriter(&buf, f)
	if err != nil {
		tb.Fatal(err)
	}
	w.Bank = bank
	for _, e := range entries {
		if err := w.Write(e); err != nil {
			tb.Fatalf("Write(%s %s): %v", e.Signal, e.Value, err)
		}
	}
	if err := w.Flush(); err != nil {
		tb.Fatal(err)
	}
	return buf.String()
}

// fourEntries has one entry of each signal type.
func fourEntries() []*vigie.BankEntry {
	return []*vigie.BankEntry{
		{Signal: vigie.SignalPDQ, Value: pdqA, Status: vigie.EntryActive},
		{Signal: vigie.SignalMD5, Value: md5A, Status: vigie.EntryActive},
		{Signal: vigie.SignalSHA1, Value: sha1A, Status: vigie.EntryActive},
		{Signal: vigie.SignalSHA256, Value: sha256A, Status: vigie.EntryActive},
	}
}

// wantBad is a bad line a test expects.
type wantBad struct {
	line int
	err  error
}

// checkBad compares the bad lines reported with those expected.
func checkBad(tb testing.TB, got []*hashlist.LineError, want []wantBad) {
	tb.Helper()
	if len(got) != len(want) {
		tb.Fatalf("bad lines=%v, want %d of them", got, len(want))
	}
	for i, w := range want {
		if got[i].Line != w.line || !errors.Is(got[i], w.err) {
			tb.Errorf("bad[%d]=line %d %v (%v), want line %d %v", i, got[i].Line, got[i].Err, got[i], w.line, w.err)
		}
		if got[i].Reason == "" {
			tb.Errorf("bad[%d] has no reason", i)
		}
	}
}

// checkSignals compares the signal types and values of entries.
func checkSignals(tb testing.TB, got []*vigie.BankEntry, want ...string) {
	tb.Helper()
	var g []string
	for _, e := range got {
		g = append(g, string(e.Signal)+" "+e.Value)
	}
	if strings.Join(g, "\n") != strings.Join(want, "\n") {
		tb.Fatalf("entries=\n%s\nwant\n%s", strings.Join(g, "\n"), strings.Join(want, "\n"))
	}
}
