package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"strings"

	"github.com/vigie-hotline/vigie/guard"
)

// GuardianCmd groups the commands for parents.
type GuardianCmd struct {
	Hash GuardianHashCmd `cmd:"" help:"Fingerprint the photos in folders, on this computer, into a file to submit on the /guardian page."`
}

// GuardianHashCmd is `vigie guardian hash`: it fingerprints a parent's
// photos on their own computer and writes the guard.Submission file they
// submit on the /guardian page. The photos never leave the computer, and
// the file holds no file names (see guard.Submission).
type GuardianHashCmd struct {
	Output string   `short:"o" default:"vigie-hashes.json" placeholder:"FILE" help:"File to write the fingerprints to; - writes them to the standard output."`
	Force  bool     `help:"Overwrite the output file if it exists."`
	Jobs   int      `short:"j" default:"0" help:"Photos hashed in parallel; 0 means one per CPU."`
	Paths  []string `arg:"" name:"dir" help:"Folders (walked recursively) or photos."`
}

// Run fingerprints the photos, tells the parent which were left out and
// why, and writes the file. It fails only if no photo could be used or the
// file cannot be written.
func (c *GuardianHashCmd) Run(m *Main) error {
	ctx := m.ctx
	if ctx == nil {
		ctx = context.Background()
	}
	report := m.Stdout // the parent's own list of names: never in the file
	if c.Output == "-" {
		report = m.Stderr
	}
	sub, err := c.hash(ctx, report, m.Stderr)
	if err != nil {
		return err
	}
	b, err := json.MarshalIndent(sub, "", "  ")
	if err != nil {
		return err
	}
	b = append(b, '\n')
	if c.Output == "-" {
		_, err = m.Stdout.Write(b)
		return err
	}
	if err := writeNew(c.Output, b, 0o600, c.Force); err != nil {
		return err
	}
	_, err = fmt.Fprintf(report, "Wrote %d fingerprints to %s. Submit this file on the Vigie page; it contains no photo and no file name.\n", len(sub.Hashes), c.Output)
	return err
}

// hash fingerprints every photo below the paths, writing one line per
// photo to report and a progress bar to progress when it is a terminal.
func (c *GuardianHashCmd) hash(ctx context.Context, report, progress io.Writer) (guard.Submission, error) {
	paths, walkErrs := collect(c.Paths)
	for _, err := range walkErrs {
		fmt.Fprintf(report, "cannot read: %v\n", err)
	}
	paths = visible(paths)
	sub := guard.Submission{Version: guard.SubmissionVersion, Hashes: []guard.Entry{}}
	bar := newLazyBar(progress, len(paths))
	for r := range inOrder((&HashCmd{Jobs: c.Jobs}).hashAll(ctx, paths)) {
		bar.add()
		if err := c.line(report, &sub, r); err != nil {
			return sub, err
		}
	}
	bar.finish()
	if len(sub.Hashes) == 0 {
		return sub, errors.New("no photo could be fingerprinted; nothing was written")
	}
	return sub, nil
}

// line adds one photo to sub and tells the parent what happened to it.
func (c *GuardianHashCmd) line(w io.Writer, sub *guard.Submission, r hashed) error {
	var msg string
	switch {
	case r.err != nil:
		msg = "left out: not a photo this tool can read (JPEG, PNG, WebP, GIF, BMP or TIFF)"
	default:
		e, why := guard.NewEntry(r.res)
		switch {
		case why != "":
			msg = "left out: " + why
		case !sub.Add(e):
			msg = "left out: the same photo is already in the list"
		default:
			msg = "ok"
		}
	}
	_, err := fmt.Fprintf(w, "%s: %s\n", r.path, msg)
	return err
}

// visible drops hidden files (.DS_Store, ._IMG_0001.JPG copies that macOS
// leaves on shared drives), which are never photos.
func visible(paths []string) []string {
	out := paths[:0]
	for _, p := range paths {
		if !strings.HasPrefix(filepath.Base(p), ".") {
			out = append(out, p)
		}
	}
	return out
}
