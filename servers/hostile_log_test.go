package servers

import (
	"bytes"
	"errors"
	"log/slog"
	"net"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

func TestHostileLogIsRateLimitedPerKind(t *testing.T) {
	var buf bytes.Buffer
	clk := newFakeClock()
	h := newHostileLog(slog.New(slog.NewTextHandler(&buf, nil)), clk)
	r := httptest.NewRequest("POST", "/publish", nil)
	bad := errors.New("bad")
	lines := func() []string { return strings.Split(strings.TrimSpace(buf.String()), "\n") }

	for range 5 {
		h.record("token", r, nil, bad)
	}
	h.record("host", r, nil, bad) // another kind has its own budget
	clk.Advance(hostileLogEvery - time.Millisecond)
	h.record("token", r, nil, bad) // still inside the window
	if got := lines(); len(got) != 2 || !strings.Contains(got[0], "kind=token") || !strings.Contains(got[0], "suppressed=0") ||
		!strings.Contains(got[1], "kind=host") {
		t.Fatalf("first window logged:\n%s", buf.String())
	}
	clk.Advance(time.Millisecond)
	h.record("token", nil, &net.TCPAddr{IP: net.IPv4(192, 0, 2, 9), Port: 99}, nil) // a session past its request
	got := lines()
	if len(got) != 3 || !strings.Contains(got[2], "kind=token") || !strings.Contains(got[2], "suppressed=5") ||
		!strings.Contains(got[2], "remote=192.0.2.9:99") {
		t.Fatalf("after the window, want one token line counting the 5 suppressed:\n%s", buf.String())
	}
	for _, l := range got {
		if !strings.Contains(l, "level=WARN") {
			t.Fatalf("not at Warn: %s", l)
		}
	}
	if !strings.Contains(got[0], "remote=192.0.2.1:1234") || !strings.Contains(got[0], "path=/publish") || !strings.Contains(got[0], "err=bad") {
		t.Fatalf("line without the request and error: %s", got[0])
	}
}
