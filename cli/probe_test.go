package cli

import (
	"bytes"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// TestProbeSuggestsListenFlags probes an SSE ticker pushbench did not write:
// it shows the handshake and the first messages, and suggests listen with the
// timestamp and sequence fields it found.
func TestProbeSuggestsListenFlags(t *testing.T) {
	ts := sseTicker(t, func(i int) string {
		return fmt.Sprintf(": ping\n\ndata: {\"price\":0.42,\"n\":%d,\"t\":%d}\n\n", i, time.Now().UnixMilli())
	})
	var out, errOut bytes.Buffer
	if code := Main([]string{"probe", "--messages", "3", ts.URL + "/prices"}, &out, &errOut); code != 0 {
		t.Fatalf("exit %d: %s", code, errOut.String())
	}
	s := out.String()
	for _, want := range []string{
		ts.URL + "/prices as sse",
		"HTTP/1.1 200 OK", "Content-Type: text/event-stream", "X-Ticker: 1",
		`{"price":0.42,"n":3,`,
		"pushbench run --target " + ts.URL + " --transports sse --url sse=" + ts.URL + "/prices --pattern listen --timestamp t:ms --seq n",
	} {
		if !strings.Contains(s, want) {
			t.Errorf("probe output lacks %q:\n%s", want, s)
		}
	}
	if n := strings.Count(s, `"price":0.42`); n != 3 {
		t.Errorf("%d messages shown, want 3:\n%s", n, s)
	}
}

func TestProbeBadURL(t *testing.T) {
	var out, errOut bytes.Buffer
	if code := Main([]string{"probe", "localhost:8080"}, &out, &errOut); code != 2 || !strings.Contains(errOut.String(), `URL "localhost:8080"`) {
		t.Fatalf("exit %d: %s", code, errOut.String())
	}
}

// TestProbeNamesHandshakeFailure: probe classifies a failed handshake as runs
// do, with the status and the body's first bytes.
func TestProbeNamesHandshakeFailure(t *testing.T) {
	ts := httptest.NewServer(http.NotFoundHandler())
	defer ts.Close()
	var out, errOut bytes.Buffer
	code := Main([]string{"probe", "ws" + strings.TrimPrefix(ts.URL, "http") + "/feed"}, &out, &errOut)
	if code != 1 || !strings.Contains(errOut.String(), `status: expected 101 Switching Protocols, got 404 Not Found: "404 page not found`) {
		t.Fatalf("exit %d: %s", code, errOut.String())
	}
}
