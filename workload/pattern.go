package workload

import (
	"fmt"
	"strings"
)

// Pattern names a shape of load.
type Pattern string

// The patterns the load generator runs.
const (
	Fanout Pattern = "fanout" // one publisher broadcasts to every connection
	Echo   Pattern = "echo"   // every connection sends and times the echo
	Idle   Pattern = "idle"   // hold connections open and measure what they cost
	Churn  Pattern = "churn"  // open and close connections at a rate, timing each connect
	Listen Pattern = "listen" // no publisher: receive what the server pushes on its own
)

// PatternInfo is one pattern's entry in the registry: what it needs of a
// transport and a target, and what it promises to measure.
type PatternInfo struct {
	Name    Pattern
	Summary string
	// Bidirectional patterns write on every connection (echo).
	Bidirectional bool
	// Publishes patterns need a publish endpoint on the target (fanout).
	Publishes bool
	// Delivers patterns expect messages on every connection; a run that
	// received none has failed.
	Delivers bool
	// Scheduled patterns send the plan's schedule, so every connection is
	// owed each measured message and what does not arrive is lost.
	Scheduled bool
	// Holds patterns keep their connections open for the whole run; churn
	// does not.
	Holds bool
}

// patterns is the registry, in the order help text lists them.
var patterns = []PatternInfo{
	{Name: Fanout, Summary: "one publisher, every connection receives", Publishes: true, Delivers: true, Scheduled: true, Holds: true},
	{Name: Echo, Summary: "each connection sends and times the echo", Bidirectional: true, Delivers: true, Scheduled: true, Holds: true},
	{Name: Listen, Summary: "no publisher: receive what the server pushes on its own", Delivers: true, Holds: true},
	{Name: Idle, Summary: "hold connections, measure their cost", Holds: true},
	{Name: Churn, Summary: "open and close connections at --rate, timing each connect"},
}

// Patterns lists every pattern in a stable order.
func Patterns() []PatternInfo { return append([]PatternInfo(nil), patterns...) }

// PatternNames lists the pattern names in a stable order.
func PatternNames() []string {
	names := make([]string, len(patterns))
	for i, p := range patterns {
		names[i] = string(p.Name)
	}
	return names
}

// Info returns the registry entry of p.
func (p Pattern) Info() (PatternInfo, bool) {
	for _, e := range patterns {
		if e.Name == p {
			return e, true
		}
	}
	return PatternInfo{}, false
}

// ParsePattern reads a pattern name, naming the valid ones when it is unknown.
func ParsePattern(s string) (Pattern, error) {
	p := Pattern(s)
	if _, ok := p.Info(); !ok {
		return "", fmt.Errorf("unknown pattern %q (want %s)", s, strings.Join(PatternNames(), ", "))
	}
	return p, nil
}
