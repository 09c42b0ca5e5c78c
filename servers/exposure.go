package servers

import (
	"errors"
	"fmt"
	"net"
)

// ErrTokenRequired is why Serve refuses a listener other hosts can reach when
// no publish token is configured: anyone who can connect could otherwise
// broadcast to every subscriber.
var ErrTokenRequired = errors.New("a publish token is required when listening on a non-loopback address")

// CheckExposure reports whether a server with cfg may listen on addr: off
// loopback, /publish must be protected by cfg.PublishToken. Serve checks it;
// the serve command checks it too, before announcing the address.
func CheckExposure(cfg Config, addr net.Addr) error {
	if cfg.PublishToken == "" && !isLoopbackAddr(addr) {
		return fmt.Errorf("listen on %s: %w", addr, ErrTokenRequired)
	}
	return nil
}

// isLoopbackAddr reports whether only this machine can reach addr. Addresses
// that are not TCP (a Unix socket, a test's pipe) are local by nature.
func isLoopbackAddr(addr net.Addr) bool {
	tcp, ok := addr.(*net.TCPAddr)
	if !ok {
		return true
	}
	return tcp.IP.IsLoopback()
}

// bindsAllInterfaces reports whether addr is the unspecified address (":PORT",
// 0.0.0.0, [::]), which every network this machine is on can reach.
func bindsAllInterfaces(addr net.Addr) bool {
	tcp, ok := addr.(*net.TCPAddr)
	return ok && (tcp.IP == nil || tcp.IP.IsUnspecified())
}
