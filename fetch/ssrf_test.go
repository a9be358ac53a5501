package fetch_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"testing"

	"github.com/vigie-hotline/vigie/fetch"
)

// refusedAddrs has one address for each refused class.
func refusedAddrs() []struct{ name, addr, class string } {
	return []struct{ name, addr, class string }{
		{"ErrLoopbackAddress", "127.0.0.1", fetch.ClassLoopback},
		{"ErrLoopbackIPv6Address", "::1", fetch.ClassLoopback},
		{"ErrPrivateAddress", "10.0.0.1", fetch.ClassPrivate},
		{"ErrPrivate172Address", "172.20.0.1", fetch.ClassPrivate},
		{"ErrPrivate192Address", "192.168.0.10", fetch.ClassPrivate},
		{"ErrPrivateULAAddress", "fd00::1", fetch.ClassPrivate},
		{"ErrLinkLocalAddress", "169.254.10.10", fetch.ClassLinkLocal},
		{"ErrLinkLocalIPv6Address", "fe80::1", fetch.ClassLinkLocal},
		{"ErrCGNATAddress", "100.64.1.1", fetch.ClassCGNAT},
		{"ErrMulticastAddress", "224.0.0.251", fetch.ClassMulticast},
		{"ErrMulticastIPv6Address", "ff05::2", fetch.ClassMulticast},
		{"ErrUnspecifiedAddress", "0.0.0.0", fetch.ClassUnspecified},
		{"ErrUnspecifiedIPv6Address", "::", fetch.ClassUnspecified},
		{"ErrBroadcastAddress", "255.255.255.255", fetch.ClassBroadcast},
		{"ErrThisNetworkAddress", "0.1.2.3", fetch.ClassThisNetwork},
		{"ErrReservedAddress", "240.1.2.3", fetch.ClassReserved},
		{"ErrMetadataAddress", "169.254.169.254", fetch.ClassMetadata},
		{"ErrMetadataAlibabaAddress", "100.100.100.200", fetch.ClassMetadata},
		{"ErrMetadataAzureAddress", "168.63.129.16", fetch.ClassMetadata},
		{"ErrMetadataIPv6Address", "fd00:ec2::254", fetch.ClassMetadata},
		{"ErrMappedLoopbackAddress", "::ffff:127.0.0.1", fetch.ClassLoopback},
		{"ErrMappedPrivateAddress", "::ffff:10.1.1.1", fetch.ClassPrivate},
		{"ErrMappedMetadataAddress", "::ffff:169.254.169.254", fetch.ClassMetadata},
		{"ErrNAT64LoopbackAddress", "64:ff9b::7f00:1", fetch.ClassLoopback},
		{"Err6to4PrivateAddress", "2002:a00:1::1", fetch.ClassPrivate},
	}
}

// TestFetch_RefusedAddress resolves a name to each refused class, with and
// without AllowLoopback, and checks that the fetch is refused with the class
// and that no connection is even attempted.
func TestFetch_RefusedAddress(t *testing.T) {
	srv := newRecorder(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	for _, allowLoopback := range []bool{false, true} {
		for _, tt := range refusedAddrs() {
			if allowLoopback && tt.class == fetch.ClassLoopback {
				continue // tested to succeed in TestFetch_AllowLoopback
			}
			t.Run(fmt.Sprintf("%s/AllowLoopback=%v", tt.name, allowLoopback), func(t *testing.T) {
				r := newResolver().Set("victim.test", tt.addr)
				f := newTestFetcher(r, allowLoopback, srv.Port())
				var dials dialLog
				f.SetTestDial(dials.dialTo(srv.Listener.Addr().String()))
				for _, u := range []string{srv.URLFor("victim.test", "/"), srv.URLFor(tt.addr, "/")} {
					_, err := f.Fetch(context.Background(), u)
					fe := mustFetchError(t, err)
					if got, want := fe.Reason, fetch.ReasonRefusedAddress; got != want {
						t.Fatalf("%s: Reason=%v, want %v (%v)", u, got, want, err)
					}
					if got, want := fe.Class, tt.class; got != want {
						t.Fatalf("%s: Class=%v, want %v", u, got, want)
					}
					if !fe.Permanent {
						t.Fatalf("%s: Permanent=false, want true", u)
					}
					if !errors.Is(err, &fetch.Error{Reason: fetch.ReasonRefusedAddress, Class: tt.class}) {
						t.Fatalf("errors.Is(%v, refused %s)=false", err, tt.class)
					}
				}
				if got := dials.Addrs(); len(got) != 0 {
					t.Fatalf("dialled %v, want no dial", got)
				}
				if got := srv.Conns(); got != 0 {
					t.Fatalf("server got %d connections, want 0", got)
				}
			})
		}
	}
}

// TestFetch_MixedAnswers refuses a name if any of its addresses is refused,
// even when a public one comes first.
func TestFetch_MixedAnswers(t *testing.T) {
	srv := newRecorder(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	r := newResolver().Set("victim.test", "93.184.215.14", "10.0.0.1")
	f := newTestFetcher(r, false, srv.Port())
	var dials dialLog
	f.SetTestDial(dials.dialTo(srv.Listener.Addr().String()))
	_, err := f.Fetch(context.Background(), srv.URLFor("victim.test", "/"))
	if got, want := fetch.ReasonOf(err), fetch.ReasonRefusedAddress; got != want {
		t.Fatalf("Reason=%v, want %v (%v)", got, want, err)
	}
	if got := dials.Addrs(); len(got) != 0 {
		t.Fatalf("dialled %v, want no dial", got)
	}
}

// TestFetch_DNSRebinding uses a name that resolves to a public address
// first and to loopback afterwards. The fetcher must connect to the address
// it checked and never ask again.
func TestFetch_DNSRebinding(t *testing.T) {
	srv := newRecorder(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte("public content"))
	}))
	r := newResolver().Sequence("rebind.test", []string{"93.184.215.14"}, []string{"127.0.0.1"})
	f := newTestFetcher(r, false, srv.Port())
	var dials dialLog
	f.SetTestDial(dials.dialTo(srv.Listener.Addr().String()))
	item, err := f.Fetch(context.Background(), srv.URLFor("rebind.test", "/"))
	if err != nil {
		t.Fatal(err)
	}
	want := fmt.Sprintf("93.184.215.14:%d", srv.Port())
	if got := dials.Addrs(); len(got) != 1 || got[0] != want {
		t.Fatalf("dialled %v, want [%s]", got, want)
	}
	if got, want := r.Calls("rebind.test"), 1; got != want {
		t.Fatalf("lookups=%d, want %d", got, want)
	}
	if got, want := string(item.Body), "public content"; got != want {
		t.Fatalf("Body=%q, want %q", got, want)
	}

	t.Run("ErrLoopbackAddress", func(t *testing.T) {
		// The reverse order: private first, public afterwards.
		r := newResolver().Sequence("rebind.test", []string{"127.0.0.1"}, []string{"93.184.215.14"})
		f := newTestFetcher(r, false, srv.Port())
		var dials dialLog
		f.SetTestDial(dials.dialTo(srv.Listener.Addr().String()))
		_, err := f.Fetch(context.Background(), srv.URLFor("rebind.test", "/"))
		if got, want := fetch.ReasonOf(err), fetch.ReasonRefusedAddress; got != want {
			t.Fatalf("Reason=%v, want %v (%v)", got, want, err)
		}
		if got := dials.Addrs(); len(got) != 0 {
			t.Fatalf("dialled %v, want no dial", got)
		}
	})
}

// TestFetch_RedirectToRefusedAddress starts on an allowed server that
// redirects to each refused class, by name and by literal.
func TestFetch_RedirectToRefusedAddress(t *testing.T) {
	victim := newRecorder(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	for _, tt := range refusedAddrs() {
		for _, byName := range []bool{true, false} {
			t.Run(fmt.Sprintf("%s/ByName=%v", tt.name, byName), func(t *testing.T) {
				target := victim.URLFor(tt.addr, "/secret")
				if byName {
					target = victim.URLFor("internal.test", "/secret")
				}
				origin := newRecorder(t, http.RedirectHandler(target, http.StatusFound))
				r := newResolver().Set("origin.test", "93.184.215.14").Set("internal.test", tt.addr)
				f := newTestFetcher(r, false, origin.Port(), victim.Port())
				var dials dialLog
				f.SetTestDial(dials.dialTo(origin.Listener.Addr().String()))
				_, err := f.Fetch(context.Background(), origin.URLFor("origin.test", "/"))
				fe := mustFetchError(t, err)
				if got, want := fe.Reason, fetch.ReasonRefusedAddress; got != want {
					t.Fatalf("Reason=%v, want %v (%v)", got, want, err)
				}
				if got, want := fe.URL, target; got != want {
					t.Fatalf("URL=%q, want %q", got, want)
				}
				if fe.Evidence == nil || len(fe.Evidence.Redirects) != 1 || fe.Evidence.Redirects[0].Location != target {
					t.Fatalf("Evidence=%+v, want one redirect to %s", fe.Evidence, target)
				}
				if got := dials.Addrs(); len(got) != 1 {
					t.Fatalf("dialled %v, want only the origin", got)
				}
				if got := victim.Conns(); got != 0 {
					t.Fatalf("refused server got %d connections, want 0", got)
				}
			})
		}
	}
}

// TestFetch_AllowLoopback reaches a loopback server on any port, by name
// and by literal, when AllowLoopback is set.
func TestFetch_AllowLoopback(t *testing.T) {
	srv := newRecorder(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte("ok"))
	}))
	r := newResolver().Set("site.test", "127.0.0.1")
	f := newTestFetcher(r, true)
	for _, u := range []string{srv.URL + "/", srv.URLFor("site.test", "/"), srv.URLFor("::ffff:127.0.0.1", "/")} {
		item, err := f.Fetch(context.Background(), u)
		if err != nil {
			t.Fatalf("Fetch(%s): %v", u, err)
		}
		if got, want := item.Evidence.RemoteAddr, srv.Listener.Addr().String(); got != want {
			t.Fatalf("RemoteAddr=%v, want %v", got, want)
		}
	}
}

func TestFetch_RefusedURL(t *testing.T) {
	tests := []struct {
		name, url string
		reason    fetch.Reason
	}{
		{"ErrSchemeFile", "file:///etc/passwd", fetch.ReasonRefusedScheme},
		{"ErrSchemeFTP", "ftp://site.test/x.jpg", fetch.ReasonRefusedScheme},
		{"ErrSchemeGopher", "gopher://site.test:70/_GET", fetch.ReasonRefusedScheme},
		{"ErrSchemeJavaScript", "javascript:alert(1)", fetch.ReasonRefusedScheme},
		{"ErrSchemeData", "data:image/png;base64,AAAA", fetch.ReasonRefusedScheme},
		{"ErrPortSSH", "http://site.test:22/", fetch.ReasonRefusedPort},
		{"ErrPortRedis", "http://site.test:6379/", fetch.ReasonRefusedPort},
		{"ErrPortLiteral", "http://93.184.215.14:25/", fetch.ReasonRefusedPort},
		{"ErrShortNumericHost", "http://127.1/", fetch.ReasonInvalidURL},
		{"ErrHexHost", "http://0x7f.1/", fetch.ReasonInvalidURL},
		{"ErrDecimalHost", "http://2130706433/", fetch.ReasonInvalidURL},
		{"ErrOctalHost", "http://0177.0.0.1/", fetch.ReasonInvalidURL},
		{"ErrZone", "http://[fe80::1%25eth0]/", fetch.ReasonInvalidURL},
		{"ErrNoHost", "http:///x", fetch.ReasonInvalidURL},
		{"ErrMalformed", "http://site.test:99999/", fetch.ReasonInvalidURL},
		{"ErrControl", "http://site.test/\x7f\x00", fetch.ReasonInvalidURL},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := newResolver().Set("site.test", "93.184.215.14")
			f := newTestFetcher(r, false)
			var dials dialLog
			f.SetTestDial(dials.dialTo("127.0.0.1:1"))
			_, err := f.Fetch(context.Background(), tt.url)
			fe := mustFetchError(t, err)
			if got, want := fe.Reason, tt.reason; got != want {
				t.Fatalf("Reason=%v, want %v (%v)", got, want, err)
			}
			if !fe.Permanent {
				t.Fatalf("Permanent=false, want true")
			}
			if got := r.Calls("site.test") + len(dials.Addrs()); got != 0 {
				t.Fatalf("%d lookups or dials, want none", got)
			}
		})
	}
}

func TestFetch_DNSFailure(t *testing.T) {
	t.Run("ErrNotFound", func(t *testing.T) {
		f := newTestFetcher(newResolver(), false)
		_, err := f.Fetch(context.Background(), "http://nowhere.test/")
		fe := mustFetchError(t, err)
		if got, want := fe.Reason, fetch.ReasonDNSFailure; got != want {
			t.Fatalf("Reason=%v, want %v", got, want)
		}
		if !fe.Permanent {
			t.Fatal("Permanent=false, want true")
		}
	})
	t.Run("ErrTemporary", func(t *testing.T) {
		r := newResolver()
		r.errs["flaky.test"] = &net.DNSError{Err: "server misbehaving", Name: "flaky.test", IsTemporary: true}
		f := newTestFetcher(r, false)
		_, err := f.Fetch(context.Background(), "http://flaky.test/")
		fe := mustFetchError(t, err)
		if got, want := fe.Reason, fetch.ReasonDNSFailure; got != want {
			t.Fatalf("Reason=%v, want %v", got, want)
		}
		if fe.Permanent {
			t.Fatal("Permanent=true, want false")
		}
	})
}
