package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	vigie "github.com/vigie-hotline/vigie"
	"github.com/vigie-hotline/vigie/hosting"
)

// IPDBCmd is `vigie ipdb`: it builds and queries the IP databases that the
// hosting trace reads.
type IPDBCmd struct {
	Import IPDBImportCmd `cmd:"" help:"Convert the ASN CSV files of npm package @ip-location-db/asn into an .mmdb file."`
	Trace  IPDBTraceCmd  `cmd:"" help:"Trace who hosts URLs or IP addresses: aliases, addresses, ASN, country, CDN. Prints one JSON object per line."`
}

// IPDBImportCmd converts ip-location-db ASN CSVs into one database.
type IPDBImportCmd struct {
	Output string   `short:"o" required:"" type:"path" placeholder:"FILE" help:"The .mmdb file to write; replaced atomically, so a running server keeps reading the old one until restarted."`
	Files  []string `arg:"" name:"csv" type:"existingfile" help:"asn-ipv4.csv and asn-ipv6.csv (not the -num files)."`
}

// Run imports every file's good lines, lists the bad ones with their line
// numbers, writes the database and prints a summary with the attribution
// the data's licence asks for. The exit status is 1 if any line was bad;
// the database of the good lines is written all the same.
func (c *IPDBImportCmd) Run(m *Main) error {
	im, err := hosting.NewASNImport()
	if err != nil {
		return err
	}
	for _, name := range c.Files {
		if err := addASNFile(im, name); err != nil {
			return err
		}
	}
	if err := writeIPDBFile(c.Output, im); err != nil {
		return err
	}
	fmt.Fprintf(m.Stdout, "%s: %d ranges imported from %d files\n%s\n", c.Output, im.Imported(), len(c.Files), hosting.ASNAttribution)
	var ierr *hosting.ImportError
	if errors.As(im.Err(), &ierr) {
		fmt.Fprintln(m.Stderr, ierr.Error())
		return vigie.Errorf(vigie.EINVALID, "%d bad lines were skipped (listed above)", ierr.Count)
	}
	return nil
}

// addASNFile imports the lines of the file at name.
func addASNFile(im *hosting.ASNImport, name string) error {
	f, err := os.Open(name)
	if err != nil {
		return err
	}
	defer f.Close()
	_, err = im.Add(filepath.Base(name), f)
	return err
}

// writeIPDBFile writes the database to a temporary file beside path, then
// renames it over path: a reader that maps the old file is not disturbed.
func writeIPDBFile(path string, im *hosting.ASNImport) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if _, err := im.WriteTo(tmp); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Chmod(0o644); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}

// IPDBTraceCmd traces URLs with the system's DNS resolver.
type IPDBTraceCmd struct {
	IPDB []string `name:"ipdb" type:"existingfile" placeholder:"PATH" help:"MaxMind-format database (.mmdb); repeat for several, e.g. a country database and an ASN database. Each field comes from the first that knows it."`
	URLs []string `arg:"" name:"url" help:"URLs, host names or IP addresses."`
}

// Run traces each URL and prints one JSON trace per line; failures go to
// stderr and the others carry on. The exit status is 1 if any failed.
func (c *IPDBTraceCmd) Run(m *Main) error {
	ctx := m.ctx
	if ctx == nil {
		ctx = context.Background()
	}
	tracer := hosting.NewTracer(c.IPDB...)
	if err := tracer.Open(); err != nil {
		return err
	}
	defer tracer.Close()
	enc := json.NewEncoder(m.Stdout)
	failed := 0
	for _, u := range c.URLs {
		tr, err := tracer.Trace(ctx, u)
		if err != nil {
			fmt.Fprintf(m.Stderr, "%s: %s\n", u, vigie.ErrorMessage(err))
			failed++
			continue
		}
		if err := enc.Encode(tr); err != nil {
			return err
		}
	}
	if failed > 0 {
		return vigie.Errorf(vigie.EUNAVAILABLE, "%d of %d traces failed", failed, len(c.URLs))
	}
	return nil
}
