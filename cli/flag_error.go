package cli

import (
	"flag"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// describeFlagError rewrites an error of the flag package as one line that
// names the flag with its value and says what form the flag takes, e.g.
// `--duration "5": use a unit, e.g. 5s`. The flag package's own messages
// ("invalid value "5" for flag -duration: parse error") say neither.
func describeFlagError(fs *flag.FlagSet, err error) string {
	msg := err.Error()
	if name, ok := strings.CutPrefix(msg, "flag provided but not defined: -"); ok {
		if near := nearestFlag(fs, name); near != "" {
			return fmt.Sprintf("unknown flag --%s; did you mean --%s?", name, near)
		}
		return fmt.Sprintf("unknown flag --%s", name)
	}
	if name, ok := strings.CutPrefix(msg, "flag needs an argument: -"); ok {
		if f := fs.Lookup(name); f != nil {
			if form := flagForm(f); form != "" {
				return fmt.Sprintf("--%s needs a value: %s", name, form)
			}
		}
		return fmt.Sprintf("--%s needs a value", name)
	}
	value, name, reason, ok := parseInvalidValue(msg)
	if !ok {
		return msg
	}
	f := fs.Lookup(name)
	if f == nil {
		return msg
	}
	if reason == "value out of range" {
		return fmt.Sprintf("--%s %q: out of range", name, value)
	}
	if _, isDuration := flagValue(f).(time.Duration); isDuration {
		if _, err := strconv.ParseFloat(value, 64); err == nil {
			return fmt.Sprintf("--%s %q: use a unit, e.g. %ss", name, value, value)
		}
	}
	if form := flagForm(f); form != "" {
		return fmt.Sprintf("--%s %q: %s", name, value, form)
	}
	return fmt.Sprintf("--%s %q: %s", name, value, reason)
}

// parseInvalidValue takes apart the flag package's two invalid-value
// messages: `invalid value "V" for flag -NAME: REASON` and `invalid boolean
// value "V" for -NAME: REASON`.
func parseInvalidValue(msg string) (value, name, reason string, ok bool) {
	rest, ok := strings.CutPrefix(msg, "invalid value ")
	if !ok {
		if rest, ok = strings.CutPrefix(msg, "invalid boolean value "); !ok {
			return "", "", "", false
		}
	}
	quoted, err := strconv.QuotedPrefix(rest)
	if err != nil {
		return "", "", "", false
	}
	value, _ = strconv.Unquote(quoted)
	rest = strings.TrimPrefix(rest[len(quoted):], " for ")
	rest = strings.TrimPrefix(rest, "flag ")
	rest, ok = strings.CutPrefix(rest, "-")
	if !ok {
		return "", "", "", false
	}
	name, reason, ok = strings.Cut(rest, ": ")
	return value, name, reason, ok
}

// flagValue is the typed value of a built-in flag (nil for a custom one).
func flagValue(f *flag.Flag) any {
	if g, ok := f.Value.(flag.Getter); ok {
		return g.Get()
	}
	return nil
}

// flagForm says what form a flag's value takes, with an example; "" for a
// string or custom flag, whose own check says it.
func flagForm(f *flag.Flag) string {
	example := func(fallback string) string {
		if f.DefValue != "" && f.DefValue != "0" {
			return f.DefValue
		}
		return fallback
	}
	switch flagValue(f).(type) {
	case time.Duration:
		return "want a duration with a unit, e.g. 500ms, 10s or 2m"
	case int, int64, uint, uint64:
		return "want a whole number, e.g. " + example("10")
	case float64:
		return "want a number, e.g. " + example("10")
	case bool:
		return "want true or false"
	}
	return ""
}

// nearestFlag is the defined flag closest to a mistyped name (at most two
// edits away), or "".
func nearestFlag(fs *flag.FlagSet, name string) string {
	best, bestDist := "", 3
	fs.VisitAll(func(f *flag.Flag) {
		if d := editDistance(name, f.Name); d < bestDist {
			best, bestDist = f.Name, d
		}
	})
	return best
}

// editDistance is the Levenshtein distance between a and b.
func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur := make([]int, len(b)+1)
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev = cur
	}
	return prev[len(b)]
}
