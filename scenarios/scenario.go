package scenarios

import (
	"errors"
	"fmt"
	"net/url"
	"os"
	"slices"
	"strings"

	"github.com/goccy/go-yaml"
	"github.com/goccy/go-yaml/ast"
	"github.com/goccy/go-yaml/parser"
	"github.com/goccy/go-yaml/token"
	"github.com/pushbench/pushbench/clients"
	"github.com/pushbench/pushbench/loadgen"
	"github.com/pushbench/pushbench/workload"
)

// Scenario is one scenario file: the load to apply, where, and what counts as
// a pass. The load is a workload.Workload, inlined, whose zero values take the
// defaults of workload.WithDefaults.
type Scenario struct {
	Name              string         `yaml:"name" json:"name"`
	Description       string         `yaml:"description" json:"description,omitempty"`
	Target            Target         `yaml:"target" json:"target"`
	Transports        []clients.Name `yaml:"transports" json:"transports"`
	workload.Workload `yaml:",inline"`
	Messages          Messages   `yaml:"messages" json:"messages"`
	Thresholds        Thresholds `yaml:"thresholds" json:"-"`
	// Faults are timed actions against the target (faults.go).
	Faults []Fault `yaml:"faults" json:"faults,omitempty"`
	// FindMax, when set, searches each transport's highest sustained rate
	// instead of running the workload's rate once (find_max.go).
	FindMax *FindMax `yaml:"find_max" json:"find_max,omitempty"`
	// Workers, when set, splits the run over coordinated worker processes
	// (workers.go).
	Workers Workers `yaml:"workers" json:"workers,omitzero"`

	// File is where the scenario was loaded from ("" for one built from flags).
	File string `yaml:"-" json:"file,omitempty"`
}

// Target is where the load goes: "builtin" (a fresh reference server per
// transport, as a child process) or a server's base URL with optional
// per-transport URLs and a publish endpoint.
type Target struct {
	Builtin bool              `json:"builtin,omitempty"`
	URL     string            `yaml:"url" json:"url,omitempty"`
	URLs    map[string]string `yaml:"urls" json:"urls,omitempty"`
	Publish string            `yaml:"publish" json:"publish,omitempty"`
	// AllowRemote lets the target be another machine than this one; without
	// it (or run's --allow-remote) pushbench loads only loopback hosts.
	AllowRemote bool `yaml:"allow_remote" json:"allow_remote,omitempty"`
}

// UnmarshalYAML reads "builtin" or a mapping {url, urls, publish, allow_remote}.
func (t *Target) UnmarshalYAML(node ast.Node) error {
	if s, ok := node.(*ast.StringNode); ok {
		if s.Value != "builtin" {
			return nodeError(node, "target %q: want builtin or a mapping with url", s.Value)
		}
		*t = Target{Builtin: true}
		return nil
	}
	var m struct {
		URL         string            `yaml:"url"`
		URLs        map[string]string `yaml:"urls"`
		Publish     string            `yaml:"publish"`
		AllowRemote bool              `yaml:"allow_remote"`
	}
	if err := yaml.NodeToValue(node, &m, yaml.Strict(), yaml.DisallowUnknownField()); err != nil {
		return err
	}
	*t = Target{URL: m.URL, URLs: m.URLs, Publish: m.Publish, AllowRemote: m.AllowRemote}
	return nil
}

// WithDefaults fills zero values: a builtin target, every transport that
// supports the pattern, and the workload's defaults.
func (s Scenario) WithDefaults() Scenario {
	if !s.Target.Builtin && s.Target.URL == "" && len(s.Target.URLs) == 0 {
		s.Target.Builtin = true
	}
	s.Workload = s.Workload.WithDefaults()
	if s.FindMax != nil {
		f := s.FindMax.WithDefaults()
		s.FindMax = &f
	}
	if len(s.Transports) == 0 {
		info, _ := s.Pattern.Info()
		for _, e := range clients.Entries() {
			if e.OwnListener && !s.Target.Builtin && s.Target.URLs[string(e.Name)] == "" {
				continue // a user's server is in the list only when given its address
			}
			if !info.Bidirectional || e.Bidirectional {
				s.Transports = append(s.Transports, e.Name)
			}
		}
	}
	return s
}

// Load reads, decodes and validates a scenario file. Every error names
// file:line:column and the key.
func Load(path string) (*Scenario, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read scenario: %w", err)
	}
	return Parse(path, b)
}

// Parse decodes and validates scenario YAML; name is used in error messages.
func Parse(name string, b []byte) (*Scenario, error) {
	var s Scenario
	if err := yaml.UnmarshalWithOptions(b, &s, yaml.Strict(), yaml.DisallowUnknownField()); err != nil {
		return nil, positioned(name, err)
	}
	file, err := parser.ParseBytes(b, 0)
	if err != nil {
		return nil, positioned(name, err)
	}
	s.File = name
	for _, conds := range s.Thresholds {
		for _, c := range conds {
			c.Pos = fmt.Sprintf("%s:%d:%d", name, c.line, c.column)
		}
	}
	if err := s.validate(file); err != nil {
		return nil, positioned(name, err)
	}
	return &s, nil
}

// positioned turns any decoding error into a PosError naming the file.
func positioned(file string, err error) error {
	var pe *PosError
	if errors.As(err, &pe) {
		pe.File = file
		return pe
	}
	var ye interface {
		GetToken() *token.Token
		GetMessage() string
	}
	if errors.As(err, &ye) && ye.GetToken() != nil && ye.GetToken().Position != nil {
		pos := ye.GetToken().Position
		return &PosError{File: file, Line: pos.Line, Column: pos.Column, Err: errors.New(ye.GetMessage())}
	}
	return &PosError{File: file, Line: 1, Column: 1, Err: err}
}

// Check validates a scenario built in code (from command-line flags): the same
// rules as a file, with errors naming the setting instead of a line.
func (s *Scenario) Check() error {
	file, err := parser.ParseBytes([]byte("{}"), 0)
	if err != nil {
		return err
	}
	if err := s.validate(file); err != nil {
		var pe *PosError
		if errors.As(err, &pe) {
			return &workload.FieldError{Key: pe.Key, Err: pe.Err}
		}
		return err
	}
	return nil
}

// validate checks values that decode but make no sense, pointing at the key.
func (s *Scenario) validate(file *ast.File) error {
	at := func(path string, format string, args ...any) error {
		e := &PosError{Key: keyPath(path), Line: 1, Column: 1, Err: fmt.Errorf(format, args...)}
		if p, err := yaml.PathString(path); err == nil && path != "$" {
			if n, err := p.FilterFile(file); err == nil && n != nil && n.GetToken() != nil && n.GetToken().Position != nil {
				e.Line, e.Column = n.GetToken().Position.Line, n.GetToken().Position.Column
			}
		}
		return e
	}
	if s.Name == "" {
		return at("$", "name: required")
	}
	if strings.ContainsAny(s.Name, "/ \\") {
		return at("$.name", "name %q must not contain spaces or slashes (it names the result directory)", s.Name)
	}
	for i, tr := range s.Transports {
		if _, err := clients.Lookup(tr); err != nil {
			return at(fmt.Sprintf("$.transports[%d]", i), "%v", err)
		}
	}
	if err := s.Workload.Validate(); err != nil {
		var fe *workload.FieldError
		if errors.As(err, &fe) {
			return at("$."+fe.Key, "%v", fe.Err)
		}
		return at("$", "%v", err)
	}
	if info, _ := s.Pattern.Info(); info.Bidirectional {
		for i, tr := range s.Transports {
			if e, _ := clients.Lookup(tr); !e.Bidirectional {
				return at(fmt.Sprintf("$.transports[%d]", i), "pattern %s needs a bidirectional transport; %s only pushes", s.Pattern, tr)
			}
		}
	}
	for key, body := range map[string]string{"publish_body": s.Messages.PublishBody, "echo_body": s.Messages.EchoBody} {
		if body == "" {
			continue
		}
		if err := loadgen.CheckBody(body); err != nil {
			return at("$.messages."+key, "%v", err)
		}
	}
	if _, err := s.Messages.Receive(); err != nil {
		return at("$.messages", "%v", err)
	}
	p := loadgen.Payload{Timestamp: s.Messages.Timestamp, Seq: s.Messages.Seq}
	if err := p.Check(); err != nil {
		key := "seq"
		if strings.HasPrefix(err.Error(), "timestamp") {
			key = "timestamp"
		}
		return at("$.messages."+key, "%v", err)
	}
	full := s.WithDefaults()
	for key, v := range map[string]string{"timestamp": s.Messages.Timestamp, "seq": s.Messages.Seq} {
		if v != "" && full.Pattern != workload.Listen {
			return at("$.messages."+key, "applies to pattern %s only (other patterns time and count their own messages)", workload.Listen)
		}
	}
	if s.Messages.Seq == loadgen.SeqFromSSEID {
		for _, tr := range full.Transports {
			if tr != clients.SSE {
				return at("$.messages.seq", "%s reads the SSE event id; transport %s has none (set transports: [sse])", loadgen.SeqFromSSEID, tr)
			}
		}
	}
	if s.Target.URL != "" {
		if u, err := url.Parse(s.Target.URL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return at("$.target.url", "url %q: want http://host:port", s.Target.URL)
		}
	}
	for tr, raw := range s.Target.URLs {
		name, err := clients.Parse(tr)
		if err != nil {
			return at("$.target.urls", "unknown transport %q", tr)
		}
		e, _ := clients.Lookup(name)
		want, form := e.Schemes(), "host:port/path"
		if e.OwnListener {
			form = "host:port"
		}
		if u, err := url.Parse(raw); err != nil || !slices.Contains(want, u.Scheme) || u.Host == "" {
			return at("$.target.urls", "%s URL %q: want %s://%s", tr, raw, strings.Join(want, ":// or "), form)
		}
	}
	if !full.Target.Builtin {
		for i, tr := range s.Transports {
			if e, _ := clients.Lookup(tr); e.OwnListener && s.Target.URLs[string(tr)] == "" {
				return at(fmt.Sprintf("$.transports[%d]", i), "%s listens on a port of its own, not a path of %s: give its address in target.urls (--url %s=%s://HOST:PORT)", tr, s.Target.URL, tr, e.Schemes()[0])
			}
		}
	}
	if err := s.validateFindMax(full, at); err != nil {
		return err
	}
	if err := s.validateWorkers(at); err != nil {
		return err
	}
	return s.validateFaults(full, at)
}

// Endpoints returns the subscriber and publish URLs of one transport of the
// scenario: its per-transport URL, or the transport's default path on the
// target's base URL (base, for a builtin target, is the server just started).
func (s Scenario) Endpoints(transport clients.Name, base string) (url, publish string) {
	if !s.Target.Builtin && s.Target.URL != "" {
		base = s.Target.URL
	}
	url = s.Target.URLs[string(transport)]
	if url == "" {
		e, _ := clients.Lookup(transport)
		url = e.Endpoint(base)
	}
	publish = s.Target.Publish
	switch {
	case publish != "":
	case s.Target.Builtin && s.Reconnect != nil:
		// Under a reconnect policy the builtin server is published to by
		// POST, each answered before the next: a message sent over a
		// WebSocket just before a kill may be lost unseen, while a POST
		// not answered is retried after the restart.
		publish = strings.TrimSuffix(base, "/") + "/publish"
	default:
		publish = clients.WebSocketURL(strings.TrimSuffix(base, "/")) + "/publish"
	}
	return url, publish
}
