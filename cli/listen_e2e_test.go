package cli

import (
	"fmt"
	"strings"
	"testing"
)

// TestE2EListenToForeignTicker runs the binary as the README does against an
// SSE ticker pushbench did not write ("data: 0.42" with ids): exit 0, every
// message counted, none lost by the ticker's own ids.
func TestE2EListenToForeignTicker(t *testing.T) {
	bin := buildBinary(t)
	ts := sseTicker(t, func(i int) string { return fmt.Sprintf(": heartbeat\n\nid: %d\ndata: 0.42\n\n", i) })
	stdout, stderr, code := runBinary(t, bin, "run", "--quiet", "--out", "", "--pattern", "listen", "--target", ts.URL,
		"--transports", "sse", "--url", "sse="+ts.URL+"/ticker", "--seq", "sse-id", "--connections", "10", "--warmup", "300ms", "--duration", "1s")
	if code != 0 {
		t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", code, stdout, stderr)
	}
	if !strings.Contains(stdout, "sse: listen: ") || !strings.Contains(stdout, "messages on 10 connections; gap between messages p50") {
		t.Fatalf("no listen summary:\n%s", stdout)
	}
	for _, l := range strings.Split(stdout, "\n") {
		if strings.HasPrefix(l, "│ sse") {
			// │ transport │ conns │ p50 │ p99 │ max │ deliveries/s │ lost │ errors │
			// (a saturated generator marks the transport "sse *")
			var f []string
			for _, cell := range strings.Split(l, "│") {
				f = append(f, strings.TrimSpace(cell))
			}
			if len(f) < 9 || f[2] != "10/0" || f[7] != "0" || f[8] != "0" {
				t.Fatalf("row %q: want 10/0 connections, 0 lost, 0 errors", l)
			}
			return
		}
	}
	t.Fatalf("no sse row:\n%s", stdout)
}
