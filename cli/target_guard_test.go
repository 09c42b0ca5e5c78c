package cli

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/pushbench/pushbench/servers"
	"github.com/pushbench/pushbench/servers/servertest"
)

func TestIsLoopbackHost(t *testing.T) {
	for host, want := range map[string]bool{
		"127.0.0.1": true, "127.9.8.7": true, "::1": true, "localhost": true, "LOCALHOST": true, "localhost.": false, // asked of DNS, not /etc/hosts
		"0.0.0.0": false, "10.0.0.1": false, "192.0.2.7": false, "example.com": false, "localhost.example.com": false, "::": false,
	} {
		if got := isLoopbackHost(host); got != want {
			t.Errorf("isLoopbackHost(%q) = %v, want %v", host, got, want)
		}
	}
}

// anyAddr is base (http://127.0.0.1:PORT) reached through 0.0.0.0, which
// Linux routes to this machine but which is not a loopback address: a
// "remote" target a test can load without leaving the machine.
func anyAddr(base string) string { return strings.Replace(base, "127.0.0.1", "0.0.0.0", 1) }

// shortRun is a run's workload flags for a run of well under a second.
var shortRun = []string{"--quiet", "--out", "", "--transports", "sse", "--connections", "3", "--rate", "20",
	"--warmup", "0s", "--duration", "300ms", "--drain", "200ms", "--connect-timeout", "2s"}

// TestRemoteTargetRefusedUnlessAllowed: run and probe refuse a host outside
// loopback before sending anything, naming the host and --allow-remote; the
// flag or target.allow_remote lets them through.
func TestRemoteTargetRefusedUnlessAllowed(t *testing.T) {
	_, base := servertest.Start(t, servers.Config{})
	remote := anyAddr(base)
	dir := t.TempDir()
	scenario := func(name, extra string) string {
		p := filepath.Join(dir, name+".yaml")
		y := fmt.Sprintf("name: %s\ntarget:\n  url: %s\n%stransports: [sse]\nconnections: 3\nrate: 20/s\nwarmup: 0s\nduration: 300ms\ndrain: 200ms\n", name, remote, extra)
		if err := os.WriteFile(p, []byte(y), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	refused := scenario("refused", "")
	allowed := scenario("allowed", "  allow_remote: true\n")
	tests := []struct {
		name string
		args []string
		code int
		want []string
	}{
		{"run to a TEST-NET address", []string{"run", "--target", "http://192.0.2.7:8080"}, 2,
			[]string{`--target http://192.0.2.7:8080: host "192.0.2.7" is not loopback`, "--allow-remote", "target.allow_remote: true"}},
		{"run to a name", []string{"run", "--target", "http://example.com:8080"}, 2, []string{`host "example.com" is not loopback`}},
		{"run publishing elsewhere", []string{"run", "--target", base, "--publish", "http://192.0.2.7/publish"}, 2,
			[]string{`--publish http://192.0.2.7/publish: host "192.0.2.7"`}},
		{"run with a remote transport URL", []string{"run", "--target", base, "--url", "sse=http://192.0.2.7/sse"}, 2,
			[]string{`--url sse http://192.0.2.7/sse: host "192.0.2.7"`}},
		{"builtin with a remote transport URL", []string{"run", "--url", "sse=http://192.0.2.7/sse", "--transports", "sse"}, 2,
			[]string{`--url sse http://192.0.2.7/sse: host "192.0.2.7" is not loopback`}},
		{"builtin publishing elsewhere", []string{"run", "--publish", "http://192.0.2.7/publish", "--transports", "sse"}, 2,
			[]string{`--publish http://192.0.2.7/publish: host "192.0.2.7" is not loopback`}},
		{"run to localhost. (asked of DNS)", []string{"run", "--target", "http://localhost.:8080"}, 2, []string{`host "localhost." is not loopback`}},
		{"run to 0.0.0.0", append([]string{"run", "--target", remote}, shortRun...), 2, []string{`host "0.0.0.0" is not loopback`}},
		{"run to 0.0.0.0 allowed", append([]string{"run", "--allow-remote", "--target", remote}, shortRun...), 0, nil},
		{"scenario refused", []string{"run", "--quiet", "--out", "", refused}, 2, []string{refused + ": --target " + remote, "--allow-remote"}},
		{"scenario allowed", []string{"run", "--quiet", "--out", "", allowed}, 0, nil},
		{"scenario allowed by the flag", []string{"run", "--allow-remote", "--quiet", "--out", "", refused}, 0, nil},
		{"probe remote", []string{"probe", "http://192.0.2.7:8080/sse"}, 2, []string{`URL http://192.0.2.7:8080/sse: host "192.0.2.7" is not loopback`, "--allow-remote"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out, errOut bytes.Buffer
			code := Main(tt.args, &out, &errOut)
			if code != tt.code {
				t.Fatalf("exit %d, want %d\nstdout:\n%s\nstderr:\n%s", code, tt.code, out.String(), errOut.String())
			}
			for _, w := range tt.want {
				if !strings.Contains(errOut.String(), w) {
					t.Errorf("stderr lacks %q:\n%s", w, errOut.String())
				}
			}
		})
	}
	t.Run("probe allowed", func(t *testing.T) {
		ts := sseTicker(t, func(i int) string { return fmt.Sprintf("data: %d\n\n", i) })
		var out, errOut bytes.Buffer
		if code := Main([]string{"probe", "--allow-remote", "--messages", "1", anyAddr(ts.URL) + "/sse"}, &out, &errOut); code != 0 {
			t.Fatalf("exit %d: %s", code, errOut.String())
		}
	})
}

// TestFanoutNeverPublishesToAForeignServer: fanout against a user's server
// with no --publish guesses TARGET/publish only when GET /stats says the
// server is pushbench's; a foreign server is refused before anything is
// posted, with an error telling the user to name the publish endpoint.
func TestFanoutNeverPublishesToAForeignServer(t *testing.T) {
	var posts atomic.Int64
	mux := http.NewServeMux()
	mux.HandleFunc("GET /sse", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		w.(http.Flusher).Flush()
		<-r.Context().Done()
	})
	mux.HandleFunc("/publish", func(w http.ResponseWriter, r *http.Request) {
		posts.Add(1)
		io.Copy(io.Discard, r.Body)
		w.WriteHeader(http.StatusAccepted)
	})
	statsAnswer := map[string]func(w http.ResponseWriter){
		"404": func(w http.ResponseWriter) { http.NotFound(w, nil) },
		"html": func(w http.ResponseWriter) {
			w.Header().Set("Content-Type", "text/html")
			io.WriteString(w, "<html>stats</html>")
		},
		"other json": func(w http.ResponseWriter) {
			w.Header().Set("Content-Type", "application/json")
			io.WriteString(w, `{"uptime":5}`)
		},
	}
	for name, answer := range statsAnswer {
		t.Run(name, func(t *testing.T) {
			m := http.NewServeMux()
			m.Handle("/", mux)
			m.HandleFunc("GET /stats", func(w http.ResponseWriter, _ *http.Request) { answer(w) })
			ts := httptest.NewServer(m)
			defer ts.Close()
			var out, errOut bytes.Buffer
			code := Main(append([]string{"run", "--target", ts.URL}, shortRun...), &out, &errOut)
			if code != 1 {
				t.Fatalf("exit %d, want 1\nstderr:\n%s", code, errOut.String())
			}
			for _, w := range []string{"target " + ts.URL + " does not look like a pushbench server", "--publish", "--pattern listen"} {
				if !strings.Contains(errOut.String(), w) {
					t.Errorf("stderr lacks %q:\n%s", w, errOut.String())
				}
			}
			if n := posts.Load(); n != 0 {
				t.Fatalf("%d posts reached the foreign server's /publish", n)
			}
		})
	}
	t.Run("named publish endpoint", func(t *testing.T) {
		ts := httptest.NewServer(mux)
		defer ts.Close()
		var out, errOut bytes.Buffer
		code := Main(append([]string{"run", "--target", ts.URL, "--publish", ts.URL + "/publish"}, shortRun...), &out, &errOut)
		if strings.Contains(errOut.String(), "does not look like a pushbench server") || posts.Load() == 0 {
			t.Fatalf("exit %d, %d posts: the named endpoint was not used\n%s", code, posts.Load(), errOut.String())
		}
	})
	t.Run("pushbench server", func(t *testing.T) {
		_, base := servertest.Start(t, servers.Config{})
		var out, errOut bytes.Buffer
		if code := Main(append([]string{"run", "--target", base}, shortRun...), &out, &errOut); code != 0 {
			t.Fatalf("exit %d: %s", code, errOut.String())
		}
	})
}
