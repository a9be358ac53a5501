package hosting_test

import (
	"context"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/maxmind/mmdbwriter"
	"github.com/maxmind/mmdbwriter/mmdbtype"

	"github.com/vigie-hotline/vigie/hosting"
)

// fixtureNow is the fake clock's time.
var fixtureNow = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

// prefixBits returns the length of a CIDR prefix, for IPv4 as if mapped
// into IPv6, as the tree stores it.
func prefixBits(tb testing.TB, cidr string) int {
	_, n, err := net.ParseCIDR(cidr)
	if err != nil {
		tb.Fatal(err)
	}
	ones, bits := n.Mask.Size()
	return ones + 128 - bits
}

// MustWriteMMDB writes a MaxMind-format database mapping each prefix to its
// record and returns its path. TEST-NET ranges need reserved networks on.
func MustWriteMMDB(tb testing.TB, dbType string, records map[string]mmdbtype.Map) string {
	tb.Helper()
	tree, err := mmdbwriter.New(mmdbwriter.Options{DatabaseType: dbType, IncludeReservedNetworks: true})
	if err != nil {
		tb.Fatal(err)
	}
	// Broader networks first: inserting one replaces the records of the
	// narrower networks inside it, so map order would make lookups flaky.
	prefixes := make([]string, 0, len(records))
	for p := range records {
		prefixes = append(prefixes, p)
	}
	sort.Slice(prefixes, func(i, j int) bool { return prefixBits(tb, prefixes[i]) < prefixBits(tb, prefixes[j]) })
	for _, prefix := range prefixes {
		_, network, err := net.ParseCIDR(prefix)
		if err != nil {
			tb.Fatal(err)
		}
		if err := tree.Insert(network, records[prefix]); err != nil {
			tb.Fatalf("insert %s: %v", prefix, err)
		}
	}
	path := filepath.Join(tb.TempDir(), dbType+".mmdb")
	f, err := os.Create(path)
	if err != nil {
		tb.Fatal(err)
	}
	if _, err := tree.WriteTo(f); err != nil {
		tb.Fatal(err)
	}
	if err := f.Close(); err != nil {
		tb.Fatal(err)
	}
	return path
}

// MustWriteCountryDB writes a country database in the layout of
// @ip-location-db/geo-whois-asn-country-mmdb (field country_code).
func MustWriteCountryDB(tb testing.TB) string {
	tb.Helper()
	cc := func(c string) mmdbtype.Map { return mmdbtype.Map{"country_code": mmdbtype.String(c)} }
	return MustWriteMMDB(tb, "geo-whois-asn-country", map[string]mmdbtype.Map{
		"192.0.2.0/24":    cc("US"),
		"198.51.100.0/24": cc("NL"),
		"203.0.113.0/24":  cc("FR"),
		"2001:db8::/32":   cc("DE"),
	})
}

// MustWriteASNDB writes an ASN database in MaxMind's GeoLite2-ASN layout.
func MustWriteASNDB(tb testing.TB) string {
	tb.Helper()
	as := func(n uint32, org string) mmdbtype.Map {
		return mmdbtype.Map{
			"autonomous_system_number":       mmdbtype.Uint32(n),
			"autonomous_system_organization": mmdbtype.String(org),
		}
	}
	return MustWriteMMDB(tb, "GeoLite2-ASN", map[string]mmdbtype.Map{
		"192.0.2.0/24":       as(13335, "Cloudflare, Inc."),
		"198.51.100.0/25":    as(64500, "Example Hosting B.V."),
		"198.51.100.128/25":  as(16509, "Amazon.com, Inc."),
		"203.0.113.0/24":     as(64501, "Hébergeur Exemple SAS"),
		"2001:db8::/32":      as(64502, "Beispiel GmbH"),
		"2001:db8:cafe::/48": as(54113, "Fastly, Inc."),
	})
}

// MustOpenTracer returns an open Tracer on the fixture databases, the fake
// resolver and the fake clock; it is closed when the test ends.
func MustOpenTracer(tb testing.TB, r *fakeResolver) *hosting.Tracer {
	tb.Helper()
	t := hosting.NewTracer(MustWriteCountryDB(tb), MustWriteASNDB(tb))
	t.Resolver = r
	t.Now = func() time.Time { return fixtureNow }
	if err := t.Open(); err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() {
		if err := t.Close(); err != nil {
			tb.Error(err)
		}
	})
	return t
}

// fakeResolver answers from maps and counts the queries. A CNAME is given
// one hop at a time, so the tracer sees the whole chain.
type fakeResolver struct {
	cnames map[string]string
	addrs  map[string][]netip.Addr
	block  bool // wait for the context to end instead of answering

	mu      sync.Mutex
	queries int
}

func (r *fakeResolver) count(ctx context.Context) error {
	r.mu.Lock()
	r.queries++
	r.mu.Unlock()
	if r.block {
		<-ctx.Done()
		return &net.DNSError{Err: "i/o timeout", IsTimeout: true}
	}
	return nil
}

func (r *fakeResolver) Queries() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.queries
}

func (r *fakeResolver) LookupCNAME(ctx context.Context, host string) (string, error) {
	if err := r.count(ctx); err != nil {
		return "", err
	}
	if next, ok := r.cnames[host]; ok {
		return next + ".", nil
	}
	if _, ok := r.addrs[host]; ok {
		return host + ".", nil
	}
	return "", &net.DNSError{Err: "no such host", Name: host, IsNotFound: true}
}

func (r *fakeResolver) LookupNetIP(ctx context.Context, network, host string) ([]netip.Addr, error) {
	if err := r.count(ctx); err != nil {
		return nil, err
	}
	if a, ok := r.addrs[host]; ok {
		return a, nil
	}
	return nil, &net.DNSError{Err: "no such host", Name: host, IsNotFound: true}
}

// addrs parses addresses for the fake resolver.
func addrs(s ...string) []netip.Addr {
	var out []netip.Addr
	for _, a := range s {
		out = append(out, netip.MustParseAddr(a))
	}
	return out
}
