package cli

import (
	"bytes"
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/pushbench/pushbench/clients"
	"github.com/pushbench/pushbench/report"
	"github.com/pushbench/pushbench/results"
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
		{"flags with a scenario file", []string{"run", "--connections", "5", "../scenarios/smoke.yaml"}, "--connections cannot be combined with scenario files"},
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
		{"merge without -o", []string{"merge", "a", "b"}, "-o OUT is required"},
		{"merge one", []string{"merge", "-o", "x", "a"}, "at least two"},
		{"compare one side", []string{"compare", "a"}, "want BASE and NEW"},
		{"compare bad format", []string{"compare", "--format", "xml", "a", "b"}, `--format "xml": want text or markdown`},
		{"report bad format", []string{"report", "--format", "xml", "a"}, `--format "xml"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out, errOut bytes.Buffer
			code := Main(tt.args, &out, &errOut)
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
			if code := Main(args, &out, &errOut); code != 0 {
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
			e, _ := clients.Lookup(clients.Name(tt.transport))
			if got := e.Endpoint(tt.base); got != tt.want {
				t.Fatalf("got %s, want %s", got, tt.want)
			}
		})
	}
}

func TestCompareCommand(t *testing.T) {
	dir := t.TempDir()
	write := func(side string, i int, latency time.Duration) {
		h := results.NewHistogram()
		for j := range 100 {
			h.Record(latency + time.Duration(i*7+j)*time.Microsecond)
		}
		run := &results.Run{Schema: results.SchemaVersion, Name: "c", Scenario: json.RawMessage(`{}`), Transports: []*results.TransportResult{{
			Transport: "ws", Workload: results.Workload{Duration: results.Duration(time.Second)},
			Histograms: map[string]*results.Histogram{results.HistLatency: h},
		}}}
		if err := report.WriteRunDir(filepath.Join(dir, side, fmt.Sprintf("r%d", i)), run); err != nil {
			t.Fatal(err)
		}
	}
	for i := range 5 {
		write("base", i, 10*time.Millisecond)
		write("same", i, 10*time.Millisecond)
		write("slower", i, 30*time.Millisecond)
	}
	tests := []struct {
		next, want string
	}{
		{"same", "~"},
		{"slower", "+"},
	}
	for _, tt := range tests {
		t.Run(tt.next, func(t *testing.T) {
			var out, errOut bytes.Buffer
			if code := Main([]string{"compare", filepath.Join(dir, "base"), filepath.Join(dir, tt.next)}, &out, &errOut); code != 0 {
				t.Fatalf("exit %d: %s", code, errOut.String())
			}
			var row string
			for _, l := range strings.Split(out.String(), "\n") {
				if strings.Contains(l, "latency.p50") {
					row = l
				}
			}
			if !strings.Contains(out.String(), "(5 runs)") {
				t.Fatalf("output does not say each side has 5 runs:\n%s", out.String())
			}
			if !strings.Contains(row, "n=5") {
				t.Fatalf("latency.p50 row %q does not give the sample size n=5", row)
			}
			fields := strings.Fields(strings.ReplaceAll(row, "│", " "))
			if len(fields) < 5 || !strings.HasPrefix(fields[4], tt.want) {
				t.Fatalf("latency.p50 row %q: want delta %q", row, tt.want)
			}
		})
	}
}
