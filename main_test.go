package main

import (
	"bytes"
	"strings"
	"testing"

	"github.com/pushbench/pushbench/loadgen"
)

func TestUsageErrorsExit2(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"no command", nil, "Usage:"},
		{"unknown command", []string{"attack"}, `unknown command "attack"`},
		{"unknown flag", []string{"run", "--conections", "5"}, "flag provided but not defined: -conections"},
		{"unknown transport", []string{"run", "--transports", "sse,pigeon"}, `unknown transport "pigeon"`},
		{"bad target", []string{"run", "--target", "localhost:8080"}, `url "localhost:8080": want http://host:port`},
		{"bad format", []string{"run", "--format", "xml"}, `--format "xml"`},
		{"bad worker", []string{"run", "--worker", "2/2"}, `--worker "2/2"`},
		{"zero rate", []string{"run", "--rate", "0"}, "must be positive"},
		{"flags with a scenario file", []string{"run", "--connections", "5", "scenarios/smoke.yaml"}, "--connections cannot be combined with scenario files"},
		{"missing scenario file", []string{"run", "nope.yaml"}, "read scenario"},
		{"validate nothing", []string{"validate"}, "name at least one"},
		{"zero repeat", []string{"run", "--repeat", "0"}, "--repeat 0"},
		{"bad url flag", []string{"run", "--url", "sse"}, "want NAME=VALUE"},
		{"bad namespace flag", []string{"serve", "--sio-namespace", "admin"}, "want NAME=VALUE"},
		{"namespace without slash", []string{"serve", "--sio-namespace", "admin=x"}, `namespace "admin"`},
		{"url for unknown transport", []string{"run", "--url", "mqtt=http://x"}, `unknown transport "mqtt"`},
		{"serve bad policy", []string{"serve", "--slow-policy", "block"}, `policy "block"`},
		{"serve bad log level", []string{"serve", "--log-level", "loud"}, `log level "loud"`},
		{"report nothing", []string{"report"}, "name at least one"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out, errOut bytes.Buffer
			code := realMain(tt.args, &out, &errOut)
			if code != 2 {
				t.Fatalf("exit %d, want 2; stderr: %s", code, errOut.String())
			}
			if all := out.String() + errOut.String(); !strings.Contains(all, tt.want) {
				t.Fatalf("output %q does not mention %q", all, tt.want)
			}
		})
	}
}

func TestHelpExits0(t *testing.T) {
	for _, args := range [][]string{{"--help"}, {"run", "--help"}, {"serve", "-h"}, {"report", "--help"}} {
		t.Run(strings.Join(args, " "), func(t *testing.T) {
			var out, errOut bytes.Buffer
			if code := realMain(args, &out, &errOut); code != 0 {
				t.Fatalf("exit %d; stderr %s", code, errOut.String())
			}
			if !strings.Contains(out.String()+errOut.String(), "Usage") {
				t.Fatalf("no usage printed")
			}
		})
	}
}

func TestEndpointURL(t *testing.T) {
	tests := []struct{ base, transport, want string }{
		{"http://127.0.0.1:8080", "sse", "http://127.0.0.1:8080/sse"},
		{"http://127.0.0.1:8080/", "chunked", "http://127.0.0.1:8080/chunked"},
		{"http://127.0.0.1:8080", "ws", "ws://127.0.0.1:8080/ws"},
		{"https://example.test", "ws", "wss://example.test/ws"},
	}
	for _, tt := range tests {
		t.Run(tt.base+"+"+tt.transport, func(t *testing.T) {
			if got := loadgen.Transports()[tt.transport].Endpoint(tt.base); got != tt.want {
				t.Fatalf("got %s, want %s", got, tt.want)
			}
		})
	}
}
