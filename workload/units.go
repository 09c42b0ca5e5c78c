package workload

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/goccy/go-yaml/ast"
)

// PosError is an error at a place in a workload or scenario file: the unit
// types below report bad values with their line and column, and the scenarios
// package fills in the file name.
type PosError struct {
	File   string
	Line   int
	Column int
	Key    string // the YAML path of the key, e.g. thresholds.all.latency.p99
	Err    error
}

func (e *PosError) Error() string {
	key := ""
	if e.Key != "" {
		key = e.Key + ": "
	}
	return fmt.Sprintf("%s:%d:%d: %s%v", e.File, e.Line, e.Column, key, e.Err)
}

func (e *PosError) Unwrap() error { return e.Err }

// NodeError places an error at node of a YAML file; the loader fills in the
// file name.
func NodeError(node ast.Node, format string, args ...any) error {
	tk := node.GetToken()
	e := &PosError{Key: KeyPath(node.GetPath()), Err: fmt.Errorf(format, args...)}
	if tk != nil && tk.Position != nil {
		e.Line, e.Column = tk.Position.Line, tk.Position.Column
	}
	return e
}

// KeyPath turns goccy's "$.thresholds.all" into "thresholds.all".
func KeyPath(p string) string {
	return strings.ReplaceAll(strings.TrimPrefix(strings.TrimPrefix(p, "$"), "."), "'", "")
}

// Scalar returns node's text, refusing mappings and sequences.
func Scalar(node ast.Node) (string, error) {
	switch n := node.(type) {
	case *ast.StringNode:
		return n.Value, nil
	case *ast.IntegerNode, *ast.FloatNode, *ast.LiteralNode:
		return strings.TrimSpace(node.String()), nil
	case *ast.NullNode:
		return "", nil
	}
	return "", NodeError(node, "want a single value, got %s", node.Type())
}

// Duration is a time span written with a unit: 500ms, 10s, 2m.
type Duration time.Duration

// UnmarshalYAML reads Go duration text.
func (d *Duration) UnmarshalYAML(node ast.Node) error {
	s, err := Scalar(node)
	if err != nil {
		return err
	}
	v, err := time.ParseDuration(s)
	if err != nil {
		return NodeError(node, "duration %q: want a number with a unit, like 500ms, 10s or 2m", s)
	}
	if v < 0 {
		return NodeError(node, "duration %q must not be negative", s)
	}
	*d = Duration(v)
	return nil
}

func (d Duration) String() string { return time.Duration(d).String() }

// MarshalText writes the duration as Go duration text, for results.
func (d Duration) MarshalText() ([]byte, error) { return []byte(d.String()), nil }

// Rate is events per second, written 500/s, 30/m or 2/h (a bare number is per
// second).
type Rate float64

// ParseRate reads a rate.
func ParseRate(s string) (Rate, error) {
	num, unit, found := strings.Cut(strings.TrimSpace(s), "/")
	per := 1.0
	if found {
		switch strings.TrimSpace(unit) {
		case "s":
		case "m":
			per = 60
		case "h":
			per = 3600
		default:
			return 0, fmt.Errorf("rate %q: unit must be /s, /m or /h", s)
		}
	}
	v, err := strconv.ParseFloat(strings.TrimSpace(num), 64)
	if err != nil || v <= 0 || math.IsInf(v, 0) || math.IsNaN(v) {
		return 0, fmt.Errorf("rate %q: want a positive number per unit, like 500/s", s)
	}
	return Rate(v / per), nil
}

// UnmarshalYAML reads a rate.
func (r *Rate) UnmarshalYAML(node ast.Node) error {
	s, err := Scalar(node)
	if err != nil {
		return err
	}
	v, err := ParseRate(s)
	if err != nil {
		return NodeError(node, "%v", err)
	}
	*r = v
	return nil
}

// MarshalText writes the rate per second.
func (r Rate) MarshalText() ([]byte, error) {
	return []byte(strconv.FormatFloat(float64(r), 'g', -1, 64) + "/s"), nil
}

// Size is a byte count written 64B, 1KiB, 2MiB, 1KB (1000) or a bare number.
type Size int

var sizeUnits = []struct {
	suffix string
	mult   int
}{{"KiB", 1 << 10}, {"MiB", 1 << 20}, {"GiB", 1 << 30}, {"KB", 1000}, {"MB", 1000 * 1000}, {"GB", 1000 * 1000 * 1000}, {"B", 1}}

// ParseSize reads a size.
func ParseSize(s string) (Size, error) {
	t := strings.TrimSpace(s)
	mult := 1
	for _, u := range sizeUnits {
		if rest, ok := strings.CutSuffix(t, u.suffix); ok {
			t, mult = strings.TrimSpace(rest), u.mult
			break
		}
	}
	v, err := strconv.Atoi(t)
	if err != nil || v < 0 || v > math.MaxInt32/mult {
		return 0, fmt.Errorf("size %q: want a byte count like 64B, 1KiB or 1MB", s)
	}
	return Size(v * mult), nil
}

// UnmarshalYAML reads a size.
func (z *Size) UnmarshalYAML(node ast.Node) error {
	s, err := Scalar(node)
	if err != nil {
		return err
	}
	v, err := ParseSize(s)
	if err != nil {
		return NodeError(node, "%v", err)
	}
	*z = v
	return nil
}

// UnmarshalText reads Go duration text, as MarshalText writes it.
func (d *Duration) UnmarshalText(b []byte) error {
	v, err := time.ParseDuration(string(b))
	if err != nil {
		return fmt.Errorf("duration %q: want a number with a unit, like 500ms, 10s or 2m", b)
	}
	*d = Duration(v)
	return nil
}

// UnmarshalText reads a rate, as MarshalText writes it.
func (r *Rate) UnmarshalText(b []byte) error {
	v, err := ParseRate(string(b))
	if err != nil {
		return err
	}
	*r = v
	return nil
}

// Ptr returns a pointer to d, for the optional durations of a Workload.
func (d Duration) Ptr() *Duration { return &d }
