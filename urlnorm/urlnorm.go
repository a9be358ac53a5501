// Package urlnorm turns a reported URL into the canonical string that Vigie
// uses to tell whether two reports point at the same resource.
//
// It is a leaf package: it imports only the standard library, the root
// package vigie (for coded errors) and golang.org/x/net/idna, so intake,
// storage and the fetcher may all use it without importing each other.
package urlnorm

import (
	"net/netip"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/vigie-hotline/vigie"
	"golang.org/x/net/idna"
)

// MaxLength is the longest URL Normalize accepts, in bytes. Browsers and
// servers rarely accept more; anything longer is hostile or broken.
const MaxLength = 8192

// Normalize returns the canonical form of rawURL:
//
//   - a missing scheme is taken to be http (people paste "example.com/page");
//   - only http and https are accepted, in lower case;
//   - the host is lower case, an internationalised name is converted to
//     punycode, a trailing dot is removed and an IPv6 literal is compressed;
//   - the default port (80 for http, 443 for https) is removed;
//   - user name and password are removed: credentials do not identify content
//     and must not be stored;
//   - percent-encoding is normalised: unreserved characters are decoded, other
//     escapes use upper-case hex, bytes that must be escaped are escaped, and
//     a stray "%" becomes "%25";
//   - dot segments are removed from the path and an empty path becomes "/";
//   - the fragment is dropped;
//   - tracking parameters (utm_*, fbclid, gclid…; see IsTrackingParam) are
//     removed, and the remaining query parameters are sorted.
//
// Normalize is idempotent. It returns an error with code vigie.EINVALID if
// rawURL is not an absolute http or https URL with a host.
func Normalize(rawURL string) (string, error) {
	u, err := parse(rawURL)
	if err != nil {
		return "", err
	}
	host, err := normHost(u.Hostname())
	if err != nil {
		return "", err
	}
	port, err := normPort(u.Scheme, u.Port())
	if err != nil {
		return "", err
	}
	var b strings.Builder
	b.WriteString(u.Scheme)
	b.WriteString("://")
	b.WriteString(host)
	if port != "" {
		b.WriteString(":" + port)
	}
	b.WriteString(removeDotSegments(normEscapes(u.EscapedPath(), isPathByte)))
	if q := normQuery(u.RawQuery); q != "" {
		b.WriteString("?" + q)
	}
	if b.Len() > MaxLength {
		// Escaping can lengthen a URL; a canonical form must itself be
		// accepted, or Normalize would not be idempotent.
		return "", vigie.Errorf(vigie.EINVALID, "The URL is longer than %d bytes.", MaxLength)
	}
	return b.String(), nil
}

// parse checks the outer shape of rawURL and parses it. Stray "%" signs are
// escaped first, because net/url rejects them while browsers accept them.
func parse(rawURL string) (*url.URL, error) {
	s := strings.TrimSpace(rawURL)
	if s == "" {
		return nil, vigie.Errorf(vigie.EINVALID, "The URL is empty.")
	} else if len(s) > MaxLength {
		return nil, vigie.Errorf(vigie.EINVALID, "The URL is longer than %d bytes.", MaxLength)
	}
	if !hasScheme(s) {
		if hasOtherScheme(s) {
			return nil, vigie.Errorf(vigie.EINVALID, "The URL does not start with http:// or https://.")
		}
		s = "http://" + strings.TrimPrefix(s, "//")
	}
	u, err := url.Parse(fixStrayPercents(s))
	if err != nil {
		return nil, vigie.Errorf(vigie.EINVALID, "The URL is malformed.")
	}
	u.Scheme = strings.ToLower(u.Scheme)
	if u.Scheme != "http" && u.Scheme != "https" {
		return nil, vigie.Errorf(vigie.EINVALID, "The URL does not start with http:// or https://.")
	} else if u.Opaque != "" || u.Host == "" {
		return nil, vigie.Errorf(vigie.EINVALID, "The URL has no host name.")
	}
	return u, nil
}

// hasScheme reports whether s starts with "scheme://". A bare "host:port/x"
// would otherwise parse as scheme "host".
func hasScheme(s string) bool {
	i := strings.Index(s, "://")
	if i <= 0 {
		return false
	}
	for j, c := range []byte(s[:i]) {
		isAlpha := 'a' <= c|0x20 && c|0x20 <= 'z'
		if !isAlpha && (j == 0 || !strings.ContainsRune("0123456789+-.", rune(c))) {
			return false
		}
	}
	return true
}

// hasOtherScheme reports whether s, which has no "://", starts with a scheme
// such as "mailto:" or "http:" rather than "host:port". A colon with no
// port after it ("htp:/x", "http:/x") is a mistyped scheme, not an empty
// port: taken for a host, "htp" would be fetched.
func hasOtherScheme(s string) bool {
	authority, _, _ := strings.Cut(s, "/")
	_, after, found := strings.Cut(authority, ":")
	if !found {
		return false
	}
	_, err := strconv.Atoi(after)
	return err != nil
}

// fixStrayPercents escapes every "%" that does not start a valid escape.
func fixStrayPercents(s string) string {
	if !strings.Contains(s, "%") {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '%' && (i+2 >= len(s) || !isHex(s[i+1]) || !isHex(s[i+2])) {
			b.WriteString("%25")
			continue
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// normHost returns host in canonical form: an IPv6 literal in brackets,
// compressed; a name in lower-case ASCII with punycode labels.
func normHost(host string) (string, error) {
	if strings.Contains(host, ":") {
		ip, err := netip.ParseAddr(host)
		if err != nil || ip.Zone() != "" {
			return "", vigie.Errorf(vigie.EINVALID, "The URL has an invalid IPv6 address.")
		}
		return "[" + ip.String() + "]", nil
	}
	ascii, err := HostToASCII(host)
	if err != nil {
		return "", vigie.Errorf(vigie.EINVALID, "The URL has an invalid host name.")
	}
	return ascii, nil
}

// HostToASCII returns host in lower-case ASCII, with internationalised labels
// converted to punycode (UTS #46 lookup mapping, non-transitional, as
// browsers do) and without a trailing dot. Underscores are accepted, as
// browsers accept them, because abusive sites use such names too.
func HostToASCII(host string) (string, error) {
	host = strings.TrimSuffix(host, ".")
	if isASCII(host) {
		host = strings.ToLower(host)
	} else {
		p := idna.New(idna.MapForLookup(), idna.Transitional(false),
			idna.StrictDomainName(false), idna.CheckHyphens(false), idna.BidiRule())
		a, err := p.ToASCII(host)
		if err != nil {
			return "", err
		}
		host = strings.TrimSuffix(strings.ToLower(a), ".")
	}
	if host == "" || strings.HasPrefix(host, ".") || strings.HasSuffix(host, ".") || strings.Contains(host, "..") {
		return "", vigie.Errorf(vigie.EINVALID, "The host name %q is invalid.", host)
	}
	// Only what RFC 3986 allows in a registered name (unreserved and
	// sub-delims): an IDN mapping can yield others ("︸" maps to "}") that
	// no URL parser would read back.
	for _, c := range []byte(host) {
		ok := c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || strings.IndexByte("-._~!$&'()*+,;=", c) >= 0
		if !ok {
			return "", vigie.Errorf(vigie.EINVALID, "The host name %q is invalid.", host)
		}
	}
	return host, nil
}

// normPort returns the port to keep: "" for the scheme's default or none.
func normPort(scheme, port string) (string, error) {
	if port == "" {
		return "", nil
	}
	n, err := strconv.Atoi(port)
	if err != nil || n < 1 || n > 65535 {
		return "", vigie.Errorf(vigie.EINVALID, "The URL has an invalid port.")
	}
	if (scheme == "http" && n == 80) || (scheme == "https" && n == 443) {
		return "", nil
	}
	return strconv.Itoa(n), nil
}

// normQuery drops empty and tracking parameters, normalises the escapes of
// the others and sorts them. Order is lost on purpose: the same page with
// parameters in another order is the same report.
func normQuery(raw string) string {
	var kept []string
	for _, p := range strings.Split(raw, "&") {
		if p == "" {
			continue
		}
		p = normEscapes(p, isQueryByte)
		key, _, _ := strings.Cut(p, "=")
		if k, err := url.QueryUnescape(key); err == nil && IsTrackingParam(k) {
			continue
		}
		kept = append(kept, p)
	}
	slices.Sort(kept)
	return strings.Join(kept, "&")
}

// IsTrackingParam reports whether the query parameter key only tracks
// clicks or campaigns and never selects content: utm_* and the click
// identifiers of the large advertising and mailing platforms.
func IsTrackingParam(key string) bool {
	key = strings.ToLower(key)
	if strings.HasPrefix(key, "utm_") {
		return true
	}
	switch key {
	case "fbclid", "gclid", "gclsrc", "dclid", "gbraid", "wbraid", "msclkid",
		"yclid", "ysclid", "twclid", "ttclid", "igshid", "igsh", "li_fat_id",
		"mc_cid", "mc_eid", "mkt_tok", "_ga", "_gl", "_hsenc", "_hsmi",
		"__hssc", "__hstc", "__hsfp", "hsctatracking", "oly_anon_id",
		"oly_enc_id", "vero_id", "vero_conv", "rb_clickid", "s_kwcid",
		"ef_id", "_openstat", "wickedid", "srsltid":
		return true
	}
	return false
}

// removeDotSegments applies RFC 3986 section 5.2.4 to an absolute path and
// turns an empty path into "/".
func removeDotSegments(p string) string {
	if p == "" {
		return "/"
	}
	segs := strings.Split(p, "/")[1:]
	out := make([]string, 0, len(segs))
	for i, s := range segs {
		last := i == len(segs)-1
		switch s {
		case ".":
		case "..":
			if len(out) > 0 {
				out = out[:len(out)-1]
			}
		default:
			out = append(out, s)
			continue
		}
		if last {
			out = append(out, "")
		}
	}
	return "/" + strings.Join(out, "/")
}

// normEscapes rewrites s so that unreserved characters are literal, other
// escapes use upper-case hex, and bytes for which keep returns false are
// escaped. Reserved characters keep their escaped or literal form, because
// "/" and "%2F" mean different things to a server.
func normEscapes(s string, keep func(byte) bool) string {
	const hex = "0123456789ABCDEF"
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '%' && i+2 < len(s) && isHex(s[i+1]) && isHex(s[i+2]):
			d := unhex(s[i+1])<<4 | unhex(s[i+2])
			if isUnreserved(d) {
				b.WriteByte(d)
			} else {
				b.WriteByte('%')
				b.WriteByte(hex[d>>4])
				b.WriteByte(hex[d&15])
			}
			i += 2
		case c != '%' && keep(c):
			b.WriteByte(c)
		default:
			b.WriteByte('%')
			b.WriteByte(hex[c>>4])
			b.WriteByte(hex[c&15])
		}
	}
	return b.String()
}

// isUnreserved reports whether c is an RFC 3986 unreserved character.
func isUnreserved(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' ||
		c == '-' || c == '.' || c == '_' || c == '~'
}

// isPathByte reports whether c may appear literally in a path (pchar or "/").
func isPathByte(c byte) bool {
	return isUnreserved(c) || strings.IndexByte("!$&'()*+,;=:@/", c) >= 0
}

// isQueryByte reports whether c may appear literally in one query parameter.
// "&" never reaches it: it separates parameters.
func isQueryByte(c byte) bool {
	return isPathByte(c) || c == '?'
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

func unhex(c byte) byte {
	switch {
	case c <= '9':
		return c - '0'
	case c <= 'F':
		return c - 'A' + 10
	}
	return c - 'a' + 10
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}
