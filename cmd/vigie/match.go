package main

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"

	vigie "github.com/vigie-hotline/vigie"
	"github.com/vigie-hotline/vigie/fingerprint"
	"github.com/vigie-hotline/vigie/index"
)

// MatchCmd is `vigie match`: it looks images or hashes up in the banks.
type MatchCmd struct {
	JSON     bool     `help:"Print one JSON object per query."`
	Bank     []string `help:"Only these banks (repeat the flag for several)." placeholder:"NAME"`
	Dihedral bool     `help:"For images, also match their rotations and mirrors."`
	Queries  []string `arg:"" name:"query" help:"Image files, or hashes: 64 hex digits are PDQ, 32 MD5, 40 SHA-1; write sha256:HEX for SHA-256."`
}

type matchLine struct {
	Query   string      `json:"query"`
	Matches []matchJSON `json:"matches"`
	Error   string      `json:"error,omitempty"`
}

type matchJSON struct {
	Bank     string         `json:"bank"`
	BankKind string         `json:"bank_kind"`
	EntryID  int64          `json:"entry_id"`
	Signal   string         `json:"signal_type"`
	Value    string         `json:"value"`
	Distance int            `json:"distance"`
	Metadata map[string]any `json:"metadata"`
	Source   string         `json:"source"`
}

// Run loads the banks into memory and prints every match of each query.
// A query that cannot be read is reported and the others go on; the exit
// status is then 1.
func (c *MatchCmd) Run(m *Main) error {
	ctx, banks, err := m.bankService()
	if err != nil {
		return err
	}
	mt := index.NewMatcher(banks)
	if err := mt.Load(ctx); err != nil {
		return err
	}
	hasher := fingerprint.NewService(fingerprint.Options{})
	failed := 0
	if !c.JSON {
		fmt.Fprintln(m.Stdout, "QUERY\tBANK\tENTRY\tSIGNAL\tDISTANCE\tMETADATA")
	}
	for _, q := range c.Queries {
		line := matchLine{Query: q, Matches: []matchJSON{}}
		matches, err := c.match(ctx, mt, hasher, q)
		if err != nil {
			failed++
			line.Error = vigie.ErrorMessage(err)
			if vigie.ErrorCode(err) == vigie.EINTERNAL {
				line.Error = err.Error()
			}
		}
		for _, mm := range matches {
			line.Matches = append(line.Matches, matchJSON{Bank: mm.Bank.Name, BankKind: string(mm.Bank.Kind), EntryID: mm.Entry.ID,
				Signal: string(mm.Entry.Signal), Value: mm.Entry.Value, Distance: mm.Distance, Metadata: orEmptyMap(mm.Entry.Metadata), Source: mm.Bank.Source})
		}
		c.print(m.Stdout, m.Stderr, line)
	}
	if failed > 0 {
		return fmt.Errorf("%d of %d queries failed", failed, len(c.Queries))
	}
	return nil
}

func (c *MatchCmd) print(stdout, stderr io.Writer, line matchLine) {
	if c.JSON {
		raw, _ := json.Marshal(line)
		fmt.Fprintln(stdout, string(raw))
		return
	}
	if line.Error != "" {
		fmt.Fprintf(stderr, "vigie match: %s: %s\n", line.Query, line.Error)
	}
	for _, mm := range line.Matches {
		fmt.Fprintf(stdout, "%s\t%s\t%d\t%s\t%d\t%s\n", line.Query, mm.Bank, mm.EntryID, mm.Signal, mm.Distance, metadataJSON(mm.Metadata))
	}
}

// match looks one query up: a hash as given, or a file's fingerprints.
func (c *MatchCmd) match(ctx context.Context, mt *index.Matcher, hasher *fingerprint.Service, q string) ([]*vigie.Match, error) {
	opts := vigie.MatchOptions{Banks: c.Bank}
	if sig, ok := parseHashQuery(q); ok {
		return mt.Match(ctx, []vigie.Signal{sig}, opts)
	}
	f, err := os.Open(q)
	if err != nil {
		return nil, vigie.Errorf(vigie.EINVALID, "neither a hash nor a readable file: %v", err)
	}
	defer f.Close()
	fp, err := hasher.Fingerprint(ctx, f)
	if fp == nil {
		return nil, err
	}
	// A file that is not an image still matches by its file hashes.
	matches, merr := mt.Match(ctx, fp.Signals(c.Dihedral), opts)
	if merr != nil {
		return nil, merr
	}
	return matches, nil
}

// parseHashQuery reads "HEX" (by length) or "type:HEX".
func parseHashQuery(q string) (vigie.Signal, bool) {
	if t, v, ok := strings.Cut(q, ":"); ok {
		st, err := vigie.ParseSignalType(t)
		if err != nil {
			return vigie.Signal{}, false
		}
		return vigie.Signal{Type: st, Value: v}, true
	}
	if _, err := hex.DecodeString(q); err != nil {
		return vigie.Signal{}, false
	}
	switch len(q) {
	case 64:
		return vigie.Signal{Type: vigie.SignalPDQ, Value: q}, true
	case 32:
		return vigie.Signal{Type: vigie.SignalMD5, Value: q}, true
	case 40:
		return vigie.Signal{Type: vigie.SignalSHA1, Value: q}, true
	}
	return vigie.Signal{}, false
}

func orEmptyMap(m map[string]any) map[string]any {
	if m == nil {
		return map[string]any{}
	}
	return m
}
