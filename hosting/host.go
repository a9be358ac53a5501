package hosting

import (
	"net/netip"
	"net/url"
	"strconv"
	"strings"

	"github.com/vigie-hotline/vigie"
	"github.com/vigie-hotline/vigie/urlnorm"
)

// urlHost returns the canonical form of rawURL, its host name and, when the
// host is an IP literal, the address. Browsers read hosts such as
// "3221225985" or "0xc0.0.2.1" as IPv4 addresses; so does this function, so
// that such URLs are traced to the address the browser would reach and
// never sent to the DNS.
func urlHost(rawURL string) (norm, host string, ip netip.Addr, err error) {
	norm, err = urlnorm.Normalize(rawURL)
	if err != nil {
		return "", "", netip.Addr{}, err
	}
	u, err := url.Parse(norm)
	if err != nil {
		return "", "", netip.Addr{}, vigie.Errorf(vigie.EINVALID, "The URL is malformed.")
	}
	host = u.Hostname()
	if a, err := netip.ParseAddr(host); err == nil {
		return norm, a.Unmap().String(), a.Unmap(), nil
	}
	a, ok, err := parseIPv4Host(host)
	if err != nil {
		return "", "", netip.Addr{}, vigie.Errorf(vigie.EINVALID, "The URL has an invalid IPv4 address.")
	} else if ok {
		return norm, a.String(), a, nil
	}
	return norm, host, netip.Addr{}, nil
}

// parseIPv4Host parses host as the WHATWG URL standard's IPv4 parser does:
// a host whose last label is a number is an IPv4 address of one to four
// decimal, octal ("0" prefix) or hexadecimal ("0x" prefix) parts, the last
// part filling the remaining bytes. ok is false for a host that is a name.
func parseIPv4Host(host string) (a netip.Addr, ok bool, err error) {
	labels := strings.Split(strings.TrimSuffix(host, "."), ".")
	if !isNumber(labels[len(labels)-1]) {
		return netip.Addr{}, false, nil
	}
	if len(labels) > 4 {
		return netip.Addr{}, true, strconv.ErrRange
	}
	var parts []uint64
	for _, l := range labels {
		n, err := parseIPv4Part(l)
		if err != nil {
			return netip.Addr{}, true, err
		}
		parts = append(parts, n)
	}
	last := parts[len(parts)-1]
	if last >= 1<<(8*(5-len(parts))) {
		return netip.Addr{}, true, strconv.ErrRange
	}
	v := last
	for i, p := range parts[:len(parts)-1] {
		if p > 255 {
			return netip.Addr{}, true, strconv.ErrRange
		}
		v |= p << (8 * (3 - i))
	}
	return netip.AddrFrom4([4]byte{byte(v >> 24), byte(v >> 16), byte(v >> 8), byte(v)}), true, nil
}

// isNumber reports whether label is all digits, or "0x" and hex digits, as
// the WHATWG "ends in a number" check asks.
func isNumber(label string) bool {
	if label == "" {
		return false
	}
	if _, err := strconv.ParseUint(label, 10, 64); err == nil {
		return true
	}
	l := strings.ToLower(label)
	if !strings.HasPrefix(l, "0x") {
		return false
	}
	return strings.Trim(l[2:], "0123456789abcdef") == ""
}

// parseIPv4Part parses one part of an IPv4 host in decimal, octal or hex.
func parseIPv4Part(s string) (uint64, error) {
	l := strings.ToLower(s)
	switch {
	case l == "0x":
		return 0, nil
	case strings.HasPrefix(l, "0x"):
		return strconv.ParseUint(l[2:], 16, 32)
	case len(l) > 1 && l[0] == '0':
		return strconv.ParseUint(l[1:], 8, 32)
	}
	return strconv.ParseUint(l, 10, 32)
}
