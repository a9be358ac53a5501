package fetch_test

import (
	"net/netip"
	"testing"

	"github.com/vigie-hotline/vigie/fetch"
)

func TestAddressClass(t *testing.T) {
	tests := []struct {
		addr, want string
	}{
		{"93.184.215.14", ""},
		{"8.8.8.8", ""},
		{"2606:4700::1111", ""},
		{"0.0.0.0", fetch.ClassUnspecified},
		{"::", fetch.ClassUnspecified},
		{"0.1.2.3", fetch.ClassThisNetwork},
		{"127.0.0.1", fetch.ClassLoopback},
		{"127.255.0.9", fetch.ClassLoopback},
		{"::1", fetch.ClassLoopback},
		{"::ffff:127.0.0.1", fetch.ClassLoopback},
		{"10.1.2.3", fetch.ClassPrivate},
		{"172.16.0.1", fetch.ClassPrivate},
		{"172.31.255.255", fetch.ClassPrivate},
		{"192.168.1.1", fetch.ClassPrivate},
		{"::ffff:10.0.0.1", fetch.ClassPrivate},
		{"::ffff:192.168.0.1", fetch.ClassPrivate},
		{"fc00::1", fetch.ClassPrivate},
		{"fd12:3456::1", fetch.ClassPrivate},
		{"fec0::1", fetch.ClassPrivate},
		{"169.254.1.1", fetch.ClassLinkLocal},
		{"fe80::1", fetch.ClassLinkLocal},
		{"100.64.0.1", fetch.ClassCGNAT},
		{"100.127.255.254", fetch.ClassCGNAT},
		{"224.0.0.1", fetch.ClassMulticast},
		{"239.255.255.250", fetch.ClassMulticast},
		{"ff02::1", fetch.ClassMulticast},
		{"255.255.255.255", fetch.ClassBroadcast},
		{"240.0.0.1", fetch.ClassReserved},
		{"198.18.0.1", fetch.ClassReserved},
		{"192.0.0.8", fetch.ClassReserved},
		{"192.0.2.1", fetch.ClassDocumentation},
		{"198.51.100.1", fetch.ClassDocumentation},
		{"203.0.113.1", fetch.ClassDocumentation},
		{"2001:db8::1", fetch.ClassDocumentation},
		{"169.254.169.254", fetch.ClassMetadata},
		{"::ffff:169.254.169.254", fetch.ClassMetadata},
		{"169.254.170.2", fetch.ClassMetadata},
		{"100.100.100.200", fetch.ClassMetadata},
		{"168.63.129.16", fetch.ClassMetadata},
		{"192.0.0.192", fetch.ClassMetadata},
		{"fd00:ec2::254", fetch.ClassMetadata},
		{"64:ff9b::7f00:1", fetch.ClassLoopback},                    // NAT64 of 127.0.0.1
		{"64:ff9b::a9fe:a9fe", fetch.ClassMetadata},                 // NAT64 of 169.254.169.254
		{"64:ff9b::5db8:d70e", ""},                                  // NAT64 of a public address
		{"64:ff9b:1::a00:1", fetch.ClassTunnel},                     // local-use NAT64
		{"2002:7f00:1::1", fetch.ClassLoopback},                     // 6to4 of 127.0.0.1
		{"2002:c0a8:101::1", fetch.ClassPrivate},                    // 6to4 of 192.168.1.1
		{"2002:5db8:d70e::1", ""},                                   // 6to4 of a public address
		{"2001:0:4136:e378:8000:63bf:3fff:fdd2", fetch.ClassTunnel}, // Teredo
		{"::7f00:1", fetch.ClassTunnel},                             // IPv4-compatible 127.0.0.1
		{"100::1", fetch.ClassReserved},                             // discard prefix, outside 2000::/3
		{"3fff::1", fetch.ClassDocumentation},
		{"fe80::1%eth0", fetch.ClassScoped},
	}
	for _, tt := range tests {
		t.Run(tt.addr, func(t *testing.T) {
			if got := fetch.AddressClass(netip.MustParseAddr(tt.addr)); got != tt.want {
				t.Fatalf("AddressClass(%s)=%q, want %q", tt.addr, got, tt.want)
			}
		})
	}
}
