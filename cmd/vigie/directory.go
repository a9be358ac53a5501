package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"

	vigie "github.com/vigie-hotline/vigie"
	"github.com/vigie-hotline/vigie/sqldb"
)

// ProviderCmd groups the hosting provider directory commands.
type ProviderCmd struct {
	Import ProviderImportCmd `cmd:"" help:"Add or update providers from a CSV file (header: name,asns,domains,abuse_email,lang,country,notes)."`
	List   ProviderListCmd   `cmd:"" help:"List the provider directory."`
}

// PartnerCmd groups the partner hotline directory commands.
type PartnerCmd struct {
	Import PartnerImportCmd `cmd:"" help:"Add or update partner hotlines from a CSV file (header: name,countries,email,endpoint,lang)."`
	List   PartnerListCmd   `cmd:"" help:"List the partner hotlines."`
}

func (m *Main) takedownService() (context.Context, *sqldb.TakedownService, error) {
	if err := m.openDB(); err != nil {
		return nil, nil, err
	}
	if err := m.Jobs.Open(m.ctx); err != nil {
		return nil, nil, err
	}
	return vigie.NewContextWithActor(m.ctx, cliActor()), sqldb.NewTakedownService(m.DB, m.Jobs), nil
}

// ProviderImportCmd imports providers.
type ProviderImportCmd struct {
	File string `arg:"" type:"existingfile"`
}

// Run imports the good lines and lists the bad ones; the exit status is 1
// if any line was bad.
func (c *ProviderImportCmd) Run(m *Main) error {
	return importDirectory(m, c.File, vigie.ParseProvidersCSV, (*sqldb.TakedownService).SaveProvider)
}

// PartnerImportCmd imports partner hotlines.
type PartnerImportCmd struct {
	File string `arg:"" type:"existingfile"`
}

// Run imports the good lines and lists the bad ones.
func (c *PartnerImportCmd) Run(m *Main) error {
	return importDirectory(m, c.File, vigie.ParsePartnersCSV, (*sqldb.TakedownService).SavePartner)
}

// importDirectory parses a directory file with parse and saves each good
// entry with save.
func importDirectory[T any](m *Main, file string, parse func(io.Reader) ([]T, []vigie.CSVLineError),
	save func(*sqldb.TakedownService, context.Context, T) error) error {
	ctx, svc, err := m.takedownService()
	if err != nil {
		return err
	}
	f, err := os.Open(file)
	if err != nil {
		return err
	}
	defer f.Close()
	entries, bad := parse(f)
	for _, e := range entries {
		if err := save(svc, ctx, e); err != nil {
			return err
		}
	}
	return reportImport(m, file, len(entries), bad)
}

func reportImport(m *Main, file string, n int, bad []vigie.CSVLineError) error {
	for _, b := range bad {
		fmt.Fprintf(m.Stderr, "%s:%d: %s\n", file, b.Line, b.Reason)
	}
	fmt.Fprintf(m.Stdout, "%s: %d entries imported, %d bad lines\n", file, n, len(bad))
	if len(bad) > 0 {
		return vigie.Errorf(vigie.EINVALID, "%d bad lines were skipped (listed above)", len(bad))
	}
	return nil
}

// ProviderListCmd lists providers.
type ProviderListCmd struct{}

// Run prints the directory.
func (c *ProviderListCmd) Run(m *Main) error {
	ctx, svc, err := m.takedownService()
	if err != nil {
		return err
	}
	ps, err := svc.FindProviders(ctx)
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(m.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "NAME\tASNS\tDOMAINS\tABUSE\tLANG\tCOUNTRY")
	for _, p := range ps {
		asns := make([]string, len(p.ASNs))
		for i, a := range p.ASNs {
			asns[i] = fmt.Sprint(a)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", p.Name, strings.Join(asns, " "), strings.Join(p.Domains, " "), p.AbuseEmail, p.Lang, p.Country)
	}
	return tw.Flush()
}

// PartnerListCmd lists partner hotlines.
type PartnerListCmd struct{}

// Run prints the partners.
func (c *PartnerListCmd) Run(m *Main) error {
	ctx, svc, err := m.takedownService()
	if err != nil {
		return err
	}
	ps, err := svc.FindPartners(ctx)
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(m.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "NAME\tCOUNTRIES\tEMAIL\tENDPOINT\tLANG")
	for _, p := range ps {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", p.Name, strings.Join(p.Countries, " "), p.Email, p.Endpoint, p.Lang)
	}
	return tw.Flush()
}
