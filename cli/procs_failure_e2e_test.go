package cli

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// TestE2EProcsWorkersToldOfARunFailure: a coordinated run that fails in the
// command itself after the workers joined (here: a fan-out against a server
// that is not pushbench's with no --publish, refused before any load) tells
// its workers why, so they exit non-zero with the reason instead of "done".
func TestE2EProcsWorkersToldOfARunFailure(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end")
	}
	bin := buildBinary(t)
	foreign := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		http.Error(w, "not here", http.StatusNotFound)
	}))
	defer foreign.Close()
	_, stderr, code := runBinary(t, bin, "run", "--procs", "1", "--target", foreign.URL, "--transports", "sse",
		"--connections", "2", "--duration", "1s", "--out", t.TempDir())
	if code != 1 || !strings.Contains(stderr, "does not look like a pushbench server") {
		t.Fatalf("exit %d, want 1 naming the foreign server:\n%s", code, stderr)
	}
	if !strings.Contains(stderr, `[worker 0] `) || !strings.Contains(stderr, `msg="the coordinator ended the run as failed"`) {
		t.Fatalf("the worker was not told the run failed:\n%s", stderr)
	}
}
