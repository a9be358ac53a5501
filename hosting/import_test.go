package hosting_test

import (
	"bytes"
	"errors"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/oschwald/maxminddb-golang/v2"

	"github.com/vigie-hotline/vigie"
	"github.com/vigie-hotline/vigie/hosting"
)

// asnCSV mimics @ip-location-db/asn's asn-ipv4.csv and asn-ipv6.csv, with
// bad lines among the good.
const asnCSV = `192.0.2.0,192.0.2.255,13335,"Cloudflare, Inc."
198.51.100.0,198.51.100.127,64500,Example Hosting B.V.
not-an-ip,198.51.100.255,64500,Example
203.0.113.0,203.0.113.255,64501,"Hébergeur ""Exemple"" SAS"
203.0.113.255,203.0.113.0,64501,Backwards
198.51.100.128,198.51.100.255,AS-x,Bad ASN
3221225984,3221226239,13335,Numeric

2001:db8::,2001:db8:ffff:ffff:ffff:ffff:ffff:ffff,64502,"Unclosed
2001:db8::,2001:db8:ffff:ffff:ffff:ffff:ffff:ffff,64502,Beispiel GmbH
2001:db8:cafe::,2001:db8:cafe:ffff:ffff:ffff:ffff:ffff,54113,"Fastly, Inc."
192.0.2.0,2001:db8::1,1,Mixed
198.51.100.1,198.51.100.2
`

func TestImportASNCSV(t *testing.T) {
	var out bytes.Buffer
	n, err := hosting.ImportASNCSV(strings.NewReader(asnCSV), &out)
	if got, want := n, 5; got != want {
		t.Errorf("n=%d, want %d", got, want)
	}
	var ierr *hosting.ImportError
	if !errors.As(err, &ierr) {
		t.Fatalf("err=%v, want an *ImportError", err)
	}
	var lines []int
	for _, l := range ierr.Lines {
		lines = append(lines, l.Line)
	}
	if got, want := lines, []int{3, 5, 6, 7, 9, 12, 13}; !slices.Equal(got, want) {
		t.Errorf("bad lines %v, want %v\n%v", got, want, err)
	}
	if got, want := ierr.Count, 7; got != want {
		t.Errorf("Count=%d, want %d", got, want)
	}
	if msg := err.Error(); !strings.Contains(msg, "csv:7: start: \"3221225984\" is a number") {
		t.Errorf("error %q does not explain line 7", msg)
	}

	path := filepath.Join(t.TempDir(), "asn.mmdb")
	if err := os.WriteFile(path, out.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Run("OK/Metadata", func(t *testing.T) {
		db, err := maxminddb.Open(path)
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		if err := db.Verify(); err != nil {
			t.Errorf("Verify: %v", err)
		}
		if got, want := db.Metadata.DatabaseType, hosting.ASNDatabaseType; got != want {
			t.Errorf("DatabaseType=%q, want %q", got, want)
		}
		if got, want := db.Metadata.Description["en"], hosting.ASNAttribution; got != want {
			t.Errorf("Description=%q, want %q", got, want)
		}
	})

	t.Run("OK/Lookups", func(t *testing.T) {
		tracer := hosting.NewTracer(path, MustWriteCountryDB(t))
		if err := tracer.Open(); err != nil {
			t.Fatal(err)
		}
		defer tracer.Close()
		for _, want := range []vigie.HostAddress{
			{IP: "192.0.2.77", ASN: 13335, ASOrg: "Cloudflare, Inc.", Country: "US", CDN: hosting.Cloudflare},
			{IP: "198.51.100.127", ASN: 64500, ASOrg: "Example Hosting B.V.", Country: "NL"},
			{IP: "198.51.100.128", Country: "NL"}, // its line was bad
			{IP: "203.0.113.1", ASN: 64501, ASOrg: `Hébergeur "Exemple" SAS`, Country: "FR"},
			{IP: "2001:db8::1", ASN: 64502, ASOrg: "Beispiel GmbH", Country: "DE"},
			{IP: "2001:db8:cafe::42", ASN: 54113, ASOrg: "Fastly, Inc.", Country: "DE", CDN: hosting.Fastly},
		} {
			if got := tracer.Lookup(netip.MustParseAddr(want.IP)); got != want {
				t.Errorf("Lookup(%s)=%+v, want %+v", want.IP, got, want)
			}
		}
	})
}

func TestASNImport_Add(t *testing.T) {
	t.Run("OK/TwoFilesAndHeader", func(t *testing.T) {
		im, err := hosting.NewASNImport()
		if err != nil {
			t.Fatal(err)
		}
		if _, err := im.Add("asn-ipv4.csv", strings.NewReader("start,end,asn,org\r\n192.0.2.0,192.0.2.255,64496,A\r\n")); err != nil {
			t.Fatal(err)
		}
		if _, err := im.Add("asn-ipv6.csv", strings.NewReader("2001:db8::,2001:db8::ffff,64497,B\n2002::,2002:ffff:ffff:ffff:ffff:ffff:ffff:ffff,6939,6to4\n")); err != nil {
			t.Fatal(err)
		}
		if got, want := im.Imported(), 3; got != want {
			t.Errorf("Imported=%d, want %d", got, want)
		}
		if err := im.Err(); err != nil {
			t.Errorf("Err=%v, want nil", err)
		}
	})

	t.Run("OK/ManyBadLinesCounted", func(t *testing.T) {
		im, err := hosting.NewASNImport()
		if err != nil {
			t.Fatal(err)
		}
		bad := strings.Repeat("x,y,z,w\n", hosting.MaxLineErrors+50)
		if _, err := im.Add("bad.csv", strings.NewReader("192.0.2.0,192.0.2.1,1,A\n"+bad)); err != nil {
			t.Fatal(err)
		}
		var ierr *hosting.ImportError
		if !errors.As(im.Err(), &ierr) {
			t.Fatalf("Err=%v, want an *ImportError", im.Err())
		}
		if got, want := ierr.Count, hosting.MaxLineErrors+50; got != want {
			t.Errorf("Count=%d, want %d", got, want)
		}
		if got, want := len(ierr.Lines), hosting.MaxLineErrors; got != want {
			t.Errorf("len(Lines)=%d, want %d", got, want)
		}
		if got, want := ierr.Lines[0].Error(), `bad.csv:2: start: "x" is not an IP address`; got != want {
			t.Errorf("Lines[0]=%q, want %q", got, want)
		}
	})

	t.Run("ErrLineTooLong", func(t *testing.T) {
		im, err := hosting.NewASNImport()
		if err != nil {
			t.Fatal(err)
		}
		long := "192.0.2.0,192.0.2.1,1," + strings.Repeat("a", 1<<20) + "\n"
		if _, err := im.Add("long.csv", strings.NewReader(long)); err == nil {
			t.Fatal("Add accepted a 1 MiB line")
		}
	})
}
