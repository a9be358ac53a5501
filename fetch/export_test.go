package fetch

import (
	"context"
	"net"
)

// SetTestDial makes f dial every checked address with dial instead of the
// network, so tests can stand in for public addresses on loopback.
func (f *Fetcher) SetTestDial(dial func(ctx context.Context, network, address string) (net.Conn, error)) {
	f.testDial = dial
}
