package hosting_test

import (
	"bytes"
	"net/netip"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/vigie-hotline/vigie/hosting"
)

// TestRealData imports the real ASN CSVs and reads the real country
// database when VIGIE_TEST_IPDB names a folder holding asn-ipv4.csv,
// asn-ipv6.csv (from npm pack @ip-location-db/asn) and
// geo-whois-asn-country.mmdb (from @ip-location-db/geo-whois-asn-country-mmdb).
// The data are not in the repository; see README.md.
func TestRealData(t *testing.T) {
	dir := os.Getenv("VIGIE_TEST_IPDB")
	if dir == "" {
		t.Skip("VIGIE_TEST_IPDB not set")
	}
	start := time.Now()
	im, err := hosting.NewASNImport()
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"asn-ipv4.csv", "asn-ipv6.csv"} {
		f, err := os.Open(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		n, err := im.Add(name, f)
		f.Close()
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("%s: %d lines imported", name, n)
	}
	if err := im.Err(); err != nil {
		t.Logf("bad lines: %v", err)
	}
	var buf bytes.Buffer
	if _, err := im.WriteTo(&buf); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "asn.mmdb")
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("asn.mmdb: %d bytes in %v", buf.Len(), time.Since(start))

	tracer := hosting.NewTracer(filepath.Join(dir, "geo-whois-asn-country.mmdb"), path)
	if err := tracer.Open(); err != nil {
		t.Fatal(err)
	}
	defer tracer.Close()
	for ip, asn := range map[string]uint32{"1.1.1.1": 13335, "2606:4700:4700::1111": 13335, "151.101.1.140": 54113} {
		a := tracer.Lookup(netip.MustParseAddr(ip))
		t.Logf("%+v", a)
		if a.ASN != asn || a.Country == "" {
			t.Errorf("Lookup(%s)=%+v, want AS%d and a country", ip, a, asn)
		}
	}
}
