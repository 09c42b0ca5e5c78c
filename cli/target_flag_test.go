package cli

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/pushbench/pushbench/scenarios"
)

// TestTargetFlagsBuildTheTarget: --target repeats (or takes commas) for
// several servers, --servers sets the builtin's count, --url repeats per
// transport and --publish repeats.
func TestTargetFlagsBuildTheTarget(t *testing.T) {
	a, b := "http://127.0.0.1:8081", "http://127.0.0.1:8082"
	tests := []struct {
		name string
		args []string
		want scenarios.Target
	}{
		{"default", nil, scenarios.Target{Builtin: true}},
		{"builtin", []string{"--target", "builtin"}, scenarios.Target{Builtin: true}},
		{"builtin servers", []string{"--servers", "3"}, scenarios.Target{Builtin: true, Servers: 3}},
		{"one server", []string{"--target", a}, scenarios.Target{URL: scenarios.URLList{a}}},
		{"repeated", []string{"--target", a, "--target", b}, scenarios.Target{URL: scenarios.URLList{a, b}}},
		{"commas", []string{"--target", a + "," + b}, scenarios.Target{URL: scenarios.URLList{a, b}}},
		{"per-transport URLs and publish endpoints", []string{"--target", a, "--target", b, "--url", "ws=ws://127.0.0.1:8081/feed",
			"--url", "ws=ws://127.0.0.1:8082/feed", "--publish", a + "/publish", "--publish", b + "/publish"},
			scenarios.Target{URL: scenarios.URLList{a, b}, URLs: map[string]scenarios.URLList{"ws": {"ws://127.0.0.1:8081/feed", "ws://127.0.0.1:8082/feed"}},
				Publish: scenarios.URLList{a + "/publish", b + "/publish"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := runOptions{urls: transportURLsFlag{}}
			fs := newFlagSet("run", "", &bytes.Buffer{})
			fs.Var(&o.target, "target", "")
			fs.IntVar(&o.servers, "servers", 0, "")
			fs.Var(o.urls, "url", "")
			fs.Var(&o.publish, "publish", "")
			if err := parseFlags(fs, tt.args); err != nil {
				t.Fatal(err)
			}
			got, err := targetOf(o.target, o.servers, o.urls, o.publish)
			if err != nil {
				t.Fatal(err)
			}
			if got.Builtin != tt.want.Builtin || got.Servers != tt.want.Servers || !slices.Equal(got.URL, tt.want.URL) ||
				!slices.Equal(got.Publish, tt.want.Publish) || len(got.URLs) != len(tt.want.URLs) {
				t.Fatalf("target %+v, want %+v", got, tt.want)
			}
			for k, v := range tt.want.URLs {
				if !slices.Equal(got.URLs[k], v) {
					t.Errorf("urls %s = %q, want %q", k, got.URLs[k], v)
				}
			}
		})
	}
}

// TestTargetFlagErrors: a bad --target, --servers or remote entry of a list
// exits 2 naming the flag and the entry.
func TestTargetFlagErrors(t *testing.T) {
	local := "http://127.0.0.1:1"
	remote := "http://192.0.2.7:8080"
	scenario := writeFile(t, "two.yaml", fmt.Sprintf("name: two\ntarget:\n  url: [%s, %s]\ntransports: [sse]\n", local, remote))
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"builtin with a URL", []string{"run", "--target", "builtin", "--target", local}, "--target builtin cannot be combined with server URLs (" + local + ")"},
		{"servers with URLs", []string{"run", "--target", local, "--servers", "2"}, "--servers: servers starts that many reference servers, with builtin only"},
		{"too many servers", []string{"run", "--servers", "65"}, "--servers: servers 65: want 1 to 64"},
		{"bad second target", []string{"run", "--target", local, "--target", "localhost:2"}, `--target: url "localhost:2": want http://host:port`},
		{"same target twice", []string{"run", "--target", local, "--target", local}, `--target: url "` + local + `" is listed twice`},
		{"empty entry", []string{"run", "--target", local + ","}, `--target "` + local + `,": empty URL`},
		{"second target remote", []string{"run", "--target", local, "--target", remote}, "--target " + remote + `: host "192.0.2.7" is not loopback`},
		{"second publish remote", []string{"run", "--target", local, "--publish", local + "/publish", "--publish", remote + "/publish"},
			"--publish " + remote + `/publish: host "192.0.2.7" is not loopback`},
		{"second url of a transport remote", []string{"run", "--target", local, "--transports", "sse", "--url", "sse=" + local + "/sse", "--url", "sse=" + remote + "/sse"},
			"--url sse " + remote + `/sse: host "192.0.2.7" is not loopback`},
		{"scenario with a remote second url", []string{"run", scenario}, scenario + ": --target " + remote + `: host "192.0.2.7" is not loopback`},
		{"servers with a scenario file", []string{"run", "--servers", "2", scenario}, "--servers cannot be combined with scenario files"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out, errOut bytes.Buffer
			if code := Main(tt.args, &out, &errOut); code != 2 {
				t.Fatalf("exit %d, want 2; stderr: %s", code, errOut.String())
			}
			if !strings.Contains(errOut.String(), tt.want) {
				t.Fatalf("stderr %q lacks %q", errOut.String(), tt.want)
			}
		})
	}
}

// TestRunHelpDescribesSeveralTargets: --help says --target repeats and
// what --servers does.
func TestRunHelpDescribesSeveralTargets(t *testing.T) {
	var out, errOut bytes.Buffer
	if code := Main([]string{"run", "--help"}, &out, &errOut); code != 0 {
		t.Fatalf("exit %d: %s", code, errOut.String())
	}
	for _, want := range []string{"-servers", "repeat it", "--target http://127.0.0.1:8081 --target http://127.0.0.1:8082", "--servers 3"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("help lacks %q", want)
		}
	}
}

// TestValidateAcceptsTargetLists: pushbench validate takes a scenario with
// a list of servers and several builtin servers.
func TestValidateAcceptsTargetLists(t *testing.T) {
	dir := t.TempDir()
	files := map[string]string{
		"list.yaml":    "name: list\ntarget:\n  url: [http://127.0.0.1:8081, http://127.0.0.1:8082]\ntransports: [ws]\n",
		"servers.yaml": "name: servers\ntarget: {builtin: true, servers: 3}\n",
	}
	var paths []string
	for name, src := range files {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
		paths = append(paths, p)
	}
	var out, errOut bytes.Buffer
	if code := Main(append([]string{"validate"}, paths...), &out, &errOut); code != 0 {
		t.Fatalf("exit %d: %s%s", code, out.String(), errOut.String())
	}
}
