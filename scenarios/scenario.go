package scenarios

import (
	"errors"
	"fmt"
	"net/url"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/goccy/go-yaml"
	"github.com/goccy/go-yaml/ast"
	"github.com/goccy/go-yaml/parser"
	"github.com/goccy/go-yaml/token"
	"github.com/pushbench/pushbench/clients"
	"github.com/pushbench/pushbench/loadgen"
)

// Scenario is one scenario file: the load to apply and what counts as a pass.
// Zero values take the defaults in WithDefaults.
type Scenario struct {
	Name           string     `yaml:"name" json:"name"`
	Description    string     `yaml:"description" json:"description,omitempty"`
	Target         Target     `yaml:"target" json:"target"`
	Transports     []string   `yaml:"transports" json:"transports"`
	Pattern        string     `yaml:"pattern" json:"pattern"`
	Connections    int        `yaml:"connections" json:"connections"`
	Ramp           Rate       `yaml:"ramp" json:"ramp"`
	Warmup         Duration   `yaml:"warmup" json:"warmup"`
	Duration       Duration   `yaml:"duration" json:"duration"`
	Rate           Rate       `yaml:"rate" json:"rate"`
	Payload        Size       `yaml:"payload" json:"payload_bytes"`
	ConnectTimeout Duration   `yaml:"connect_timeout" json:"connect_timeout"`
	Drain          Duration   `yaml:"drain" json:"drain"`
	Thresholds     Thresholds `yaml:"thresholds" json:"-"`

	// File is where the scenario was loaded from ("" for one built from flags).
	File string `yaml:"-" json:"file,omitempty"`
	// NoWarmup records an explicit "warmup: 0s", which WithDefaults keeps.
	NoWarmup bool `yaml:"-" json:"-"`
}

// Target is where the load goes: "builtin" (a fresh reference server per
// transport, as a child process) or a server's base URL with optional
// per-transport URLs and a publish endpoint.
type Target struct {
	Builtin bool              `json:"builtin,omitempty"`
	URL     string            `yaml:"url" json:"url,omitempty"`
	URLs    map[string]string `yaml:"urls" json:"urls,omitempty"`
	Publish string            `yaml:"publish" json:"publish,omitempty"`
}

// UnmarshalYAML reads "builtin" or a mapping {url, urls, publish}.
func (t *Target) UnmarshalYAML(node ast.Node) error {
	if s, ok := node.(*ast.StringNode); ok {
		if s.Value != "builtin" {
			return nodeError(node, "target %q: want builtin or a mapping with url", s.Value)
		}
		*t = Target{Builtin: true}
		return nil
	}
	var m struct {
		URL     string            `yaml:"url"`
		URLs    map[string]string `yaml:"urls"`
		Publish string            `yaml:"publish"`
	}
	if err := yaml.NodeToValue(node, &m, yaml.Strict(), yaml.DisallowUnknownField()); err != nil {
		return err
	}
	*t = Target{URL: m.URL, URLs: m.URLs, Publish: m.Publish}
	return nil
}

// maxChurnConnects bounds a churn run's connects by the ephemeral ports one
// address pair has (about 28,000 here), with a margin for other traffic.
const maxChurnConnects = 20000

// Defaults for zero values.
const (
	DefaultConnections = 100
	DefaultRamp        = 1000
	DefaultWarmup      = Duration(2 * time.Second)
	DefaultDuration    = Duration(10 * time.Second)
	DefaultRate        = 10
	DefaultPayload     = 64
)

// WithDefaults fills zero values: builtin target, fanout, every transport that
// supports the pattern, 100 connections at 1000/s, 2s warm-up, 10s measured,
// 10 messages/s, 64-byte payload.
func (s Scenario) WithDefaults() Scenario {
	if !s.Target.Builtin && s.Target.URL == "" && len(s.Target.URLs) == 0 {
		s.Target.Builtin = true
	}
	if s.Pattern == "" {
		s.Pattern = loadgen.PatternFanout
	}
	if len(s.Transports) == 0 {
		for _, e := range clients.Entries() {
			if s.Pattern != loadgen.PatternEcho || e.Bidirectional {
				s.Transports = append(s.Transports, string(e.Name))
			}
		}
	}
	if s.Connections == 0 {
		s.Connections = DefaultConnections
	}
	if s.Ramp == 0 {
		s.Ramp = DefaultRamp
	}
	if s.Warmup == 0 && !s.NoWarmup {
		s.Warmup = DefaultWarmup
	}
	if s.Duration == 0 {
		s.Duration = DefaultDuration
	}
	if s.Rate == 0 {
		s.Rate = DefaultRate
	}
	if s.Payload == 0 {
		s.Payload = DefaultPayload
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
	s.NoWarmup = explicitZero(file, "$.warmup")
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

// explicitZero reports whether the key at path is present (so a zero value
// there was written, not defaulted).
func explicitZero(file *ast.File, path string) bool {
	p, err := yaml.PathString(path)
	if err != nil {
		return false
	}
	n, err := p.FilterFile(file)
	return err == nil && n != nil
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
			return fmt.Errorf("%s: %w", pe.Key, pe.Err)
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
		if _, err := clients.Lookup(clients.Name(tr)); err != nil {
			return at(fmt.Sprintf("$.transports[%d]", i), "unknown transport %q (want %s)", tr, clients.JoinNames(", "))
		}
	}
	patterns := []string{loadgen.PatternFanout, loadgen.PatternEcho, loadgen.PatternIdle, loadgen.PatternChurn}
	if s.Pattern != "" && !slices.Contains(patterns, s.Pattern) {
		return at("$.pattern", "unknown pattern %q (want %s)", s.Pattern, strings.Join(patterns, ", "))
	}
	if s.Pattern == loadgen.PatternEcho {
		for i, tr := range s.Transports {
			if e, _ := clients.Lookup(clients.Name(tr)); !e.Bidirectional {
				return at(fmt.Sprintf("$.transports[%d]", i), "pattern echo needs a bidirectional transport; %s only pushes", tr)
			}
		}
	}
	if s.Pattern == loadgen.PatternChurn {
		full := s.WithDefaults()
		total := float64(full.Rate) * (time.Duration(full.Warmup) + time.Duration(full.Duration)).Seconds()
		if total > maxChurnConnects {
			return at("$.rate", "churn at %g/s for %s opens %.0f connections: each leaves a TIME_WAIT socket holding an ephemeral port for 60s, "+
				"and about 28,000 exist per address pair; keep rate x (warmup + duration) under %d", float64(full.Rate),
				time.Duration(full.Warmup)+time.Duration(full.Duration), total, maxChurnConnects)
		}
	}
	if s.Connections < 0 {
		return at("$.connections", "connections %d must be positive", s.Connections)
	}
	if s.Target.URL != "" {
		if u, err := url.Parse(s.Target.URL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return at("$.target.url", "url %q: want http://host:port", s.Target.URL)
		}
	}
	for tr := range s.Target.URLs {
		if _, err := clients.Lookup(clients.Name(tr)); err != nil {
			return at("$.target.urls", "unknown transport %q", tr)
		}
	}
	return nil
}

// Options returns the load generator's options for one transport of the
// scenario (defaults filled), against base when the target is builtin.
func (s Scenario) Options(transport, base string) loadgen.Options {
	s = s.WithDefaults()
	o := loadgen.Options{
		Transport:      transport,
		Pattern:        s.Pattern,
		Connections:    s.Connections,
		Ramp:           float64(s.Ramp),
		Warmup:         time.Duration(s.Warmup),
		Duration:       time.Duration(s.Duration),
		Rate:           float64(s.Rate),
		PayloadBytes:   int(s.Payload),
		ConnectTimeout: time.Duration(s.ConnectTimeout),
		Drain:          time.Duration(s.Drain),
	}
	if o.Warmup == 0 {
		o.Warmup = -1 // loadgen's "none"
	}
	if !s.Target.Builtin && s.Target.URL != "" {
		base = s.Target.URL
	}
	t, _ := clients.Lookup(clients.Name(transport))
	o.URL = s.Target.URLs[transport]
	if o.URL == "" {
		o.URL = t.Endpoint(base)
	}
	o.PublishURL = s.Target.Publish
	if o.PublishURL == "" {
		o.PublishURL = clients.WebSocketURL(strings.TrimSuffix(base, "/")) + "/publish"
	}
	return o
}
