package target

import (
	"slices"
	"testing"
)

func TestBuiltinPassesTheReplayFileOnEveryStart(t *testing.T) {
	tests := []struct {
		name string
		o    BuiltinOptions
		want []string // expected after the address and log level
	}{
		{"none", BuiltinOptions{ExtraArgs: []string{"--rate", "5"}}, []string{"--rate", "5"}},
		{"replay file", BuiltinOptions{ReplayFile: "/tmp/r", ExtraArgs: []string{"--rate", "5"}}, []string{"--replay-file", "/tmp/r", "--rate", "5"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := builtinConfig(tt.o)
			for _, args := range [][]string{cfg.Args, cfg.RestartArgs("127.0.0.1:4567")} {
				if got := args[5:]; !slices.Equal(got, tt.want) {
					t.Errorf("args %q, want %q after the first five", args, tt.want)
				}
			}
			if got := cfg.RestartArgs("127.0.0.1:4567")[2]; got != "127.0.0.1:4567" {
				t.Errorf("restart address %q", got)
			}
		})
	}
}
