package scenarios

import (
	"fmt"
	"net/url"
	"slices"
	"strings"

	"github.com/goccy/go-yaml"
	"github.com/goccy/go-yaml/ast"
	"github.com/pushbench/pushbench/clients"
)

// MaxServers bounds target.servers: each builtin server is a process of its
// own, and a typo must not fork hundreds of them.
const MaxServers = 64

// Target is where the load goes: "builtin" (fresh reference servers per
// transport, as child processes) or servers the user runs, by base URL, with
// optional per-transport URLs and publish endpoints. Several base URLs (or
// several builtin servers) are several servers of one service: connections
// spread over them and the one publisher publishes every message to each.
type Target struct {
	Builtin bool `json:"builtin,omitempty"`
	// Servers is how many reference server processes a builtin target starts
	// for each transport's run (0: one).
	Servers int `yaml:"servers" json:"servers,omitempty"`
	// URL lists the base URLs of the user's servers.
	URL URLList `yaml:"url" json:"url,omitempty"`
	// URLs replaces, per transport, the URLs derived from URL.
	URLs map[string]URLList `yaml:"urls" json:"urls,omitempty"`
	// Publish replaces the publish endpoints derived from URL (/publish on
	// each server).
	Publish URLList `yaml:"publish" json:"publish,omitempty"`
	// AllowRemote lets the target be another machine than this one; without
	// it (or run's --allow-remote) pushbench loads only loopback hosts.
	AllowRemote bool `yaml:"allow_remote" json:"allow_remote,omitempty"`
}

// UnmarshalYAML reads "builtin" or a mapping {builtin, servers, url, urls,
// publish, allow_remote}.
func (t *Target) UnmarshalYAML(node ast.Node) error {
	if s, ok := node.(*ast.StringNode); ok {
		if s.Value != "builtin" {
			return nodeError(node, "target %q: want builtin or a mapping with url", s.Value)
		}
		*t = Target{Builtin: true}
		return nil
	}
	var m struct {
		Builtin     bool               `yaml:"builtin"`
		Servers     int                `yaml:"servers"`
		URL         URLList            `yaml:"url"`
		URLs        map[string]URLList `yaml:"urls"`
		Publish     URLList            `yaml:"publish"`
		AllowRemote bool               `yaml:"allow_remote"`
	}
	if err := yaml.NodeToValue(node, &m, yaml.Strict(), yaml.DisallowUnknownField()); err != nil {
		return err
	}
	*t = Target{Builtin: m.Builtin, Servers: m.Servers, URL: m.URL, URLs: m.URLs, Publish: m.Publish, AllowRemote: m.AllowRemote}
	return nil
}

// BuiltinServers is how many reference servers a builtin target starts per
// transport run (at least one); 0 for a user's target.
func (t Target) BuiltinServers() int {
	if !t.Builtin {
		return 0
	}
	return max(1, t.Servers)
}

// several describes why the target is more than one server ("servers: 3",
// "2 base URLs in url", ...), or "" when it is one.
func (t Target) several() string {
	if n := t.BuiltinServers(); n > 1 {
		return fmt.Sprintf("servers: %d", n)
	}
	if len(t.URL) > 1 {
		return fmt.Sprintf("%d base URLs in url", len(t.URL))
	}
	for _, name := range sortedKeys(t.URLs) {
		if n := len(t.URLs[name]); n > 1 {
			return fmt.Sprintf("%d URLs in urls.%s", n, name)
		}
	}
	if len(t.Publish) > 1 {
		return fmt.Sprintf("%d publish endpoints", len(t.Publish))
	}
	return ""
}

// validateTarget checks the target's keys and URLs, and refuses faults
// against a target of several servers (each fault acts on one server).
func (s *Scenario) validateTarget(at func(path, format string, args ...any) error) error {
	t := s.Target
	if t.Builtin && len(t.URL) > 0 {
		return at("$.target.url", "url and builtin: true: give one (a builtin target starts its own servers; url names servers you run)")
	}
	if t.Servers < 0 || t.Servers > MaxServers {
		return at("$.target.servers", "servers %d: want 1 to %d reference server processes", t.Servers, MaxServers)
	}
	if t.Servers > 0 && !t.Builtin {
		return at("$.target.servers", "servers starts that many reference servers, with builtin only (target: {builtin: true, servers: %d}); list your own servers in url", t.Servers)
	}
	if err := checkURLList(at, "$.target.url", t.URL, "url", "http://host:port", []string{"http", "https"}); err != nil {
		return err
	}
	for _, tr := range sortedKeys(t.URLs) {
		name, err := clients.Parse(tr)
		if err != nil {
			return at("$.target.urls."+tr, "unknown transport %q", tr)
		}
		e, _ := clients.Lookup(name)
		form := "host:port/path"
		if e.OwnListener {
			form = "host:port"
		}
		want := strings.Join(e.Schemes(), ":// or ") + "://" + form
		if err := checkURLList(at, "$.target.urls."+tr, t.URLs[tr], tr+" URL", want, e.Schemes()); err != nil {
			return err
		}
	}
	if err := checkURLList(at, "$.target.publish", t.Publish, "publish URL", "ws://, wss://, http:// or https://host:port/path", []string{"ws", "wss", "http", "https"}); err != nil {
		return err
	}
	if why := t.several(); why != "" && len(s.Faults) > 0 {
		f := s.Faults[0]
		return at(fmt.Sprintf("$.faults[0].%s", f.Kind), "%s acts on one server; this target is several (%s): run faults against one server", f, why)
	}
	return nil
}

// checkURLList refuses an entry of list (the value of the key at path) that
// does not parse, has a scheme not in schemes or no host, naming it as what
// and the form wanted; and an entry listed twice. An entry of a longer list
// is pointed at by its index.
func checkURLList(at func(path, format string, args ...any) error, path string, list URLList, what, want string, schemes []string) error {
	for i, raw := range list {
		where := path
		if len(list) > 1 {
			where = fmt.Sprintf("%s[%d]", path, i)
		}
		if u, err := url.Parse(raw); err != nil || !slices.Contains(schemes, u.Scheme) || u.Host == "" {
			return at(where, "%s %q: want %s", what, raw, want)
		}
		if j := slices.Index(list[:i], raw); j >= 0 {
			return at(where, "%s %q is listed twice (entries %d and %d): each entry is another server", what, raw, j, i)
		}
	}
	return nil
}

// TargetEndpoints returns the subscriber URLs and publish endpoints of one
// transport of the scenario. bases are the base URLs of the builtin servers
// just started, one per server; a user's target names its own in url.
// target.urls.TRANSPORT, when given, replaces the subscriber URLs derived
// from the bases (the transport's default path on each), and target.publish
// the publish endpoints (/publish on each base).
func (s Scenario) TargetEndpoints(transport clients.Name, bases []string) (urls, publish []string) {
	if !s.Target.Builtin && len(s.Target.URL) > 0 {
		bases = s.Target.URL
	}
	if len(bases) == 0 {
		bases = []string{""} // a target given by per-transport URLs only
	}
	urls = slices.Clone(s.Target.URLs[string(transport)])
	if len(urls) == 0 {
		e, _ := clients.Lookup(transport)
		for _, b := range bases {
			urls = append(urls, e.Endpoint(b))
		}
	}
	publish = slices.Clone(s.Target.Publish)
	if len(publish) == 0 {
		for _, b := range bases {
			publish = append(publish, s.defaultPublish(b))
		}
	}
	return urls, publish
}

// Endpoints returns the first subscriber URL and publish endpoint of one
// transport (see TargetEndpoints) for a target of one server; base, for a
// builtin target, is the server just started.
func (s Scenario) Endpoints(transport clients.Name, base string) (url, publish string) {
	urls, pubs := s.TargetEndpoints(transport, []string{base})
	return urls[0], pubs[0]
}

// defaultPublish is the publish endpoint of a pushbench server at base.
func (s Scenario) defaultPublish(base string) string {
	if s.Target.Builtin && s.Reconnect != nil {
		// Under a reconnect policy the builtin server is published to by
		// POST, each answered before the next: a message sent over a
		// WebSocket just before a kill may be lost unseen, while a POST
		// not answered is retried after the restart.
		return strings.TrimSuffix(base, "/") + "/publish"
	}
	return clients.WebSocketURL(strings.TrimSuffix(base, "/")) + "/publish"
}

// sortedKeys returns m's keys in order, so errors name the same key each run.
func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
