package interop

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/pushbench/pushbench/servers"
	"github.com/pushbench/pushbench/servers/servertest"
)

// chromiumPath finds Debian's Chromium, skipping (or under CI failing) when it
// is not installed. pushbench never downloads a browser.
func chromiumPath(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	msg := "browser test needs Chromium: apt-get install -y chromium (.ci/run does)"
	if os.Getenv("CI") != "" {
		t.Fatal(msg)
	}
	t.Skip(msg)
	return ""
}

type received struct {
	Seq   uint64 `json:"seq"`
	Topic string `json:"topic"`
}

// TestBrowserReceivesEveryTransport loads the demo page in headless Chromium:
// the browser's own XMLHttpRequest (readyState 3), EventSource and WebSocket,
// and the official socket.io browser bundle, each against pushbench's server.
// Every transport must receive every published message, in order.
func TestBrowserReceivesEveryTransport(t *testing.T) {
	exe := chromiumPath(t)
	_, base := servertest.Start(t, servers.Config{})

	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(exe),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.Flag("headless", true),
		chromedp.Flag("no-sandbox", true),
		chromedp.Flag("disable-gpu", true),
		chromedp.Flag("no-first-run", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-dev-shm-usage", true),
	}
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	defer cancelAlloc()
	ctx, cancelTab := chromedp.NewContext(actx)
	defer cancelTab()
	ctx, cancel := context.WithTimeout(ctx, 60*time.Second)
	defer cancel()

	began := time.Now()
	t.Logf("browser starting")
	if _, err := chromedp.Run(ctx, chromedp.Navigate(base+"/")); err != nil {
		t.Fatalf("open page: %v", err)
	}
	transports := []string{"chunked", "sse", "ws", "socketio"}
	waitFor(t, ctx, "every transport open", func() (bool, string) {
		ready, _ := chromedp.Run(ctx, chromedp.Evaluate[map[string]bool](`window.pushbench.ready`))
		errs, _ := chromedp.Run(ctx, chromedp.Evaluate[[]string](`window.pushbench.errors`))
		for _, tr := range transports {
			if !ready[tr] {
				return false, fmt.Sprintf("ready %v errors %v", ready, errs)
			}
		}
		return true, ""
	})

	t.Logf("all four transports open after %v", time.Since(began))
	const n = 25
	for seq := 1; seq <= n; seq++ {
		body := fmt.Sprintf(`{"seq":%d,"ts":%d,"topic":"browser","data":"message %d ✓"}`, seq, time.Now().UnixNano(), seq)
		resp, err := http.Post(base+"/publish", "application/json", bytes.NewReader([]byte(body)))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
	}
	want := make([]uint64, n)
	for i := range want {
		want[i] = uint64(i + 1)
	}
	waitFor(t, ctx, "every message on every transport", func() (bool, string) {
		got, err := chromedp.Run(ctx, chromedp.Evaluate[map[string][]received](`window.pushbench.received`))
		if err != nil {
			return false, err.Error()
		}
		var status []string
		done := true
		for _, tr := range transports {
			var seqs []uint64
			for _, r := range got[tr] {
				if r.Topic == "browser" {
					seqs = append(seqs, r.Seq)
				}
			}
			if len(seqs) >= n && !slices.Equal(seqs, want) {
				t.Fatalf("%s received %v, want 1..%d in order", tr, seqs, n)
			}
			done = done && len(seqs) == n
			status = append(status, fmt.Sprintf("%s %d", tr, len(seqs)))
		}
		return done, strings.Join(status, ", ")
	})
	transport, err := chromedp.Run(ctx, chromedp.Evaluate[string](`window.pushbench.socketio.io.engine.transport.name`))
	if err != nil || transport != "websocket" {
		t.Errorf("socket.io in the browser ended on %q (%v), want an upgrade to websocket", transport, err)
	}
}

// waitFor polls cond until it holds or ctx ends.
func waitFor(t *testing.T, ctx context.Context, what string, cond func() (bool, string)) {
	t.Helper()
	var last string
	for {
		ok, status := cond()
		if ok {
			return
		}
		last = status
		select {
		case <-ctx.Done():
			t.Fatalf("waiting for %s: %v (last: %s)", what, ctx.Err(), last)
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// TestEmbeddedBundleIsThePinnedClient checks that the socket.io bundle the demo
// page serves is byte for byte the pinned socket.io-client's.
func TestEmbeddedBundleIsThePinnedClient(t *testing.T) {
	requireNode(t)
	pinned, err := os.ReadFile(filepath.Join("node_modules", "socket.io-client", "dist", "socket.io.min.js"))
	if err != nil {
		t.Fatal(err)
	}
	embedded, err := os.ReadFile(filepath.Join("..", "servers", "web", "socket.io.min.js"))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(pinned, embedded) {
		t.Fatal("servers/web/socket.io.min.js differs from interop/node_modules/socket.io-client/dist/socket.io.min.js: copy it again")
	}
}
