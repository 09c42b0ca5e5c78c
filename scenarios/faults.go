package scenarios

import (
	"cmp"
	"fmt"
	"math"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/goccy/go-yaml/ast"
	"github.com/pushbench/pushbench/workload"
)

// FaultKind is what a fault does to the target.
type FaultKind string

// Fault kinds. Kill, restart and stall act on a server pushbench runs as a
// child; drop asks the builtin server's admin endpoint; delay slows a loopback
// proxy pushbench puts in front of the target.
const (
	FaultKill    FaultKind = "kill"    // SIGKILL the server, as a crash would
	FaultRestart FaultKind = "restart" // a new server process on the same address
	FaultStall   FaultKind = "stall"   // SIGSTOP, then SIGCONT after For
	FaultDrop    FaultKind = "drop"    // the server closes Percent of its subscriber connections
	FaultDelay   FaultKind = "delay"   // the proxy adds Delay to every chunk for For
)

// faultKinds lists the kinds in the order error messages name them.
var faultKinds = []FaultKind{FaultKill, FaultRestart, FaultStall, FaultDrop, FaultDelay}

// Fault is one timed action against the target, written as a mapping with
// `at` and one action key:
//
//	{at: 3s, kill: true}
//	{at: 4s, restart: true}
//	{at: 6s, stall: 1s}
//	{at: 8s, drop: 25%}
//	{at: 9s, delay: 50ms, for: 2s}
//
// At is the offset from the start of the measured window; a negative one
// falls in the warm-up.
type Fault struct {
	At      workload.Duration `json:"at"`
	Kind    FaultKind         `json:"kind"`
	For     workload.Duration `json:"for,omitempty"`     // stall and delay: how long
	Delay   workload.Duration `json:"delay,omitempty"`   // delay: added to every forwarded chunk
	Percent float64           `json:"percent,omitempty"` // drop: share of connections, 0 < p <= 100
}

// String names the fault as events and reports show it: "stall 1s".
func (f Fault) String() string {
	switch f.Kind {
	case FaultStall:
		return fmt.Sprintf("stall %s", f.For)
	case FaultDrop:
		return fmt.Sprintf("drop %s%%", strconv.FormatFloat(f.Percent, 'g', -1, 64))
	case FaultDelay:
		return fmt.Sprintf("delay %s for %s", f.Delay, f.For)
	}
	return string(f.Kind)
}

// NeedsChild reports whether the fault acts on the server's process, which
// only a server pushbench runs as a child offers.
func (f Fault) NeedsChild() bool {
	return f.Kind == FaultKill || f.Kind == FaultRestart || f.Kind == FaultStall
}

// UnmarshalYAML reads one fault mapping, strictly: `at`, exactly one action
// key, and `for` with delay only.
func (f *Fault) UnmarshalYAML(node ast.Node) error {
	pairs, err := mappingPairs(node)
	if err != nil {
		return err
	}
	var out Fault
	var atSeen, forSeen bool
	var kindKey ast.Node
	for _, p := range pairs {
		key := keyText(p.Key)
		var err error
		switch key {
		case "at":
			atSeen = true
			out.At, err = signedDuration(p.Value)
		case "for":
			forSeen = true
			out.For, err = positiveDuration(p.Value, "for")
		case string(FaultKill), string(FaultRestart), string(FaultStall), string(FaultDrop), string(FaultDelay):
			if kindKey != nil {
				return nodeError(p.Key, "fault has both %s and %s: one action per fault (list another fault for the other)", out.Kind, key)
			}
			kindKey, out.Kind = p.Key, FaultKind(key)
			err = out.readAction(p.Value)
		default:
			return nodeError(p.Key, "unknown fault key %q: want at and one of %s (delay with for)", key, joinKinds())
		}
		if err != nil {
			return err
		}
	}
	switch {
	case kindKey == nil:
		return nodeError(node, "fault has no action: want one of %s", joinKinds())
	case !atSeen:
		return nodeError(node, "%s fault has no at: when, from the start of the measured window (e.g. at: 3s)", out.Kind)
	case out.Kind == FaultDelay && !forSeen:
		return nodeError(kindKey, "delay needs for: how long the delay lasts (e.g. {at: 9s, delay: 50ms, for: 2s})")
	case out.Kind != FaultDelay && forSeen:
		return nodeError(kindKey, "for applies to delay only (a stall's length is its value: stall: 1s)")
	}
	*f = out
	return nil
}

// readAction reads the action key's value into f.
func (f *Fault) readAction(node ast.Node) error {
	var s string
	var err error
	if b, ok := node.(*ast.BoolNode); ok {
		s = strings.TrimSpace(b.String())
	} else if s, err = workload.Scalar(node); err != nil {
		return err
	}
	switch f.Kind {
	case FaultKill, FaultRestart:
		if s != "true" {
			return nodeError(node, "%s: %q: want true", f.Kind, s)
		}
	case FaultStall:
		f.For, err = positiveDuration(node, "stall")
	case FaultDelay:
		f.Delay, err = positiveDuration(node, "delay")
	case FaultDrop:
		num, ok := strings.CutSuffix(strings.TrimSpace(s), "%")
		p, perr := strconv.ParseFloat(strings.TrimSpace(num), 64)
		if !ok || perr != nil || !(p > 0 && p <= 100) || math.IsNaN(p) {
			return nodeError(node, "drop %q: want a share of the connections, more than 0%% and at most 100%%, like 25%%", s)
		}
		f.Percent = p
	}
	return err
}

// signedDuration reads a duration that may be negative (a fault in the warm-up).
func signedDuration(node ast.Node) (workload.Duration, error) {
	s, err := workload.Scalar(node)
	if err != nil {
		return 0, err
	}
	d, err := time.ParseDuration(strings.TrimSpace(s))
	if err != nil {
		return 0, nodeError(node, "at %q: want a duration with a unit from the start of the measured window, like 3s (negative: in the warm-up)", s)
	}
	return workload.Duration(d), nil
}

// positiveDuration reads a duration that must be more than zero.
func positiveDuration(node ast.Node, key string) (workload.Duration, error) {
	s, err := workload.Scalar(node)
	if err != nil {
		return 0, err
	}
	d, err := time.ParseDuration(strings.TrimSpace(s))
	if err != nil || d <= 0 {
		return 0, nodeError(node, "%s %q: want a positive duration with a unit, like 500ms or 2s", key, s)
	}
	return workload.Duration(d), nil
}

func joinKinds() string {
	names := make([]string, len(faultKinds))
	for i, k := range faultKinds {
		names[i] = string(k)
	}
	return strings.Join(names, ", ")
}

// HasFault reports whether the scenario injects a fault of kind k.
func (s Scenario) HasFault(k FaultKind) bool {
	return slices.ContainsFunc(s.Faults, func(f Fault) bool { return f.Kind == k })
}

// validateFaults checks each fault against the run (its at within the
// timeline) and the target (what the fault needs), naming the fault's line.
func (s *Scenario) validateFaults(full Scenario, at func(path, format string, args ...any) error) error {
	warmup, span := time.Duration(*full.Warmup), time.Duration(full.Duration)
	for i, f := range s.Faults {
		path := fmt.Sprintf("$.faults[%d]", i)
		if a := time.Duration(f.At); a < -warmup || a > span {
			return at(path+".at", "%s at %s is outside the run: at runs from -%s (the start of the warm-up) to %s (the end of the measured window)", f, a, warmup, span)
		}
		if end := time.Duration(f.At + f.For); f.For > 0 && end > span {
			return at(path+"."+string(f.Kind), "%s at %s would last until %s, past the end of the measured window (%s): shorten it or start it earlier", f, time.Duration(f.At), end, span)
		}
		where := path + "." + string(f.Kind)
		switch {
		case f.NeedsChild() && !full.Target.Builtin:
			return at(where, "%s needs a server pushbench runs as a child process (target: builtin); %s is not one", f.Kind, describeTarget(full.Target))
		case f.Kind == FaultDrop && !full.Target.Builtin:
			return at(where, "drop needs the builtin server's admin endpoint (POST /admin/drop), which pushbench enables with a token of its own on target: builtin only; %s is not one", describeTarget(full.Target))
		case f.Kind == FaultDelay:
			if u := tlsURL(full.Target); u != "" {
				return at(where, "delay puts a plain TCP proxy in front of the target, which cannot stand in for the TLS server %s", u)
			}
		}
	}
	return s.checkKillOrder(at)
}

// checkKillOrder refuses kills and restarts that cannot follow each other:
// actions run concurrently at their times, so a restart must come strictly
// after a kill, and a server must be restarted before it is killed again.
func (s *Scenario) checkKillOrder(at func(path, format string, args ...any) error) error {
	type step struct {
		i    int
		kind FaultKind
		at   workload.Duration
	}
	var steps []step
	for i, f := range s.Faults {
		if f.Kind == FaultKill || f.Kind == FaultRestart {
			steps = append(steps, step{i, f.Kind, f.At})
		}
	}
	slices.SortStableFunc(steps, func(a, b step) int { return cmp.Compare(a.at, b.at) })
	down := false
	var killedAt workload.Duration
	for _, st := range steps {
		path := fmt.Sprintf("$.faults[%d].%s", st.i, st.kind)
		switch {
		case st.kind == FaultKill && down:
			return at(path, "kill at %s: the server is already down (killed at %s); restart it first", time.Duration(st.at), time.Duration(killedAt))
		case st.kind == FaultKill:
			down, killedAt = true, st.at
		case !down:
			return at(path, "restart at %s: no kill before it; a restart brings back a killed server", time.Duration(st.at))
		case st.at == killedAt:
			return at(path, "restart at %s: at the same time as the kill; actions run concurrently, so give the restart a later at", time.Duration(st.at))
		default:
			down = false
		}
	}
	return nil
}

// describeTarget names a non-builtin target in an error.
func describeTarget(t Target) string {
	if len(t.URL) > 0 {
		return "the target " + t.URL.String()
	}
	return "a target given by URLs"
}

// tlsURL returns one of the target's https:// or wss:// URLs, or "".
func tlsURL(t Target) string {
	all := slices.Clone(t.URL)
	for _, u := range t.URLs {
		all = append(all, u...)
	}
	for _, raw := range all {
		if u, err := url.Parse(raw); err == nil && (u.Scheme == "https" || u.Scheme == "wss") {
			return raw
		}
	}
	return ""
}
