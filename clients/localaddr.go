package clients

import (
	"fmt"
	"net"
	"time"
)

// netDialer is the TCP dialer of one connection: keepAlive as given (0:
// Go's default), its local side bound to localAddr (port 0) when that is
// set (DialOptions.LocalAddr), so connections of one generator can leave
// from several source addresses and one source/destination pair's
// ephemeral ports do not run out. An address that is not an IP is an error
// naming it.
func netDialer(localAddr string, keepAlive time.Duration) (*net.Dialer, error) {
	d := &net.Dialer{KeepAlive: keepAlive}
	if localAddr == "" {
		return d, nil
	}
	ip := net.ParseIP(localAddr)
	if ip == nil {
		return nil, fmt.Errorf("local address %q: not an IP address", localAddr)
	}
	d.LocalAddr = &net.TCPAddr{IP: ip}
	d.Control = bindWithoutPort
	return d, nil
}
