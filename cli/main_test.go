package cli

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
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
		{"unknown flag", []string{"run", "--conections", "5"}, "unknown flag --conections; did you mean --connections?"},
		{"unknown transport", []string{"run", "--transports", "sse,pigeon"}, `--transports: unknown transport "pigeon"`},
		{"template without marker", []string{"run", "--publish-body", `{"text":"hi"}`}, `--publish-body: template "{\"text\":\"hi\"}" has no {{marker}}`},
		{"bad timestamp unit", []string{"run", "--pattern", "listen", "--timestamp", "t:hours"}, `--timestamp: timestamp "t:hours": unit "hours"`},
		{"seq outside listen", []string{"run", "--seq", "n"}, "--seq: applies to pattern listen only"},
		{"ws url with http scheme", []string{"run", "--url", "ws=http://127.0.0.1:9000/feed"}, `--url: ws URL "http://127.0.0.1:9000/feed": want ws:// or wss://host:port/path`},
		{"misspelt pattern", []string{"run", "--pattern", "lisen"}, `--pattern: unknown pattern "lisen"`},
		{"bad target", []string{"run", "--target", "localhost:8080"}, `url "localhost:8080": want http://host:port`},
		{"bad format", []string{"run", "--format", "xml"}, `--format "xml"`},
		{"bad worker", []string{"run", "--worker", "2/2"}, `--worker "2/2"`},
		{"zero rate", []string{"run", "--rate", "0"}, "must be positive"},
		{"flags with a scenario file", []string{"run", "--connections", "5", "../scenarios/smoke.yaml"}, "--connections cannot be combined with scenario files"},
		{"missing scenario file", []string{"run", "nope.yaml"}, "read scenario"},
		{"validate nothing", []string{"validate"}, "name at least one"},
		{"zero repeat", []string{"run", "--repeat", "0"}, "--repeat 0"},
		{"bad url flag", []string{"run", "--url", "sse"}, `--url "sse": want NAME=VALUE`},
		{"bad namespace flag", []string{"serve", "--sio-namespace", "admin"}, "want NAME=VALUE"},
		{"namespace without slash", []string{"serve", "--sio-namespace", "admin=x"}, `namespace "admin"`},
		{"url for unknown transport", []string{"run", "--url", "mqtt=http://x"}, `unknown transport "mqtt"`},
		{"serve bad policy", []string{"serve", "--slow-policy", "block"}, `policy "block"`},
		{"serve bad log level", []string{"serve", "--log-level", "loud"}, `log level "loud"`},
		{"serve on every interface without a token", []string{"serve", "--addr", ":0"}, "a publish token is required when listening on a non-loopback address: pass --publish-token TOKEN (or set PUSHBENCH_PUBLISH_TOKEN)"},
		{"serve on 0.0.0.0 without a token", []string{"serve", "--addr", "0.0.0.0:0"}, "listen on 0.0.0.0:0: a publish token is required"},
		{"serve negative queue", []string{"serve", "--queue", "-5"}, "--queue -5: must not be negative"},
		{"serve negative queue bytes", []string{"serve", "--queue-bytes", "-1"}, "--queue-bytes -1: must not be negative"},
		{"serve negative body timeout", []string{"serve", "--body-timeout", "-1s"}, "--body-timeout -1s: must not be negative"},
		{"serve negative rate", []string{"serve", "--rate", "-3"}, "--rate -3: must not be negative"},
		{"serve negative replay", []string{"serve", "--replay", "-1"}, "--replay -1: want 0 (off) or more"},
		{"serve zero replay bytes", []string{"serve", "--replay-bytes", "0"}, "--replay-bytes 0: want a positive size"},
		{"report nothing", []string{"report"}, "name at least one"},
		{"merge without -o", []string{"merge", "a", "b"}, "-o OUT is required"},
		{"merge one", []string{"merge", "-o", "x", "a"}, "at least two"},
		{"compare one side", []string{"compare", "a"}, "want BASE and NEW"},
		{"compare bad format", []string{"compare", "--format", "xml", "a", "b"}, `--format "xml": want text or markdown`},
		{"report bad format", []string{"report", "--format", "xml", "a"}, `--format "xml"`},
	}
	t.Setenv(publishTokenEnv, "") // a token in the developer's environment would let serve bind every interface
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

// TestFlagErrorsNameTheFlag checks that a bad flag value is one line naming
// the flag, its value and the accepted form, plus where to find all flags,
// and never the whole usage.
func TestFlagErrorsNameTheFlag(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"duration without unit", []string{"run", "--duration", "5"}, `pushbench run: --duration "5": use a unit, e.g. 5s`},
		{"duration nonsense", []string{"run", "--warmup", "soon"}, `--warmup "soon": want a duration with a unit, e.g. 500ms, 10s or 2m`},
		{"duration with = form", []string{"run", "--drain=2"}, `--drain "2": use a unit, e.g. 2s`},
		{"int", []string{"run", "--connections", "ten"}, `--connections "ten": want a whole number, e.g. 1000`},
		{"int given a fraction", []string{"run", "--payload", "1.5"}, `--payload "1.5": want a whole number, e.g. 64`},
		{"int out of range", []string{"run", "--connections", "99999999999999999999"}, `--connections "99999999999999999999": out of range`},
		{"float", []string{"run", "--rate", "10/s"}, `--rate "10/s": want a number, e.g. 10`},
		{"bool", []string{"run", "--quiet=maybe"}, `--quiet "maybe": want true or false`},
		{"missing value", []string{"run", "--duration"}, "--duration needs a value: want a duration with a unit"},
		{"missing string value", []string{"run", "--target"}, "pushbench run: --target needs a value\n"},
		{"unknown flag far from any", []string{"report", "--zzzzzz"}, "pushbench report: unknown flag --zzzzzz\n"},
		{"serve int", []string{"serve", "--queue", "many"}, `pushbench serve: --queue "many": want a whole number, e.g. 1024`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out, errOut bytes.Buffer
			if code := Main(tt.args, &out, &errOut); code != 2 {
				t.Fatalf("exit %d, want 2; stderr: %s", code, errOut.String())
			}
			got := errOut.String()
			if !strings.Contains(got, tt.want) {
				t.Fatalf("stderr %q does not contain %q", got, tt.want)
			}
			hint := "Run 'pushbench " + tt.args[0] + " --help' for all flags.\n"
			if lines := strings.Split(strings.TrimSuffix(got, "\n"), "\n"); len(lines) != 2 || lines[1]+"\n" != hint {
				t.Fatalf("stderr is not the error and %q:\n%s", hint, got)
			}
			if out.Len() > 0 {
				t.Fatalf("stdout not empty on a flag error:\n%s", out.String())
			}
		})
	}
}

func TestHelpGoesToStdoutWithExamples(t *testing.T) {
	tests := []struct {
		args []string
		want []string // besides "Usage"
	}{
		{[]string{"--help"}, []string{"Commands:", "version", "Examples:"}},
		{[]string{"-h"}, []string{"Commands:"}},
		{[]string{"help"}, []string{"Commands:"}},
		{[]string{"help", "run"}, []string{"Usage: pushbench run", "pushbench run scenarios/smoke.yaml", "--target http://"}},
		{[]string{"run", "--help"}, []string{"Examples:", "\n  pushbench run\n", "pushbench run scenarios/smoke.yaml", "--target http://127.0.0.1:8080", "-wide", "-duration"}},
		{[]string{"serve", "-h"}, []string{"pushbench serve --addr 127.0.0.1:8080", "-slow-policy", "-publish-token", "-allowed-hosts", "PUSHBENCH_PUBLISH_TOKEN=s3cret pushbench serve --addr :8080"}},
		{[]string{"report", "--help"}, []string{"pushbench report --wide", "--format csv", "-wide"}},
		{[]string{"merge", "--help"}, []string{"pushbench merge -o merged", "-scenario"}},
		{[]string{"compare", "--help"}, []string{"pushbench compare results/runs/<old> results/runs/<new>"}},
		{[]string{"validate", "--help"}, []string{"pushbench validate scenarios/*.yaml"}},
		{[]string{"publish", "--help"}, []string{"pushbench publish -o results --section"}},
		{[]string{"version", "--help"}, []string{"pushbench version"}},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			var out, errOut bytes.Buffer
			if code := Main(tt.args, &out, &errOut); code != 0 {
				t.Fatalf("exit %d; stderr %s", code, errOut.String())
			}
			if errOut.Len() > 0 {
				t.Fatalf("help wrote to stderr:\n%s", errOut.String())
			}
			for _, want := range append(tt.want, "Usage") {
				if !strings.Contains(out.String(), want) {
					t.Errorf("help lacks %q:\n%s", want, out.String())
				}
			}
		})
	}
}

func TestVersion(t *testing.T) {
	for _, args := range [][]string{{"version"}, {"--version"}} {
		t.Run(strings.Join(args, " "), func(t *testing.T) {
			var out, errOut bytes.Buffer
			if code := Main(args, &out, &errOut); code != 0 {
				t.Fatalf("exit %d; stderr %s", code, errOut.String())
			}
			got := out.String()
			if !strings.HasPrefix(got, "pushbench ") || !strings.Contains(got, runtime.Version()) || strings.Count(got, "\n") != 1 {
				t.Fatalf("version output %q", got)
			}
		})
	}
}

func TestVersionLine(t *testing.T) {
	tests := []struct {
		env  results.Env
		want string
	}{
		{results.Env{Version: "v1.2.0", Commit: "0123456789abcdef0123456789abcdef01234567", GoVersion: "go1.26.8", OS: "linux", Arch: "amd64"},
			"pushbench v1.2.0 (commit 0123456789abcdef0123456789abcdef01234567) go1.26.8 linux/amd64"},
		{results.Env{Version: "(devel)", Commit: "abc", Modified: true, GoVersion: "go1.26.8", OS: "darwin", Arch: "arm64"},
			"pushbench (devel) (commit abc, modified) go1.26.8 darwin/arm64"},
		{results.Env{Version: "v1.2.0", GoVersion: "go1.26.8", OS: "linux", Arch: "amd64"}, "pushbench v1.2.0 go1.26.8 linux/amd64"},
	}
	for _, tt := range tests {
		t.Run(tt.want, func(t *testing.T) {
			if got := versionLine(tt.env); got != tt.want {
				t.Fatalf("got %q, want %q", got, tt.want)
			}
		})
	}
}

// TestUnwritableOutFailsBeforeTheRun points --out below a regular file, which
// no one can create a directory in (tests may run as root, whom a read-only
// mode would not stop), and checks the run fails at once naming the path.
func TestUnwritableOutFailsBeforeTheRun(t *testing.T) {
	file := filepath.Join(t.TempDir(), "file.txt")
	if err := os.WriteFile(file, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(file, "sub")
	tests := []struct {
		name string
		args []string
	}{
		{"flags", []string{"run", "--out", out, "--target", "http://127.0.0.1:1", "--transports", "sse"}},
		{"scenario file", []string{"run", "--out", out, "../scenarios/smoke.yaml"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			if code := Main(tt.args, &stdout, &stderr); code != 2 {
				t.Fatalf("exit %d, want 2; stderr: %s", code, stderr.String())
			}
			if !strings.Contains(stderr.String(), "pushbench run: --out: cannot create "+out+":") {
				t.Fatalf("stderr does not name the path:\n%s", stderr.String())
			}
			if stdout.Len() > 0 {
				t.Fatalf("the run started:\n%s", stdout.String())
			}
		})
	}
}

func TestCheckWritableDir(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "a", "b")
	if err := checkWritableDir(dir); err != nil {
		t.Fatal(err)
	}
	entries, err := os.ReadDir(dir)
	if err != nil || len(entries) != 0 {
		t.Fatalf("the write check left %v (%v)", entries, err)
	}
}

func TestTableFormat(t *testing.T) {
	tests := []struct {
		format string
		wide   bool
		want   report.Format
	}{
		{"text", false, report.FormatText},
		{"text", true, report.FormatWide},
		{"markdown", false, report.FormatMarkdown},
		{"markdown", true, report.FormatMarkdown},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprint(tt.format, tt.wide), func(t *testing.T) {
			if got := tableFormat(tt.format, tt.wide); got != tt.want {
				t.Fatalf("got %q, want %q", got, tt.want)
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
