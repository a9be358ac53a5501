package urlnorm_test

import (
	"strings"
	"testing"

	"github.com/vigie-hotline/vigie"
	"github.com/vigie-hotline/vigie/urlnorm"
)

func TestNormalize(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"Unchanged", "https://example.com/a/b?x=1", "https://example.com/a/b?x=1"},
		{"SchemeAndHostCase", "HTTP://WWW.Example.COM/Path", "http://www.example.com/Path"},
		{"DefaultHTTPPort", "http://example.com:80/", "http://example.com/"},
		{"DefaultHTTPSPort", "https://example.com:443/", "https://example.com/"},
		{"OtherPortKept", "https://example.com:8443/", "https://example.com:8443/"},
		{"PortLeadingZeros", "http://example.com:0080/", "http://example.com/"},
		{"EmptyPort", "http://example.com:/a", "http://example.com/a"},
		{"EmptyPath", "http://example.com", "http://example.com/"},
		{"EmptyPathWithQuery", "http://example.com?b=2", "http://example.com/?b=2"},
		{"Fragment", "http://example.com/a#top", "http://example.com/a"},
		{"IDN", "http://bücher.example/", "http://xn--bcher-kva.example/"},
		{"IDNUpperCase", "http://BÜCHER.example/", "http://xn--bcher-kva.example/"},
		{"IDNFullwidthDot", "http://bücher。example/", "http://xn--bcher-kva.example/"},
		{"PunycodeKept", "http://XN--BCHER-KVA.example/", "http://xn--bcher-kva.example/"},
		{"TrailingDot", "http://example.com./", "http://example.com/"},
		{"Underscore", "http://my_site.example.com/", "http://my_site.example.com/"},
		{"IPv6", "http://[2001:DB8:0:0::1]:80/", "http://[2001:db8::1]/"},
		{"IPv4", "http://192.0.2.1/", "http://192.0.2.1/"},
		{"UserInfoDropped", "http://user:secret@example.com/", "http://example.com/"},
		{"DecodeUnreserved", "http://example.com/%7Euser/%41%62", "http://example.com/~user/Ab"},
		{"UpperCaseHex", "http://example.com/a%2fb%c3%a9", "http://example.com/a%2Fb%C3%A9"},
		{"EncodeUnsafe", "http://example.com/a b/é", "http://example.com/a%20b/%C3%A9"},
		{"StrayPercent", "http://example.com/100%/x", "http://example.com/100%25/x"},
		{"DotSegments", "http://example.com/a/./b/../c", "http://example.com/a/c"},
		{"DotSegmentsTrailing", "http://example.com/a/b/..", "http://example.com/a/"},
		{"DotSegmentsAboveRoot", "http://example.com/../../a", "http://example.com/a"},
		{"EncodedDotSegments", "http://example.com/a/%2E%2E/b", "http://example.com/b"},
		{"DoubleSlashKept", "http://example.com/a//b", "http://example.com/a//b"},
		{"QuerySorted", "http://example.com/?b=2&a=1&a=0", "http://example.com/?a=0&a=1&b=2"},
		{"QueryEmptyPieces", "http://example.com/?&a=1&&", "http://example.com/?a=1"},
		{"QueryEscapes", "http://example.com/?q=%7e%2f&r=a b", "http://example.com/?q=~%2F&r=a%20b"},
		{"QueryPlusKept", "http://example.com/?q=a+b", "http://example.com/?q=a+b"},
		{"TrackingUTM", "http://example.com/p?utm_source=x&id=7&UTM_Medium=y", "http://example.com/p?id=7"},
		{"TrackingClickIDs", "http://example.com/p?fbclid=1&gclid=2&msclkid=3&igshid=4&id=7", "http://example.com/p?id=7"},
		{"TrackingOnly", "http://example.com/p?utm_campaign=x", "http://example.com/p"},
		{"TrackingEscapedKey", "http://example.com/p?utm%5Fsource=x", "http://example.com/p"},
		{"NoScheme", "example.com/page", "http://example.com/page"},
		{"NoSchemeWithPort", "example.com:8080/page", "http://example.com:8080/page"},
		{"SchemeRelative", "//example.com/page", "http://example.com/page"},
		{"Whitespace", "  https://example.com/ \n", "https://example.com/"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := urlnorm.Normalize(tt.in)
			if err != nil {
				t.Fatalf("Normalize(%q): %v", tt.in, err)
			}
			if got != tt.want {
				t.Fatalf("Normalize(%q)=%q, want %q", tt.in, got, tt.want)
			}
			again, err := urlnorm.Normalize(got)
			if err != nil || again != got {
				t.Fatalf("Normalize(%q)=%q, %v; want it unchanged", got, again, err)
			}
		})
	}
}

func TestNormalize_Invalid(t *testing.T) {
	tests := []struct{ name, in string }{
		{"Empty", ""},
		{"Blank", "   "},
		{"FTP", "ftp://example.com/"},
		{"JavaScript", "javascript://example.com/%0Aalert(1)"},
		{"Mailto", "mailto:someone@example.com"},
		{"Opaque", "http:example.com"},
		{"MisspelledScheme", "htp:/x"},
		{"OneSlash", "http:/example.com/x"},
		{"EmptyPort", "example.com:/x"},
		{"NoHost", "http:///path"},
		{"BadPort", "http://example.com:99999/"},
		{"NonNumericPort", "http://example.com:http/"},
		{"IPv6Zone", "http://[fe80::1%25eth0]/"},
		{"ControlCharacter", "http://example.com/\x00"},
		{"BadIDN", "http://a\u200db.example/"},
		{"EmptyLabel", "http://a..b/"},
		{"TooLong", "http://example.com/" + strings.Repeat("a", urlnorm.MaxLength)},
		{"TooLongAfterEscaping", "http://example.com/" + strings.Repeat("%", urlnorm.MaxLength/2)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := urlnorm.Normalize(tt.in)
			if err == nil {
				t.Fatalf("Normalize(%q)=%q, want an error", tt.in, got)
			}
			if code := vigie.ErrorCode(err); code != vigie.EINVALID {
				t.Fatalf("ErrorCode=%q, want %q", code, vigie.EINVALID)
			}
		})
	}
}

func TestIsTrackingParam(t *testing.T) {
	for _, tt := range []struct {
		key  string
		want bool
	}{
		{"utm_source", true}, {"UTM_TERM", true}, {"fbclid", true}, {"gclid", true},
		{"id", false}, {"q", false}, {"utm", false}, {"page", false},
	} {
		if got := urlnorm.IsTrackingParam(tt.key); got != tt.want {
			t.Errorf("IsTrackingParam(%q)=%v, want %v", tt.key, got, tt.want)
		}
	}
}

func FuzzNormalize(f *testing.F) {
	for _, s := range []string{
		"http://example.com/", "HTTPS://Bücher.example:443/a/../%7e?utm_source=1&b=2#f",
		"example.com", "http://[::1]/", "http://a/%zz%", "//x/?&&=&", "http://x/a/./b/../..",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		got, err := urlnorm.Normalize(in)
		if err != nil {
			if vigie.ErrorCode(err) != vigie.EINVALID {
				t.Fatalf("Normalize(%q) error code %q, want %q", in, vigie.ErrorCode(err), vigie.EINVALID)
			}
			return
		}
		again, err := urlnorm.Normalize(got)
		if err != nil {
			t.Fatalf("Normalize(%q)=%q, then error %v", in, got, err)
		}
		if again != got {
			t.Fatalf("not idempotent: %q -> %q -> %q", in, got, again)
		}
	})
}
