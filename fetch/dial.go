package fetch

import (
	"context"
	"net"
	"net/netip"
	"slices"
	"strconv"
	"syscall"
)

// Resolver looks up the addresses of a host name. *net.Resolver implements
// it; tests use a stub.
type Resolver interface {
	LookupNetIP(ctx context.Context, network, host string) ([]netip.Addr, error)
}

// maxDialAddrs bounds how many of a name's addresses are tried, so that a
// name with hundreds of records cannot stretch the connect time.
const maxDialAddrs = 4

// dialContext is the transport's only way out. It resolves the host once,
// refuses the whole name if any of its addresses is refused (a mix of public
// and private answers is an attack, not a misconfiguration), and dials the
// checked addresses themselves, so a second answer from DNS (rebinding) is
// never asked for.
func (f *Fetcher) dialContext(ctx context.Context, network, address string) (net.Conn, error) {
	host, portStr, err := net.SplitHostPort(address)
	if err != nil {
		return nil, &Error{Reason: ReasonInvalidURL, Permanent: true, Err: err}
	}
	port, err := strconv.ParseUint(portStr, 10, 16)
	if err != nil {
		return nil, &Error{Reason: ReasonInvalidURL, Permanent: true, Err: err}
	}
	addrs, err := f.resolve(ctx, host)
	if err != nil {
		return nil, err
	}
	for _, ip := range addrs {
		if err := f.checkAddrPort(netip.AddrPortFrom(ip, uint16(port))); err != nil {
			return nil, err
		}
	}
	return f.dialAddrs(ctx, addrs, uint16(port))
}

// resolve returns the addresses of host; an IP literal is its own answer.
func (f *Fetcher) resolve(ctx context.Context, host string) ([]netip.Addr, error) {
	if ip, err := netip.ParseAddr(host); err == nil {
		return []netip.Addr{ip}, nil
	}
	addrs, err := f.Resolver.LookupNetIP(ctx, "ip", host)
	if err != nil {
		return nil, classify(ctx, err)
	}
	if len(addrs) == 0 {
		return nil, &Error{Reason: ReasonDNSFailure, Permanent: true, Addr: host}
	}
	return addrs, nil
}

// checkAddrPort returns an *Error if the fetcher must not connect to ap.
// AllowLoopback opens loopback addresses, on any port, and nothing else.
func (f *Fetcher) checkAddrPort(ap netip.AddrPort) error {
	class := AddressClass(ap.Addr())
	loopback := class == ClassLoopback && f.AllowLoopback
	if class != "" && !loopback {
		return &Error{Reason: ReasonRefusedAddress, Permanent: true, Addr: ap.Addr().String(), Class: class}
	}
	if !loopback && !slices.Contains(f.AllowedPorts, int(ap.Port())) {
		return &Error{Reason: ReasonRefusedPort, Permanent: true, Addr: ap.String()}
	}
	return nil
}

// dialAddrs connects to the first of addrs that answers.
func (f *Fetcher) dialAddrs(ctx context.Context, addrs []netip.Addr, port uint16) (net.Conn, error) {
	d := net.Dialer{Timeout: f.ConnectTimeout, ControlContext: f.control}
	var last error
	for i, ip := range addrs {
		if i == maxDialAddrs {
			break
		}
		ap := netip.AddrPortFrom(ip.Unmap(), port)
		dial := d.DialContext
		if f.testDial != nil {
			dial = f.testDial
		}
		conn, err := dial(ctx, "tcp", ap.String())
		if err == nil {
			return conn, nil
		}
		last = err
	}
	e := classify(ctx, last)
	if e.Reason == ReasonNetwork {
		e.Reason = ReasonConnectFailure
	}
	return nil, e
}

// control runs just before the socket connects, on the exact address the
// kernel is given. It repeats the address check as a last line of defence:
// whatever path led here, no connection reaches a refused address.
func (f *Fetcher) control(ctx context.Context, network, address string, c syscall.RawConn) error {
	ap, err := netip.ParseAddrPort(address)
	if err != nil {
		return &Error{Reason: ReasonInvalidURL, Permanent: true, Addr: address, Err: err}
	}
	return f.checkAddrPort(ap)
}
