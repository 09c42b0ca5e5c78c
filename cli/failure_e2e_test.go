package cli

import (
	"net/http"
	"net/http/httptest"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// TestE2ENothingReceivedExits1 runs fanout against a server whose SSE stream
// opens but carries nothing and whose publish endpoint accepts every message
// and drops it: without a threshold, the run must still exit 1 with one line
// that names the transport and what to check.
func TestE2ENothingReceivedExits1(t *testing.T) {
	bin := buildBinary(t)
	mux := http.NewServeMux()
	mux.HandleFunc("GET /sse", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		w.WriteHeader(http.StatusOK)
		w.(http.Flusher).Flush()
		select {
		case <-r.Context().Done():
		case <-time.After(30 * time.Second):
		}
	})
	mux.HandleFunc("POST /publish", func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusAccepted) })
	srv := httptest.NewServer(mux)
	defer srv.Close()

	stdout, stderr, code := runBinary(t, bin, "run", "--quiet", "--out", "", "--target", srv.URL, "--transports", "sse",
		"--publish", srv.URL+"/publish", "--connections", "5", "--rate", "20", "--warmup", "0s", "--duration", "500ms", "--drain", "0s")
	if code != 1 {
		t.Fatalf("exit %d, want 1\nstdout:\n%s\nstderr:\n%s", code, stdout, stderr)
	}
	want := "pushbench run: sse: 0 of 50 expected messages received; is the publish endpoint right? see --publish"
	if !strings.Contains(stderr, want) {
		t.Fatalf("stderr lacks %q:\n%s", want, stderr)
	}
	if !strings.Contains(stdout, "—") {
		t.Errorf("the table shows no dash for the latency columns:\n%s", stdout)
	}
}

// TestE2EVersionNamesTheCommit checks pushbench version against the build
// information the Go toolchain stamped into the binary (go version -m): the
// commit when it stamped one (a build in a git clone, as make build does with
// -buildvcs=auto), none when it did not (go install of a module version, or a
// git worktree, which Go does not recognise as a repository).
func TestE2EVersionNamesTheCommit(t *testing.T) {
	bin := buildBinary(t)
	stdout, stderr, code := runBinary(t, bin, "version")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	info, err := exec.Command("go", "version", "-m", bin).Output()
	if err != nil {
		t.Fatalf("go version -m: %v", err)
	}
	revision := ""
	for _, line := range strings.Split(string(info), "\n") {
		if f := strings.Fields(line); len(f) == 2 && f[0] == "build" && strings.HasPrefix(f[1], "vcs.revision=") {
			revision = strings.TrimPrefix(f[1], "vcs.revision=")
		}
	}
	switch {
	case revision != "" && !strings.Contains(stdout, "(commit "+revision):
		t.Fatalf("version %q does not name the stamped commit %s", stdout, revision)
	case revision == "" && strings.Contains(stdout, "(commit "):
		t.Fatalf("version %q names a commit the build did not stamp", stdout)
	case !strings.HasPrefix(stdout, "pushbench ") || !strings.Contains(stdout, " go1."):
		t.Fatalf("version %q", stdout)
	}
}
