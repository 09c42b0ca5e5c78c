package scenarios

import (
	"errors"
	"fmt"
	"os"
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

// WithDefaults fills zero values: a builtin target, every transport that
// supports the pattern, and the workload's defaults.
func (s Scenario) WithDefaults() Scenario {
	if !s.Target.Builtin && len(s.Target.URL) == 0 && len(s.Target.URLs) == 0 {
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
			if e.OwnListener && !s.Target.Builtin && len(s.Target.URLs[string(e.Name)]) == 0 {
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
		// The key itself, or else the nearest key above it that the file
		// has (an entry of a list written as one string).
		for p := path; p != "$" && p != ""; p = parentPath(p) {
			if line, col, ok := findPath(file, p); ok {
				e.Line, e.Column = line, col
				break
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
	if err := s.validateTarget(at); err != nil {
		return err
	}
	if !full.Target.Builtin {
		for i, tr := range s.Transports {
			if e, _ := clients.Lookup(tr); e.OwnListener && len(s.Target.URLs[string(tr)]) == 0 {
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

// findPath returns the position of the node at a YAML path in file.
func findPath(file *ast.File, path string) (line, column int, ok bool) {
	p, err := yaml.PathString(path)
	if err != nil {
		return 0, 0, false
	}
	n, err := p.FilterFile(file)
	if err != nil || n == nil || n.GetToken() == nil || n.GetToken().Position == nil {
		return 0, 0, false
	}
	return n.GetToken().Position.Line, n.GetToken().Position.Column, true
}

// parentPath is the path one key or index up: "$.a.b[1]" to "$.a.b", "$.a.b"
// to "$.a".
func parentPath(path string) string {
	if i := strings.LastIndexAny(path, ".["); i > 0 {
		return path[:i]
	}
	return "$"
}
