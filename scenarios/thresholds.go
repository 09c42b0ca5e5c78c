package scenarios

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/goccy/go-yaml/ast"
	"github.com/pushbench/pushbench/clients"
	"github.com/pushbench/pushbench/results"
	"github.com/pushbench/pushbench/workload"
)

// AllTransports is the thresholds key that applies to every transport.
const AllTransports = "all"

// Thresholds maps "all" or a transport name to conditions on metrics. A
// transport's own condition on a metric replaces the "all" one.
type Thresholds map[string]map[string]*Condition

// Condition is one pass/fail rule: metric OP value, e.g. latency.p99 < 100ms.
type Condition struct {
	Metric string
	Op     string  // <, <=, >, >=, ==
	Value  float64 // in the metric's unit (ns, fraction, per second, count)
	Unit   results.Unit
	Text   string // as written, for messages
	Pos    string // file:line:column, filled by Load
	line   int
	column int
}

// UnmarshalYAML reads thresholds: a mapping from "all" or a transport name to
// a mapping from metric to condition ("< 100ms", ">= 900/s", "<= 0.1%").
func (t *Thresholds) UnmarshalYAML(node ast.Node) error {
	out := Thresholds{}
	groups, err := mappingPairs(node)
	if err != nil {
		return err
	}
	for _, g := range groups {
		key := keyText(g.Key)
		if _, err := clients.Lookup(clients.Name(key)); err != nil && key != AllTransports {
			return nodeError(g.Key, "thresholds for %q: want all or a transport name (%s)", key, clients.JoinNames(", "))
		}
		conds, err := mappingPairs(g.Value)
		if err != nil {
			return err
		}
		out[key] = map[string]*Condition{}
		for _, c := range conds {
			metric := keyText(c.Key)
			cond, err := parseConditionNode(metric, c.Value)
			if err != nil {
				return err
			}
			out[key][metric] = cond
		}
	}
	*t = out
	return nil
}

// mappingPairs returns the key/value pairs of a mapping node.
func mappingPairs(node ast.Node) ([]*ast.MappingValueNode, error) {
	switch n := node.(type) {
	case *ast.MappingNode:
		return n.Values, nil
	case *ast.MappingValueNode:
		return []*ast.MappingValueNode{n}, nil
	case *ast.NullNode:
		return nil, nil
	}
	return nil, nodeError(node, "want a mapping, got %s", node.Type())
}

func keyText(k ast.MapKeyNode) string {
	if s, ok := k.(*ast.StringNode); ok {
		return s.Value
	}
	return strings.TrimSpace(k.String())
}

func parseConditionNode(metric string, node ast.Node) (*Condition, error) {
	s, err := workload.Scalar(node)
	if err != nil {
		return nil, err
	}
	unit, err := results.ParseMetric(metric)
	if err != nil {
		return nil, nodeError(node, "%v", err)
	}
	op, value, err := parseCondition(s, unit)
	if err != nil {
		return nil, nodeError(node, "threshold %q: %v", s, err)
	}
	c := &Condition{Metric: metric, Op: op, Value: value, Unit: unit, Text: s}
	if tk := node.GetToken(); tk != nil && tk.Position != nil {
		c.line, c.column = tk.Position.Line, tk.Position.Column
	}
	return c, nil
}

var ops = []string{"<=", ">=", "==", "<", ">"}

func parseCondition(s string, unit results.Unit) (string, float64, error) {
	s = strings.TrimSpace(s)
	var op string
	for _, o := range ops {
		if strings.HasPrefix(s, o) {
			op = o
			break
		}
	}
	if op == "" {
		return "", 0, fmt.Errorf("want an operator (%s) and a value, like \"< 100ms\"", strings.Join(ops, " "))
	}
	v, err := parseValue(strings.TrimSpace(strings.TrimPrefix(s, op)), unit)
	return op, v, err
}

func parseValue(s string, unit results.Unit) (float64, error) {
	switch unit {
	case results.UnitDuration:
		d, err := time.ParseDuration(s)
		if err != nil {
			return 0, fmt.Errorf("want a duration such as 250ms")
		}
		return float64(d), nil
	case results.UnitRatio:
		if p, ok := strings.CutSuffix(s, "%"); ok {
			v, err := strconv.ParseFloat(strings.TrimSpace(p), 64)
			if err != nil {
				return 0, fmt.Errorf("want a percentage such as 0.1%%")
			}
			return v / 100, nil
		}
		v, err := strconv.ParseFloat(s, 64)
		if err != nil {
			return 0, fmt.Errorf("want a percentage such as 0.1%% or a fraction such as 0.001")
		}
		return v, nil
	case results.UnitBytes:
		z, err := workload.ParseSize(s)
		if err != nil {
			return 0, fmt.Errorf("want a size such as 64MiB")
		}
		return float64(z), nil
	case results.UnitRate:
		r, err := workload.ParseRate(s)
		if err != nil {
			return 0, err
		}
		return float64(r), nil
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return 0, fmt.Errorf("want a number")
	}
	return v, nil
}

func (c *Condition) holds(v float64) bool {
	switch c.Op {
	case "<":
		return v < c.Value
	case "<=":
		return v <= c.Value
	case ">":
		return v > c.Value
	case ">=":
		return v >= c.Value
	}
	return v == c.Value
}

// Verdict is one threshold checked against one transport's result.
type Verdict struct {
	Transport string
	Condition *Condition
	Actual    string // formatted value, or why there is none
	Pass      bool
}

func (v Verdict) String() string {
	status := "ok  "
	if !v.Pass {
		status = "FAIL"
	}
	return fmt.Sprintf("%s %s %s %s %s (actual %s) [%s]", status, v.Transport, v.Condition.Metric, v.Condition.Op,
		strings.TrimSpace(strings.TrimLeft(v.Condition.Text, "<>=")), v.Actual, v.Condition.Pos)
}

// Evaluate checks every threshold against every transport of the run. A
// transport-specific condition on a metric replaces the "all" one. A metric
// with no value (an empty histogram) fails; a metric the transport does not
// record at all is skipped for "all" conditions and fails for its own.
func (t Thresholds) Evaluate(run *results.Run) []Verdict {
	var out []Verdict
	for _, tr := range run.Transports {
		conds := map[string]*Condition{}
		own := map[string]bool{}
		for m, c := range t[AllTransports] {
			conds[m] = c
		}
		for m, c := range t[tr.Transport] {
			conds[m], own[m] = c, true
		}
		metrics := make([]string, 0, len(conds))
		for m := range conds {
			metrics = append(metrics, m)
		}
		slices.Sort(metrics)
		for _, m := range metrics {
			c := conds[m]
			v, unit, err := results.MetricValue(tr, m)
			switch {
			case errors.Is(err, results.ErrNotRecorded) && !own[m]:
				continue
			case err != nil:
				out = append(out, Verdict{Transport: tr.Transport, Condition: c, Actual: err.Error()})
			default:
				out = append(out, Verdict{Transport: tr.Transport, Condition: c, Actual: results.FormatValue(v, unit), Pass: c.holds(v)})
			}
		}
	}
	return out
}
