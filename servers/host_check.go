package servers

import (
	"fmt"
	"net"
	"net/http"
	"slices"
	"strings"
)

// hostPolicy is the set of Host header names the server answers to. A page on
// an attacker's domain that re-resolves to 127.0.0.1 (DNS rebinding) reaches
// the server with the attacker's name in Host; checking it keeps such pages
// out while every legitimate client, which names the server by its address,
// loopback name or an allowed name, gets through. Ports are not compared: a
// rebinding page cannot change the name it is served from.
type hostPolicy struct {
	any   bool            // --allowed-hosts "*"
	anyIP bool            // listening on every interface: any IP literal names this machine
	names map[string]bool // lower-case names and IP literals, without port
}

// newHostPolicy accepts loopback names, the host of each listen address, and
// the allowed names.
func newHostPolicy(listen []string, allowed []string) *hostPolicy {
	p := &hostPolicy{names: map[string]bool{"localhost": true}}
	for _, a := range allowed {
		if a = normalHost(a); a == "*" {
			p.any = true
		} else if a != "" {
			p.names[a] = true
		}
	}
	for _, l := range listen {
		h := normalHost(l)
		if ip := net.ParseIP(h); h == "" || (ip != nil && ip.IsUnspecified()) {
			p.anyIP = true
		} else {
			p.names[h] = true
		}
	}
	return p
}

// normalHost is a Host header value or listen address reduced to the name:
// lower case, without port, brackets or trailing dot.
func normalHost(hostport string) string {
	h := strings.TrimSpace(hostport)
	if host, _, err := net.SplitHostPort(h); err == nil {
		h = host
	}
	h = strings.TrimSuffix(strings.TrimPrefix(h, "["), "]")
	return strings.ToLower(strings.TrimSuffix(h, "."))
}

// allows reports whether a request naming host may be served. An empty Host
// (HTTP/1.0 without one) is allowed: browsers always send it, so a rebinding
// page cannot omit it.
func (p *hostPolicy) allows(host string) bool {
	if p.any || host == "" {
		return true
	}
	h := normalHost(host)
	if p.names[h] {
		return true
	}
	if ip := net.ParseIP(h); ip != nil {
		// 0.0.0.0 and :: as a destination reach this machine's own
		// addresses, like loopback; a rebinding page names a domain instead.
		return ip.IsLoopback() || ip.IsUnspecified() || p.anyIP
	}
	return false
}

// describe lists the accepted names for the error a refused client gets.
func (p *hostPolicy) describe() string {
	names := make([]string, 0, len(p.names)+2)
	for n := range p.names {
		names = append(names, n)
	}
	slices.Sort(names)
	names = append(names, "loopback IPs")
	if p.anyIP {
		names = append(names, "any IP address")
	}
	return strings.Join(names, ", ")
}

// checkHost refuses, with 403, a request whose Host header names neither this
// server nor an allowed host, before any handler (WebSocket upgrades
// included) sees it.
func (s *Server) checkHost(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p := s.hosts.Load()
		if !p.allows(r.Host) {
			err := fmt.Errorf("host %q is not allowed", r.Host)
			s.hostile("host", r, err)
			http.Error(w, fmt.Sprintf("%v: this server answers to %s; start it with --allowed-hosts to add names", err, p.describe()), http.StatusForbidden)
			return
		}
		next.ServeHTTP(w, r)
	})
}
