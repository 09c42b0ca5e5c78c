package cli

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/pushbench/pushbench/scenarios"
)

// urlListFlag collects a repeatable URL flag (--target, --publish): each use
// adds one URL, or several separated by commas.
type urlListFlag []string

func (l *urlListFlag) String() string { return strings.Join(*l, ",") }

func (l *urlListFlag) Set(s string) error {
	for _, v := range strings.Split(s, ",") {
		v = strings.TrimSpace(v)
		if v == "" {
			return fmt.Errorf("empty URL in %q", s)
		}
		*l = append(*l, v)
	}
	return nil
}

// transportURLsFlag collects repeated --url TRANSPORT=URL flags: the same
// transport again adds another server's URL for it.
type transportURLsFlag map[string]scenarios.URLList

func (m transportURLsFlag) String() string {
	var parts []string
	for _, k := range slices.Sorted(maps.Keys(m)) {
		for _, v := range m[k] {
			parts = append(parts, k+"="+v)
		}
	}
	return strings.Join(parts, ",")
}

func (m transportURLsFlag) Set(s string) error {
	k, v, ok := strings.Cut(s, "=")
	if !ok || k == "" || v == "" {
		return errors.New("want NAME=VALUE")
	}
	m[k] = append(m[k], v)
	return nil
}

// builtinTarget is the --target value that starts pushbench's reference
// servers instead of naming the user's.
const builtinTarget = "builtin"

// targetOf builds the scenario's target from --target (none or builtin: the
// builtin target with --servers servers; else the servers' base URLs),
// --url and --publish.
func targetOf(targets urlListFlag, servers int, urls transportURLsFlag, publish urlListFlag) (scenarios.Target, error) {
	t := scenarios.Target{Publish: scenarios.URLList(publish)}
	if len(urls) > 0 {
		t.URLs = map[string]scenarios.URLList(urls)
	}
	switch {
	case len(targets) == 0 || slices.Equal(targets, []string{builtinTarget}):
		t.Builtin, t.Servers = true, servers
	case slices.Contains(targets, builtinTarget):
		return t, fmt.Errorf("--target %s cannot be combined with server URLs (%s): give builtin (with --servers N) or your servers' URLs",
			builtinTarget, strings.Join(slices.DeleteFunc(slices.Clone(targets), func(s string) bool { return s == builtinTarget }), ", "))
	default:
		t.URL, t.Servers = scenarios.URLList(targets), servers
	}
	return t, nil
}
