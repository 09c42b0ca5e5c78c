package cli

import (
	"io"
	"slices"
	"testing"
)

// TestFlagsMayFollowArguments: "run a.yaml --out x" is "run --out x a.yaml";
// after "--" everything is an argument.
func TestFlagsMayFollowArguments(t *testing.T) {
	tests := []struct {
		args     []string
		wantArgs []string
		wantOut  string
	}{
		{[]string{"a.yaml", "--out", "x"}, []string{"a.yaml"}, "x"},
		{[]string{"--out", "x", "a.yaml", "b.yaml"}, []string{"a.yaml", "b.yaml"}, "x"},
		{[]string{"a.yaml", "--out", "x", "b.yaml", "--", "--out", "y"}, []string{"a.yaml", "b.yaml", "--out", "y"}, "x"},
		{[]string{"-", "a.yaml"}, []string{"-", "a.yaml"}, ""},
		{nil, nil, ""},
	}
	for _, tt := range tests {
		fs := newFlagSet("test", "", io.Discard)
		out := fs.String("out", "", "")
		if err := parseFlags(fs, tt.args); err != nil {
			t.Fatalf("%q: %v", tt.args, err)
		}
		if !slices.Equal(fs.Args(), tt.wantArgs) || *out != tt.wantOut || fs.NArg() != len(tt.wantArgs) {
			t.Errorf("%q: args %q out %q, want %q and %q", tt.args, fs.Args(), *out, tt.wantArgs, tt.wantOut)
		}
	}
}
