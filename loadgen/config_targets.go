package loadgen

import (
	"errors"
	"fmt"
	"net"
	"net/url"
)

// validateTargets checks the lists of several targets and source
// addresses, each error naming the entry: a target list's URLs must parse,
// name a host, appear once and share one scheme (the servers of one
// service speak one protocol); source addresses must be IP addresses, each
// once.
func (c Config) validateTargets() []error {
	var errs []error
	if c.URL == "" && len(c.URLs) == 0 {
		errs = append(errs, errors.New("no target URL"))
	}
	errs = append(errs, checkURLList("URLs", c.URLs)...)
	errs = append(errs, checkURLList("PublishURLs", c.PublishURLs)...)
	seen := map[string]int{}
	for i, a := range c.SourceAddrs {
		ip := net.ParseIP(a)
		if ip == nil {
			errs = append(errs, fmt.Errorf("SourceAddrs[%d] %q: not an IP address", i, a))
			continue
		}
		if j, dup := seen[ip.String()]; dup {
			errs = append(errs, fmt.Errorf("SourceAddrs[%d] %q: same as SourceAddrs[%d]", i, a, j))
			continue
		}
		seen[ip.String()] = i
	}
	if c.PortsPerSourceAddr < 0 {
		errs = append(errs, fmt.Errorf("PortsPerSourceAddr %d: want 0 (from the ephemeral port range) or more", c.PortsPerSourceAddr))
	}
	return errs
}

// checkURLList checks one list of targets, naming each bad entry as
// name[i].
func checkURLList(name string, urls []string) []error {
	var errs []error
	seen := map[string]int{}
	scheme, first := "", 0
	for i, raw := range urls {
		u, err := url.Parse(raw)
		switch {
		case raw == "":
			errs = append(errs, fmt.Errorf("%s[%d]: empty URL", name, i))
			continue
		case err != nil:
			errs = append(errs, fmt.Errorf("%s[%d] %q: %w", name, i, raw, err))
			continue
		case u.Scheme == "" || u.Host == "":
			errs = append(errs, fmt.Errorf("%s[%d] %q: want SCHEME://HOST[:PORT]/...", name, i, raw))
			continue
		}
		if j, dup := seen[raw]; dup {
			errs = append(errs, fmt.Errorf("%s[%d] %q: same as %s[%d] (one server would get twice the share)", name, i, raw, name, j))
			continue
		}
		seen[raw] = i
		if scheme == "" {
			scheme, first = u.Scheme, i
		} else if u.Scheme != scheme {
			errs = append(errs, fmt.Errorf("%s[%d] %q: scheme %s, but %s[%d] is %s: the servers of one target speak one protocol", name, i, raw, u.Scheme, name, first, scheme))
		}
	}
	return errs
}
