package loadgen

import (
	"log/slog"
	"net"
	"net/url"
	"strings"
	"time"

	"github.com/pushbench/pushbench/clients"
)

// subscriberURLs are the servers held connections dial: URLs, or URL alone.
func (c Config) subscriberURLs() []string {
	if len(c.URLs) > 0 {
		return c.URLs
	}
	return []string{c.URL}
}

// publishURLs are where the fan-out publisher publishes: PublishURLs, or
// PublishURL alone.
func (c Config) publishURLs() []string {
	if len(c.PublishURLs) > 0 {
		return c.PublishURLs
	}
	return []string{c.PublishURL}
}

// route is where one connection goes and the local address it leaves from
// (empty: the kernel's choice).
type route struct {
	url, local string
}

// routes maps connection ids to routes: connection k dials urls[k % len(urls)]
// and, of the source addresses of that URL, takes the next in turn among
// that URL's connections (its (k / len(urls))-th), so each target's
// connections spread evenly over its addresses whatever the number of
// targets. Ids are global, so every worker of a run maps a connection alike.
type routes struct {
	urls    []string
	sources [][]string // per URL; nil: unbound
}

// of is connection k's route (k is a held connection's id or a churn
// connect's event index).
func (rt routes) of(k int) route {
	n := len(rt.urls)
	u := k % n
	src := rt.sources[u]
	if len(src) == 0 {
		return route{url: rt.urls[u]}
	}
	return route{url: rt.urls[u], local: src[(k/n)%len(src)]}
}

// newRoutes decides the run's routes: the given SourceAddrs for every
// target, or the automatic choice (chooseSourceAddrs), and logs once which
// source addresses were chosen and why.
func newRoutes(c Config, log *slog.Logger) routes {
	transport := c.Transport
	rt := routes{urls: c.subscriberURLs(), sources: make([][]string, len(c.subscriberURLs()))}
	if len(c.SourceAddrs) > 0 {
		for i := range rt.sources {
			rt.sources[i] = c.SourceAddrs
		}
		log.Info("source addresses given", "transport", transport, "addrs", strings.Join(c.SourceAddrs, " "))
		return rt
	}
	ports, from := c.PortsPerSourceAddr, "PortsPerSourceAddr"
	if ports <= 0 {
		ports, from = ephemeralPorts()
	}
	choice := chooseSourceAddrs(c.targetLoads(), ports)
	rt.sources = choice.perURL
	for _, why := range choice.spread {
		log.Info("source addresses chosen", "transport", transport, "why", why, "ports_from", from)
	}
	for _, why := range choice.unspreadable {
		log.Warn("source addresses: ports may run out", "transport", transport, "why", why, "ports_from", from)
	}
	return rt
}

// targetLoads is each subscriber URL's destination and how many connections
// the run makes to it: its held connections, or for churn its connects over
// the whole schedule (a closed connection keeps its port in TIME_WAIT for a
// minute). The count is the run's, over every worker: workers on one
// machine share its ports, and map connection ids to addresses alike.
func (c Config) targetLoads() []targetLoad {
	urls := c.subscriberURLs()
	w := c.Workload
	conns := w.Connections
	if info, _ := w.Pattern.Info(); !info.Holds && w.Rate > 0 {
		span := time.Duration(w.Duration)
		if w.Warmup != nil {
			span += time.Duration(*w.Warmup)
		}
		conns = int(float64(w.Rate)*span.Seconds()) + 1
	}
	loads := make([]targetLoad, len(urls))
	for u, raw := range urls {
		n := conns / len(urls)
		if u < conns%len(urls) {
			n++
		}
		loads[u] = targetLoad{dest: destinationOf(raw), conns: n}
	}
	return loads
}

// destinationOf is the host:port a URL's connections go to (the scheme's
// port when none is given); the URL itself when it cannot be parsed.
func destinationOf(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.Hostname() == "" {
		return raw
	}
	port := u.Port()
	if port == "" {
		port = "80"
		if u.Scheme == "https" || u.Scheme == "wss" {
			port = "443"
		}
	}
	return net.JoinHostPort(u.Hostname(), port)
}

// dialFor is the transport's dial options for connection route rt.
func (r *run) dialFor(rt route) clients.DialOptions {
	opts := r.dial
	opts.LocalAddr = rt.local
	return opts
}

// probes are the routes preflight dials: the first connection to each
// target, then, for each source address not yet used, the first connection
// that leaves from it.
func (rt routes) probes() []route {
	var out []route
	used := map[string]bool{}
	n := len(rt.urls)
	for u := range rt.urls {
		first := rt.of(u)
		out = append(out, first)
		used[first.local] = true
	}
	for u, src := range rt.sources {
		for j, local := range src {
			if !used[local] {
				used[local] = true
				out = append(out, rt.of(u+j*n))
			}
		}
	}
	return out
}
