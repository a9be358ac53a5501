package hosting_test

import (
	"context"
	"fmt"
	"net/netip"
	"slices"
	"testing"
	"time"

	"github.com/vigie-hotline/vigie"
	"github.com/vigie-hotline/vigie/hosting"
)

func TestTracer_Trace(t *testing.T) {
	t.Run("OK/CNAMEChainToCDN", func(t *testing.T) {
		r := &fakeResolver{
			cnames: map[string]string{
				"www.example.test":  "shop.example.test",
				"shop.example.test": "shop.example.test.cdn.cloudflare.net",
			},
			addrs: map[string][]netip.Addr{
				"shop.example.test.cdn.cloudflare.net": addrs("192.0.2.10", "192.0.2.11", "192.0.2.10"),
			},
		}
		tr, err := MustOpenTracer(t, r).Trace(context.Background(), "https://WWW.Example.test/a/../img.jpg?utm_source=x")
		if err != nil {
			t.Fatal(err)
		}
		if got, want := tr.URL, "https://www.example.test/img.jpg"; got != want {
			t.Errorf("URL=%q, want %q", got, want)
		}
		if got, want := tr.Host, "www.example.test"; got != want {
			t.Errorf("Host=%q, want %q", got, want)
		}
		if got, want := tr.CNAMEs, []string{"shop.example.test", "shop.example.test.cdn.cloudflare.net"}; !slices.Equal(got, want) {
			t.Errorf("CNAMEs=%q, want %q", got, want)
		}
		want := []vigie.HostAddress{
			{IP: "192.0.2.10", ASN: 13335, ASOrg: "Cloudflare, Inc.", Country: "US", CDN: hosting.Cloudflare},
			{IP: "192.0.2.11", ASN: 13335, ASOrg: "Cloudflare, Inc.", Country: "US", CDN: hosting.Cloudflare},
		}
		if got := tr.Addresses; !slices.Equal(got, want) {
			t.Errorf("Addresses=%+v, want %+v", got, want)
		}
		if got, want := tr.CDN, hosting.Cloudflare; got != want {
			t.Errorf("CDN=%q, want %q", got, want)
		}
		if got, want := tr.TracedAt, fixtureNow; !got.Equal(want) {
			t.Errorf("TracedAt=%v, want %v", got, want)
		}
	})

	t.Run("OK/Abroad", func(t *testing.T) {
		r := &fakeResolver{addrs: map[string][]netip.Addr{
			"images.example.nl": addrs("198.51.100.7", "2001:db8:1::7"),
		}}
		tr, err := MustOpenTracer(t, r).Trace(context.Background(), "http://images.example.nl/x.png")
		if err != nil {
			t.Fatal(err)
		}
		want := []vigie.HostAddress{
			{IP: "198.51.100.7", ASN: 64500, ASOrg: "Example Hosting B.V.", Country: "NL"},
			{IP: "2001:db8:1::7", ASN: 64502, ASOrg: "Beispiel GmbH", Country: "DE"},
		}
		if got := tr.Addresses; !slices.Equal(got, want) {
			t.Errorf("Addresses=%+v, want %+v", got, want)
		}
		if len(tr.CNAMEs) != 0 || tr.CDN != "" || tr.Truncated {
			t.Errorf("CNAMEs=%q CDN=%q Truncated=%v, want none", tr.CNAMEs, tr.CDN, tr.Truncated)
		}
	})

	t.Run("OK/CloudFrontByCNAME", func(t *testing.T) {
		// Amazon's network is not a CDN as a whole; the CNAME tells.
		r := &fakeResolver{
			cnames: map[string]string{"static.example.test": "d111111abcdef8.cloudfront.net"},
			addrs:  map[string][]netip.Addr{"d111111abcdef8.cloudfront.net": addrs("198.51.100.200")},
		}
		tr, err := MustOpenTracer(t, r).Trace(context.Background(), "https://static.example.test/")
		if err != nil {
			t.Fatal(err)
		}
		if got, want := tr.Addresses[0].CDN, ""; got != want {
			t.Errorf("Addresses[0].CDN=%q, want %q", got, want)
		}
		if got, want := tr.Addresses[0].ASN, uint32(16509); got != want {
			t.Errorf("Addresses[0].ASN=%d, want %d", got, want)
		}
		if got, want := tr.CDN, hosting.CloudFront; got != want {
			t.Errorf("CDN=%q, want %q", got, want)
		}
	})

	t.Run("OK/IPLiteral", func(t *testing.T) {
		for _, tc := range []struct {
			url, ip, country string
			asn              uint32
			cdn              string
		}{
			{"http://203.0.113.5/x.jpg", "203.0.113.5", "FR", 64501, ""},
			{"http://3405803781/x.jpg", "203.0.113.5", "FR", 64501, ""}, // decimal, as browsers read it
			{"http://0xcb.0.0x71.05/", "203.0.113.5", "FR", 64501, ""},
			{"https://[2001:DB8:CAFE::1]:8443/", "2001:db8:cafe::1", "DE", 54113, hosting.Fastly},
			{"http://[::ffff:192.0.2.1]/", "192.0.2.1", "US", 13335, hosting.Cloudflare},
		} {
			r := &fakeResolver{}
			tr, err := MustOpenTracer(t, r).Trace(context.Background(), tc.url)
			if err != nil {
				t.Fatalf("%s: %v", tc.url, err)
			}
			if len(tr.Addresses) != 1 {
				t.Fatalf("%s: Addresses=%+v, want one", tc.url, tr.Addresses)
			}
			a := tr.Addresses[0]
			if a.IP != tc.ip || a.Country != tc.country || a.ASN != tc.asn || a.CDN != tc.cdn || tr.CDN != tc.cdn {
				t.Errorf("%s: address %+v CDN %q, want %s %s AS%d %q", tc.url, a, tr.CDN, tc.ip, tc.country, tc.asn, tc.cdn)
			}
			if got, want := tr.Host, tc.ip; got != want {
				t.Errorf("%s: Host=%q, want %q", tc.url, got, want)
			}
			if got := r.Queries(); got != 0 {
				t.Errorf("%s: %d DNS queries, want none for an IP literal", tc.url, got)
			}
		}
	})

	t.Run("OK/NoDatabase", func(t *testing.T) {
		tracer := hosting.NewTracer()
		tracer.Resolver = &fakeResolver{addrs: map[string][]netip.Addr{"a.test": addrs("192.0.2.1")}}
		if err := tracer.Open(); err != nil {
			t.Fatal(err)
		}
		defer tracer.Close()
		tr, err := tracer.Trace(context.Background(), "http://a.test/")
		if err != nil {
			t.Fatal(err)
		}
		if got, want := tr.Addresses, []vigie.HostAddress{{IP: "192.0.2.1"}}; !slices.Equal(got, want) {
			t.Errorf("Addresses=%+v, want %+v", got, want)
		}
	})

	t.Run("OK/ManyAddressesCapped", func(t *testing.T) {
		var many []netip.Addr
		for i := range 10000 {
			many = append(many, netip.AddrFrom4([4]byte{198, 51, 100, byte(i)}))
		}
		many = append(many, netip.MustParseAddr("203.0.113.1"))
		r := &fakeResolver{addrs: map[string][]netip.Addr{"many.test": many}}
		tracer := MustOpenTracer(t, r)
		tracer.MaxAddresses = 300
		tr, err := tracer.Trace(context.Background(), "http://many.test/")
		if err != nil {
			t.Fatal(err)
		}
		// 10,000 records repeat 256 addresses; the cap is not reached by
		// repeats, it is by the 257th distinct one.
		if got, want := len(tr.Addresses), 257; got != want {
			t.Errorf("len(Addresses)=%d, want %d", got, want)
		}
		tracer.MaxAddresses = 64
		tr, err = tracer.Trace(context.Background(), "http://many.test/")
		if err != nil {
			t.Fatal(err)
		}
		if got, want := len(tr.Addresses), 64; got != want || !tr.Truncated {
			t.Errorf("len(Addresses)=%d Truncated=%v, want %d true", got, tr.Truncated, want)
		}
	})

	t.Run("ErrCNAMELoop", func(t *testing.T) {
		r := &fakeResolver{cnames: map[string]string{
			"a.loop.test": "b.loop.test",
			"b.loop.test": "c.loop.test",
			"c.loop.test": "a.loop.test",
		}}
		_, err := MustOpenTracer(t, r).Trace(context.Background(), "http://a.loop.test/")
		if got, want := vigie.ErrorCode(err), vigie.EINVALID; got != want {
			t.Fatalf("ErrorCode=%q (%v), want %q", got, err, want)
		}
		if got, want := vigie.ErrorMessage(err), "The aliases of host a.loop.test loop back to a.loop.test."; got != want {
			t.Errorf("ErrorMessage=%q, want %q", got, want)
		}
		if got, want := r.Queries(), 3; got != want {
			t.Errorf("%d DNS queries, want %d", got, want)
		}
	})

	t.Run("ErrCNAMEChainTooLong", func(t *testing.T) {
		r := &fakeResolver{cnames: map[string]string{}}
		for i := range 1000 {
			r.cnames[fmt.Sprintf("h%d.test", i)] = fmt.Sprintf("h%d.test", i+1)
		}
		_, err := MustOpenTracer(t, r).Trace(context.Background(), "http://h0.test/")
		if got, want := vigie.ErrorCode(err), vigie.EINVALID; got != want {
			t.Fatalf("ErrorCode=%q (%v), want %q", got, err, want)
		}
		if got, max := r.Queries(), hosting.DefaultMaxCNAMEs+1; got > max {
			t.Errorf("%d DNS queries, want at most %d", got, max)
		}
	})

	t.Run("ErrNoAddress", func(t *testing.T) {
		r := &fakeResolver{
			cnames: map[string]string{"gone.test": "gone.cdn.test"},
			addrs:  map[string][]netip.Addr{"empty.test": nil},
		}
		for _, u := range []string{"http://nx.test/", "http://gone.test/", "http://empty.test/"} {
			_, err := MustOpenTracer(t, r).Trace(context.Background(), u)
			if got, want := vigie.ErrorCode(err), vigie.ENOTFOUND; got != want {
				t.Fatalf("%s: ErrorCode=%q (%v), want %q", u, got, err, want)
			}
		}
	})

	t.Run("ErrTimeout", func(t *testing.T) {
		tracer := MustOpenTracer(t, &fakeResolver{block: true})
		tracer.Timeout = 50 * time.Millisecond
		start := time.Now()
		_, err := tracer.Trace(context.Background(), "http://slow.test/")
		if got, want := vigie.ErrorCode(err), vigie.EUNAVAILABLE; got != want {
			t.Fatalf("ErrorCode=%q (%v), want %q", got, err, want)
		}
		if d := time.Since(start); d > 5*time.Second {
			t.Errorf("Trace took %v, want about the 50ms timeout", d)
		}
	})

	t.Run("ErrInvalidURL", func(t *testing.T) {
		for _, u := range []string{"", "ftp://example.test/", "http://", "http://1.2.3.4.5/", "http://256.1.1.1/", "http://[fe80::1%25eth0]/"} {
			_, err := MustOpenTracer(t, &fakeResolver{}).Trace(context.Background(), u)
			if got, want := vigie.ErrorCode(err), vigie.EINVALID; got != want {
				t.Errorf("%q: ErrorCode=%q (%v), want %q", u, got, err, want)
			}
		}
	})
}

func TestTracer_Open(t *testing.T) {
	t.Run("ErrNotADatabase", func(t *testing.T) {
		tracer := hosting.NewTracer("hosting_test.go")
		if got, want := vigie.ErrorCode(tracer.Open()), vigie.EINVALID; got != want {
			t.Fatalf("ErrorCode=%q, want %q", got, want)
		}
	})
}

func TestTracer_Lookup(t *testing.T) {
	t.Run("OK/FirstDatabaseWins", func(t *testing.T) {
		// An ASN database first, then a country database: ASN fields from
		// the first, country from the second that alone knows it.
		tracer := hosting.NewTracer(MustWriteASNDB(t), MustWriteCountryDB(t))
		if err := tracer.Open(); err != nil {
			t.Fatal(err)
		}
		defer tracer.Close()
		got := tracer.Lookup(netip.MustParseAddr("203.0.113.9"))
		want := vigie.HostAddress{IP: "203.0.113.9", ASN: 64501, ASOrg: "Hébergeur Exemple SAS", Country: "FR"}
		if got != want {
			t.Errorf("Lookup=%+v, want %+v", got, want)
		}
		if got, want := tracer.Lookup(netip.MustParseAddr("8.8.8.8")), (vigie.HostAddress{IP: "8.8.8.8"}); got != want {
			t.Errorf("Lookup(unknown)=%+v, want %+v", got, want)
		}
	})
}

func TestDefaultCDNASNs(t *testing.T) {
	cdns := hosting.DefaultCDNASNs()
	for asn, want := range map[uint32]string{13335: hosting.Cloudflare, 20940: hosting.Akamai, 16625: hosting.Akamai,
		54113: hosting.Fastly, 200325: hosting.Bunny, 15133: hosting.Edgio, 19551: hosting.Imperva,
		30148: hosting.Sucuri, 199524: hosting.Gcore} {
		if got := cdns[asn]; got != want {
			t.Errorf("AS%d=%q, want %q", asn, got, want)
		}
	}
	// Mixed networks whose operator is the right recipient either way.
	for _, asn := range []uint32{16509, 14618, 15169, 396982, 8075, 63949, 16276, 24940} {
		if got, ok := cdns[asn]; ok {
			t.Errorf("AS%d=%q, want absent", asn, got)
		}
	}
}
