// Package hosting traces who hosts a URL: the CNAME chain of its host, the
// host's addresses and, from MaxMind-format IP databases, the network (ASN
// and organisation) and country of each address. Addresses of known CDNs
// are marked, because a notice then goes to the CDN, asking for the origin.
//
// It also converts the open ASN data of the ip-location-db project into a
// MaxMind-format database (ImportASNCSV). See README.md for loading data.
package hosting

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"net/netip"
	"strings"
	"time"

	"github.com/vigie-hotline/vigie"
)

// Resolver is the part of *net.Resolver a Tracer uses; tests pass a fake.
type Resolver interface {
	// LookupCNAME returns the canonical name of host, or host itself if it
	// has no alias. *net.Resolver follows the whole chain and returns its
	// end; a resolver that returns one hop at a time gives the full chain.
	LookupCNAME(ctx context.Context, host string) (string, error)
	// LookupNetIP returns the addresses of host; network is "ip".
	LookupNetIP(ctx context.Context, network, host string) ([]netip.Addr, error)
}

// Defaults for a Tracer's limits.
const (
	DefaultMaxCNAMEs    = 16 // BIND follows at most 16 aliases too
	DefaultMaxAddresses = 64
	DefaultTimeout      = 15 * time.Second
)

// Tracer implements vigie.HostTracer with DNS and MaxMind-format databases.
// Set its fields after NewTracer and before Open; then it is safe for
// concurrent use until Close.
type Tracer struct {
	// IPDBPaths lists the databases to open, in priority order: each field
	// of an address comes from the first database that has it.
	IPDBPaths []string

	Resolver    Resolver          // default: net.DefaultResolver
	CDNASNs     map[uint32]string // default: DefaultCDNASNs()
	CDNSuffixes map[string]string // default: DefaultCDNSuffixes()

	MaxCNAMEs    int           // aliases followed before giving up
	MaxAddresses int           // addresses kept; the rest are counted as Truncated
	Timeout      time.Duration // for one whole trace

	Now    func() time.Time
	Logger *slog.Logger

	dbs []ipdb
}

var _ vigie.HostTracer = (*Tracer)(nil)

// NewTracer returns a Tracer that will read the databases at paths, with
// the default resolver, CDN lists and limits.
func NewTracer(paths ...string) *Tracer {
	return &Tracer{
		IPDBPaths:    paths,
		Resolver:     net.DefaultResolver,
		CDNASNs:      DefaultCDNASNs(),
		CDNSuffixes:  DefaultCDNSuffixes(),
		MaxCNAMEs:    DefaultMaxCNAMEs,
		MaxAddresses: DefaultMaxAddresses,
		Timeout:      DefaultTimeout,
		Now:          time.Now,
		Logger:       slog.New(slog.DiscardHandler),
	}
}

// Open opens the IP databases. A Tracer without databases still traces
// names and addresses, with no network or country.
func (t *Tracer) Open() error {
	dbs, err := openIPDBs(t.IPDBPaths)
	if err != nil {
		return err
	}
	t.dbs = dbs
	return nil
}

// Close closes the IP databases.
func (t *Tracer) Close() error {
	err := closeIPDBs(t.dbs)
	t.dbs = nil
	return err
}

// Trace implements vigie.HostTracer.
func (t *Tracer) Trace(ctx context.Context, rawURL string) (*vigie.HostingTrace, error) {
	norm, host, ip, err := urlHost(rawURL)
	if err != nil {
		return nil, err
	}
	if t.Timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, t.Timeout)
		defer cancel()
	}
	tr := &vigie.HostingTrace{URL: norm, Host: host, TracedAt: t.Now().UTC()}
	var addrs []netip.Addr
	if ip.IsValid() {
		addrs = []netip.Addr{ip}
	} else if addrs, err = t.resolve(ctx, tr); err != nil {
		return nil, err
	}
	addrs, tr.Truncated = dedupe(addrs, t.MaxAddresses)
	for _, a := range addrs {
		tr.Addresses = append(tr.Addresses, t.Lookup(a))
	}
	tr.CDN = t.cdn(tr)
	return tr, nil
}

// Lookup returns what the IP databases and the CDN list know of ip.
func (t *Tracer) Lookup(ip netip.Addr) vigie.HostAddress {
	ip = ip.Unmap()
	a := vigie.HostAddress{IP: ip.String()}
	if err := lookup(t.dbs, ip, &a); err != nil {
		t.Logger.Warn("ip database lookup failed", "ip", a.IP, "err", err)
	}
	if a.ASN != 0 {
		a.CDN = t.CDNASNs[a.ASN]
	}
	return a
}

// resolve follows the CNAME chain of tr.Host, recording it in tr.CNAMEs,
// and returns the addresses of its last name.
func (t *Tracer) resolve(ctx context.Context, tr *vigie.HostingTrace) ([]netip.Addr, error) {
	name, err := t.chain(ctx, tr)
	if err != nil {
		return nil, err
	}
	addrs, err := t.Resolver.LookupNetIP(ctx, "ip", name)
	if err != nil {
		return nil, dnsError(ctx, tr.Host, err)
	} else if len(addrs) == 0 {
		return nil, vigie.Errorf(vigie.ENOTFOUND, "Host %s has no address.", tr.Host)
	}
	return addrs, nil
}

// chain follows the aliases of tr.Host, at most MaxCNAMEs, and returns the
// last name. A failed alias lookup ends the chain: the address lookup that
// follows reports whether the name exists.
func (t *Tracer) chain(ctx context.Context, tr *vigie.HostingTrace) (string, error) {
	name := tr.Host
	seen := map[string]bool{name: true}
	for {
		next, err := t.Resolver.LookupCNAME(ctx, name)
		if ctxErr := ctx.Err(); ctxErr != nil {
			return "", dnsError(ctx, tr.Host, ctxErr)
		} else if err != nil {
			t.Logger.Debug("cname lookup failed", "host", name, "err", err)
			return name, nil
		}
		next = strings.TrimSuffix(strings.ToLower(next), ".")
		if next == "" || next == name {
			return name, nil
		} else if seen[next] {
			return "", vigie.Errorf(vigie.EINVALID, "The aliases of host %s loop back to %s.", tr.Host, next)
		} else if len(tr.CNAMEs) >= t.MaxCNAMEs {
			return "", vigie.Errorf(vigie.EINVALID, "Host %s has more than %d aliases.", tr.Host, t.MaxCNAMEs)
		}
		seen[next] = true
		tr.CNAMEs = append(tr.CNAMEs, next)
		name = next
	}
}

// dnsError turns a failed lookup of host into a coded error.
func dnsError(ctx context.Context, host string, err error) error {
	var dnsErr *net.DNSError
	switch {
	case errors.As(err, &dnsErr) && dnsErr.IsNotFound:
		return vigie.Errorf(vigie.ENOTFOUND, "Host %s has no address.", host)
	case ctx.Err() != nil || errors.As(err, &dnsErr) && dnsErr.IsTimeout:
		return vigie.Errorf(vigie.EUNAVAILABLE, "The DNS did not answer in time for host %s.", host)
	}
	return vigie.Errorf(vigie.EUNAVAILABLE, "The DNS lookup of host %s failed.", host)
}

// dedupe returns addrs without repeats, in order, at most max of them, and
// whether some were dropped. Hostile names may carry thousands of records.
func dedupe(addrs []netip.Addr, max int) ([]netip.Addr, bool) {
	seen := make(map[netip.Addr]bool, min(len(addrs), max))
	var out []netip.Addr
	for _, a := range addrs {
		a = a.Unmap().WithZone("")
		if seen[a] {
			continue
		} else if len(out) == max {
			return out, true
		}
		seen[a] = true
		out = append(out, a)
	}
	return out, false
}

// cdn names the CDN in front of the traced host: that of the first address
// in a CDN's network, else that of a CNAME into a CDN's domain.
func (t *Tracer) cdn(tr *vigie.HostingTrace) string {
	for _, a := range tr.Addresses {
		if a.CDN != "" {
			return a.CDN
		}
	}
	for _, name := range tr.CNAMEs {
		if cdn := suffixCDN(t.CDNSuffixes, name); cdn != "" {
			return cdn
		}
	}
	return ""
}
