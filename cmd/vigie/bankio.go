package main

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/schollz/progressbar/v3"
	vigie "github.com/vigie-hotline/vigie"
	"github.com/vigie-hotline/vigie/hashlist"
	"golang.org/x/term"
)

// BankImportCmd imports a hash list.
type BankImportCmd struct {
	Name   string `arg:"" help:"The bank to import into."`
	File   string `arg:"" type:"existingfile" help:"The hash list file."`
	Format string `help:"te, te-csv, hma-json or jsonl; guessed from the first line when omitted." enum:",te,te-csv,hma-json,jsonl" default:""`
	Batch  int    `help:"Entries stored per transaction; larger is faster for big lists, since each commit rewrites the index pages it touched." default:"50000"`
}

// Run imports the good lines, reports every bad one with its line number
// and reason, and prints a summary. The exit status is 1 if any line was
// bad, so that scripts notice; the good lines are imported all the same.
func (c *BankImportCmd) Run(m *Main) error {
	ctx, banks, err := m.bankService()
	if err != nil {
		return err
	}
	b, err := banks.FindBankByName(ctx, c.Name)
	if err != nil {
		return err
	}
	f, err := os.Open(c.File)
	if err != nil {
		return err
	}
	defer f.Close()
	in, format, err := c.open(f)
	if err != nil {
		return err
	}
	rd, err := hashlist.NewReader(in, format)
	if err != nil {
		return err
	}
	added, dups, err := c.importAll(m, rd, func(batch []*vigie.BankEntry) (int, int, error) {
		return banks.AddEntries(ctx, b.ID, batch)
	})
	sum := rd.Summary()
	fmt.Fprintf(m.Stdout, "%s: %d lines read (%s), %d entries added to %s, %d already there, %d bad lines\n",
		c.File, sum.Lines, format, added, b.Name, dups, sum.Bad)
	if err != nil {
		return err
	}
	if sum.Bad > 0 {
		return vigie.Errorf(vigie.EINVALID, "%d bad lines were skipped (listed above)", sum.Bad)
	}
	return nil
}

// open wraps f in a progress bar when stderr is a terminal, and detects the
// format unless one was given.
func (c *BankImportCmd) open(f *os.File) (io.Reader, hashlist.Format, error) {
	var in io.Reader = f
	if st, err := f.Stat(); err == nil && isTerminal(os.Stderr) {
		bar := progressbar.DefaultBytes(st.Size(), "importing")
		in = io.TeeReader(f, bar)
	}
	br := bufio.NewReaderSize(in, 64<<10)
	if c.Format != "" {
		format, err := hashlist.ParseFormat(c.Format)
		return br, format, err
	}
	head, _ := br.Peek(4096)
	format, err := hashlist.Detect(head)
	if err != nil {
		return nil, "", vigie.Errorf(vigie.EINVALID, "%s: cannot tell the format (%s); give --format", c.File, vigie.ErrorMessage(err))
	}
	return br, format, nil
}

// importAll stores entries in batches and prints each bad line to stderr.
func (c *BankImportCmd) importAll(m *Main, rd *hashlist.Reader, store func([]*vigie.BankEntry) (int, int, error)) (added, dups int, err error) {
	batch := make([]*vigie.BankEntry, 0, c.Batch)
	flush := func() error {
		if len(batch) == 0 {
			return nil
		}
		a, d, err := store(batch)
		added, dups, batch = added+a, dups+d, batch[:0]
		return err
	}
	for e, err := range rd.All() {
		var le *hashlist.LineError
		switch {
		case errors.As(err, &le):
			fmt.Fprintf(m.Stderr, "%s:%d: %s\n", c.File, le.Line, le.Reason)
			continue
		case err != nil:
			return added, dups, err
		}
		if batch = append(batch, e); len(batch) >= c.Batch {
			if err := flush(); err != nil {
				return added, dups, err
			}
		}
	}
	return added, dups, flush()
}

// BankExportCmd writes a bank as a hash list.
type BankExportCmd struct {
	Name     string `arg:"" help:"The bank to export."`
	Format   string `help:"te, te-csv, hma-json or jsonl." enum:"te,te-csv,hma-json,jsonl" default:"jsonl"`
	Output   string `short:"o" help:"Write to this file instead of standard output." type:"path"`
	Inactive bool   `help:"Include disabled, quarantined and deleted entries (with their status, in jsonl)."`
}

// Run writes the entries. Family banks are never exported: they hold
// parents' personal data.
func (c *BankExportCmd) Run(m *Main) error {
	ctx, banks, err := m.bankService()
	if err != nil {
		return err
	}
	b, err := banks.FindBankByName(ctx, c.Name)
	if err != nil {
		return err
	}
	if !b.Kind.Shareable() {
		return vigie.Errorf(vigie.EFORBIDDEN, "%s is a family bank: parents' hashes are personal data and are never exported", b.Name)
	}
	out := m.Stdout
	if c.Output != "" {
		f, err := os.OpenFile(c.Output, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
		if err != nil {
			return err
		}
		defer f.Close()
		out = f
	}
	w, err := hashlist.NewWriter(out, hashlist.Format(c.Format))
	if err != nil {
		return err
	}
	w.Bank = b
	var seq int64
	for {
		page, err := banks.FindEntries(ctx, vigie.EntryFilter{BankID: b.ID, AfterSeq: seq, IncludeInactive: c.Inactive, Limit: 10000})
		if err != nil {
			return err
		}
		for _, e := range page {
			if err := w.Write(e); err != nil {
				return err
			}
			seq = e.Seq
		}
		if len(page) < 10000 {
			break
		}
	}
	if err := w.Flush(); err != nil {
		return err
	}
	if _, err := m.audit(ctx, "bank.export", fmt.Sprintf("bank:%d", b.ID), map[string]any{"format": c.Format, "entries": w.Count()}); err != nil {
		return err
	}
	if c.Output != "" {
		fmt.Fprintf(m.Stderr, "wrote %d entries to %s\n", w.Count(), c.Output)
	}
	return nil
}

func isTerminal(f *os.File) bool { return term.IsTerminal(int(f.Fd())) }
