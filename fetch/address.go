package fetch

import (
	"net/netip"
)

// Address classes that AddressClass returns for refused addresses.
const (
	ClassUnspecified   = "unspecified"   // 0.0.0.0, ::
	ClassThisNetwork   = "this_network"  // 0.0.0.0/8
	ClassLoopback      = "loopback"      // 127.0.0.0/8, ::1
	ClassPrivate       = "private"       // RFC 1918, RFC 4193 fc00::/7, site-local fec0::/10
	ClassLinkLocal     = "link_local"    // 169.254.0.0/16, fe80::/10
	ClassCGNAT         = "cgnat"         // 100.64.0.0/10, shared address space
	ClassMulticast     = "multicast"     // 224.0.0.0/4, ff00::/8
	ClassBroadcast     = "broadcast"     // 255.255.255.255
	ClassMetadata      = "metadata"      // cloud instance metadata and platform services
	ClassReserved      = "reserved"      // IETF special purpose, future use, benchmarking
	ClassDocumentation = "documentation" // TEST-NET-1..3, 2001:db8::/32, 3fff::/20
	ClassTunnel        = "tunnel"        // Teredo, IPv4-compatible and local NAT64 prefixes
	ClassScoped        = "scoped"        // an IPv6 address with a zone
)

// rangeClass pairs a prefix with the class of its addresses.
type rangeClass struct {
	prefix string
	class  string
}

// metadataAddrs lists cloud metadata and platform service addresses. Most
// sit inside refused ranges anyway; they are named so the recorded reason
// says what the URL was aiming at. Azure's wire server and Oracle's
// metadata service are in otherwise public or reserved space.
func metadataAddrs() []string {
	return []string{
		"169.254.169.254", // AWS, GCP, Azure, OpenStack, DigitalOcean…
		"169.254.169.253", // AWS DNS
		"169.254.169.123", // AWS time sync
		"169.254.170.2",   // AWS ECS task metadata
		"169.254.170.23",  // AWS EKS pod identity
		"100.100.100.200", // Alibaba Cloud
		"168.63.129.16",   // Azure wire server
		"192.0.0.192",     // Oracle Cloud
		"fd00:ec2::254",   // AWS over IPv6
		"fd00:ec2::23",    // AWS EKS pod identity over IPv6
		"fd00:ec2::123",   // AWS time sync over IPv6
		"fd20:ce::254",    // GCP over IPv6
	}
}

// ipv4Ranges lists the IPv4 ranges that are not reachable public unicast.
// Order matters: the first match names the class.
func ipv4Ranges() []rangeClass {
	return []rangeClass{
		{"0.0.0.0/32", ClassUnspecified},
		{"0.0.0.0/8", ClassThisNetwork},
		{"10.0.0.0/8", ClassPrivate},
		{"100.64.0.0/10", ClassCGNAT},
		{"127.0.0.0/8", ClassLoopback},
		{"169.254.0.0/16", ClassLinkLocal},
		{"172.16.0.0/12", ClassPrivate},
		{"192.0.0.0/24", ClassReserved}, // IETF protocol assignments, NAT64 discovery
		{"192.0.2.0/24", ClassDocumentation},
		{"192.88.99.0/24", ClassReserved}, // former 6to4 relay anycast
		{"192.168.0.0/16", ClassPrivate},
		{"198.18.0.0/15", ClassReserved}, // benchmarking
		{"198.51.100.0/24", ClassDocumentation},
		{"203.0.113.0/24", ClassDocumentation},
		{"224.0.0.0/4", ClassMulticast},
		{"255.255.255.255/32", ClassBroadcast},
		{"240.0.0.0/4", ClassReserved},
	}
}

// ipv6Ranges lists the IPv6 ranges inside global unicast 2000::/3 that are
// not reachable public unicast; everything outside 2000::/3 is refused
// separately. NAT64 and 6to4 prefixes are handled by embeddedIPv4.
func ipv6Ranges() []rangeClass {
	return []rangeClass{
		{"2001::/32", ClassTunnel}, // Teredo hides an IPv4 address we cannot trust
		{"2001:db8::/32", ClassDocumentation},
		{"2001::/23", ClassReserved}, // IETF protocol assignments, ORCHID
		{"3fff::/20", ClassDocumentation},
		{"5f00::/16", ClassReserved}, // SRv6 segment identifiers
	}
}

// AddressClass returns the class of ip if the fetcher must not connect to
// it, and "" if ip is public unicast. IPv4-mapped IPv6 addresses are judged
// by the IPv4 address they carry, and so are the NAT64 (64:ff9b::/96) and
// 6to4 (2002::/16) forms.
func AddressClass(ip netip.Addr) string {
	if !ip.IsValid() {
		return ClassReserved
	} else if ip.Zone() != "" {
		return ClassScoped
	}
	ip = ip.Unmap()
	for _, m := range metadataAddrs() {
		if netip.MustParseAddr(m) == ip {
			return ClassMetadata
		}
	}
	if ip.Is4() {
		return matchRanges(ip, ipv4Ranges())
	}
	return ipv6Class(ip)
}

// ipv6Class classifies an IPv6 address that is not IPv4-mapped.
func ipv6Class(ip netip.Addr) string {
	switch {
	case ip.IsUnspecified():
		return ClassUnspecified
	case ip.IsLoopback():
		return ClassLoopback
	case ip.IsMulticast():
		return ClassMulticast
	case ip.IsLinkLocalUnicast():
		return ClassLinkLocal
	case netip.MustParsePrefix("fc00::/7").Contains(ip), netip.MustParsePrefix("fec0::/10").Contains(ip):
		return ClassPrivate
	}
	if v4, ok := embeddedIPv4(ip); ok {
		return AddressClass(v4)
	}
	if netip.MustParsePrefix("64:ff9b::/16").Contains(ip) || netip.MustParsePrefix("::/96").Contains(ip) {
		// Local-use NAT64 (64:ff9b:1::/48) and deprecated IPv4-compatible
		// addresses lead into networks we cannot see.
		return ClassTunnel
	}
	if !netip.MustParsePrefix("2000::/3").Contains(ip) {
		return ClassReserved
	}
	return matchRanges(ip, ipv6Ranges())
}

// embeddedIPv4 returns the IPv4 address carried by a NAT64 well-known prefix
// address (64:ff9b::/96, RFC 6052) or a 6to4 address (2002::/16, RFC 3056).
// Both reach the IPv4 address through a translator, so that address decides.
func embeddedIPv4(ip netip.Addr) (netip.Addr, bool) {
	b := ip.As16()
	switch {
	case netip.MustParsePrefix("64:ff9b::/96").Contains(ip):
		return netip.AddrFrom4([4]byte(b[12:16])), true
	case netip.MustParsePrefix("2002::/16").Contains(ip):
		return netip.AddrFrom4([4]byte(b[2:6])), true
	}
	return netip.Addr{}, false
}

// matchRanges returns the class of the first range that contains ip, or "".
func matchRanges(ip netip.Addr, ranges []rangeClass) string {
	for _, r := range ranges {
		if netip.MustParsePrefix(r.prefix).Contains(ip) {
			return r.class
		}
	}
	return ""
}
