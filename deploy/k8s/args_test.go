package k8s

import (
	"slices"
	"strings"
	"testing"
)

// booleanFlags are the flags of coordinate and worker that take no value, so
// the argument after one is not its value.
var booleanFlags = []string{"--allow-remote", "--quiet"}

// commandLine is a container's arguments split as pushbench's flag parsing
// splits them: the subcommand, flags with their values, positional arguments.
type commandLine struct {
	args []string
}

// flagIndex returns the index in args of flag's value (--name VALUE or
// --name=VALUE), or -1.
func (c commandLine) flagIndex(flag string) (int, bool) {
	for i := 1; i < len(c.args); i++ {
		a := c.args[i]
		if a == flag {
			if slices.Contains(booleanFlags, flag) {
				return -1, true
			}
			if i+1 < len(c.args) {
				return i + 1, true
			}
			return -1, false
		}
		if strings.HasPrefix(a, flag+"=") {
			return i, true
		}
	}
	return -1, false
}

// has reports whether flag is given.
func (c commandLine) has(flag string) bool {
	_, ok := c.flagIndex(flag)
	return ok
}

// value returns flag's value.
func (c commandLine) value(flag string) (string, bool) {
	i, ok := c.flagIndex(flag)
	if !ok || i < 0 {
		return "", false
	}
	return strings.TrimPrefix(c.args[i], flag+"="), true
}

// withValue returns a copy whose flag has value instead.
func (c commandLine) withValue(t *testing.T, flag, value string) commandLine {
	t.Helper()
	i, ok := c.flagIndex(flag)
	if !ok || i < 0 {
		t.Fatalf("%q: no %s VALUE to replace", c.args, flag)
	}
	args := slices.Clone(c.args)
	if strings.HasPrefix(args[i], flag+"=") {
		args[i] = flag + "=" + value
	} else {
		args[i] = value
	}
	return commandLine{args: args}
}

// positional returns the arguments that are neither the subcommand, flags
// nor flag values.
func (c commandLine) positional() []int {
	var at []int
	for i := 1; i < len(c.args); i++ {
		a := c.args[i]
		switch {
		case a == "--":
			for j := i + 1; j < len(c.args); j++ {
				at = append(at, j)
			}
			return at
		case strings.HasPrefix(a, "-"):
			if !strings.Contains(a, "=") && !slices.Contains(booleanFlags, a) {
				i++ // its value
			}
		default:
			at = append(at, i)
		}
	}
	return at
}

func TestCommandLine(t *testing.T) {
	c := commandLine{args: []string{"coordinate", "--workers", "3", "--listen=:7000", "--allow-remote", "/s.yaml", "--out", "/r"}}
	tests := []struct {
		flag   string
		want   string
		wantOK bool
	}{
		{"--workers", "3", true},
		{"--listen", ":7000", true},
		{"--out", "/r", true},
		{"--index", "", false},
		{"--allow-remote", "", false}, // given, but has no value
	}
	for _, tt := range tests {
		t.Run(tt.flag, func(t *testing.T) {
			got, ok := c.value(tt.flag)
			if got != tt.want || ok != tt.wantOK {
				t.Fatalf("value(%s) = %q, %v; want %q, %v", tt.flag, got, ok, tt.want, tt.wantOK)
			}
		})
	}
	if !c.has("--allow-remote") || c.has("--index") {
		t.Error("has: --allow-remote is given, --index is not")
	}
	if at := c.positional(); len(at) != 1 || c.args[at[0]] != "/s.yaml" {
		t.Errorf("positional %v of %q: want only /s.yaml", at, c.args)
	}
	moved := c.withValue(t, "--listen", "127.0.0.1:1").withValue(t, "--out", "/tmp/x")
	if got, _ := moved.value("--listen"); got != "127.0.0.1:1" {
		t.Errorf("--listen after withValue: %q", got)
	}
	if got, _ := moved.value("--out"); got != "/tmp/x" {
		t.Errorf("--out after withValue: %q", got)
	}
	if got, _ := c.value("--listen"); got != ":7000" {
		t.Errorf("withValue changed the original: --listen %q", got)
	}
}
