package cli

import (
	"context"
	"fmt"
	"net/http"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/pushbench/pushbench/internal/wire"
	"github.com/pushbench/pushbench/target"
)

// TestE2ESSEResumesAcrossKillAndRestart runs pushbench serve with a replay
// file, SIGKILLs it and starts it again on the same file: an SSE client that
// resumes with its Last-Event-ID gets every message published before the
// kill and after the restart, once each, with no gap event.
func TestE2ESSEResumesAcrossKillAndRestart(t *testing.T) {
	bin := buildBinary(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	stderr := &lockedBuffer{}
	p, err := target.Builtin(ctx, target.BuiltinOptions{Executable: bin, Stderr: stderr, ReplayFile: filepath.Join(t.TempDir(), "replay")})
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = p.Kill(ctx) }()
	base := p.URLs().Base

	first := readSSE(ctx, t, base+"/sse", "", 10, func() {
		for n := 1; n <= 30; n++ {
			postEnvelope(ctx, t, base, n)
		}
	})
	if err := p.Kill(ctx); err != nil {
		t.Fatal(err)
	}
	if err := p.Restart(ctx); err != nil {
		t.Fatalf("restart: %v\n%s", err, stderr.String())
	}
	for n := 31; n <= 40; n++ {
		postEnvelope(ctx, t, base, n)
	}
	rest := readSSE(ctx, t, base+"/sse", first[len(first)-1].ID, 30, nil)

	prev := uint64(0)
	for i, ev := range append(first, rest...) {
		env, err := wire.DecodeEnvelope([]byte(ev.Data))
		id, idErr := strconv.ParseUint(ev.ID, 10, 64)
		if err != nil || idErr != nil || ev.Type != "message" || env.Seq != uint64(i+1) || id <= prev {
			t.Fatalf("event %d: %+v (%v), want message %d with an id above %d", i, ev, err, i+1, prev)
		}
		prev = id
	}
	if strings.Contains(stderr.String(), "skipped") {
		t.Errorf("server log: %s", stderr.String())
	}
}

func postEnvelope(ctx context.Context, t *testing.T, base string, seq int) {
	t.Helper()
	req, _ := http.NewRequestWithContext(ctx, "POST", base+"/publish", strings.NewReader(fmt.Sprintf(`{"seq":%d,"data":"m"}`, seq)))
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusAccepted {
		t.Fatalf("publish %d: %s", seq, resp.Status)
	}
}

// readSSE opens an SSE stream (resuming from lastID unless empty), runs
// publish once the stream is open, and returns the first n events.
func readSSE(ctx context.Context, t *testing.T, url, lastID string, n int, publish func()) []wire.SSEEvent {
	t.Helper()
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "GET", url, nil)
	if lastID != "" {
		req.Header.Set("Last-Event-ID", lastID)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %s", url, resp.Status)
	}
	if publish != nil {
		publish() // the stream is subscribed once its headers have arrived
	}
	var p wire.SSEParser
	var events []wire.SSEEvent
	buf := make([]byte, 4096)
	for len(events) < n {
		k, err := resp.Body.Read(buf)
		if ferr := p.Feed(buf[:k], func(ev wire.SSEEvent) { events = append(events, ev) }); ferr != nil {
			t.Fatal(ferr)
		}
		if err != nil && len(events) < n {
			t.Fatalf("%d of %d events, then %v", len(events), n, err)
		}
	}
	return events[:n]
}
