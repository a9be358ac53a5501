package hosting

import "strings"

// CDN names used in traces.
const (
	Akamai     = "Akamai"
	Bunny      = "Bunny"
	CacheFly   = "CacheFly"
	CDN77      = "CDN77"
	Cloudflare = "Cloudflare"
	CloudFront = "Amazon CloudFront"
	DDoSGuard  = "DDoS-Guard"
	Edgio      = "Edgio (Edgecast, Limelight)"
	Fastly     = "Fastly"
	Gcore      = "Gcore"
	Imperva    = "Imperva"
	KeyCDN     = "KeyCDN"
	AzureCDN   = "Microsoft Azure Front Door / CDN"
	StackPath  = "StackPath"
	Sucuri     = "Sucuri"
)

// DefaultCDNASNs returns the autonomous systems whose addresses front other
// hosts: a request to them is proxied or served from cache, so the host that
// stores the content is elsewhere and the CDN must be asked to name it.
//
// The list holds only networks that are, as a whole, a CDN or reverse proxy.
// Networks that mix a CDN with ordinary hosting are left out on purpose,
// because an address there is as often the origin as a cache, and their
// operator is the right recipient of a notice either way:
//
//   - Amazon AS16509 and AS14618 carry all of AWS (EC2, S3, CloudFront);
//     CloudFront is recognised by its CNAME (*.cloudfront.net) instead.
//   - Google AS15169 and AS396982 carry Blogger, Drive, Sites, App Engine
//     and Cloud load balancers as well as Cloud CDN, which has no CNAME.
//   - Microsoft AS8075 carries all of Azure; Front Door and Azure CDN are
//     recognised by their CNAMEs (*.azurefd.net, *.azureedge.net).
//   - Akamai AS63949 is Linode (Akamai Connected Cloud): hosting, not CDN.
//   - CDN77's AS60068 (Datacamp) also sells dedicated servers; CDN77 is
//     recognised by its CNAMEs.
//   - OVHcloud AS16276, Hetzner AS24940 and the like are hosting providers.
//
// Sources: each operator's PeeringDB record and its page on bgp.he.net and
// RIPEstat, as known when the list was written (there is no network on the
// machine this was written on: check a number with
// "whois -h whois.radb.net AS20940" before relying on a new entry). Edgio
// stopped trading in January 2025 and its customers moved to Akamai; its
// networks are kept while addresses may still be announced from them.
// Operators extend or trim the list through Tracer.CDNASNs.
func DefaultCDNASNs() map[uint32]string {
	m := map[uint32]string{
		13335:  Cloudflare, // Cloudflare, Inc.
		209242: Cloudflare, // Cloudflare London, LLC
		54113:  Fastly,
		200325: Bunny,   // BunnyWay d.o.o.
		19551:  Imperva, // Incapsula Inc
		30148:  Sucuri,
		199524: Gcore, // G-Core Labs S.A.
		15133:  Edgio, // Edgecast Inc.
		22822:  Edgio, // Limelight Networks
		33438:  StackPath,
		12989:  StackPath, // Highwinds Network Group, StackPath's CDN
		30081:  CacheFly,
		57724:  DDoSGuard, // DDOS-GUARD LTD: a reverse proxy, not a host
	}
	// Akamai Technologies and Akamai International B.V.
	for _, asn := range []uint32{12222, 16625, 16702, 18680, 18717, 20940,
		21342, 21357, 21399, 23454, 23455, 24319, 31107, 31108, 31109, 31110,
		32787, 33905, 34164, 35993, 35994, 36183, 43639, 393560} {
		m[asn] = Akamai
	}
	return m
}

// DefaultCDNSuffixes returns domain suffixes that CDNs give their
// customers' CNAME targets, from each CDN's setup documentation. A CNAME
// into one of them means the CDN fronts the host even when its addresses
// sit in a mixed network, such as Amazon's or Microsoft's.
func DefaultCDNSuffixes() map[string]string {
	return map[string]string{
		"cloudfront.net":     CloudFront,
		"cdn.cloudflare.net": Cloudflare,
		"akamai.net":         Akamai,
		"akamaiedge.net":     Akamai,
		"akamaihd.net":       Akamai,
		"edgekey.net":        Akamai,
		"edgesuite.net":      Akamai,
		"fastly.net":         Fastly,
		"fastlylb.net":       Fastly,
		"azureedge.net":      AzureCDN,
		"azurefd.net":        AzureCDN,
		"b-cdn.net":          Bunny,
		"edgecastcdn.net":    Edgio,
		"llnwd.net":          Edgio,
		"incapdns.net":       Imperva,
		"gcdn.co":            Gcore,
		"stackpathcdn.com":   StackPath,
		"stackpathdns.com":   StackPath,
		"hwcdn.net":          StackPath,
		"cdn77.org":          CDN77,
		"kxcdn.com":          KeyCDN,
		"sucuri.net":         Sucuri,
		"ddos-guard.net":     DDoSGuard,
	}
}

// suffixCDN returns the CDN whose domain name ends, or "".
func suffixCDN(suffixes map[string]string, name string) string {
	name = strings.TrimSuffix(strings.ToLower(name), ".")
	for {
		if cdn, ok := suffixes[name]; ok {
			return cdn
		}
		_, rest, ok := strings.Cut(name, ".")
		if !ok {
			return ""
		}
		name = rest
	}
}
