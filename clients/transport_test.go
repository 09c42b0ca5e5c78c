package clients_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/pushbench/pushbench/clients"
	"github.com/pushbench/pushbench/internal/wire"
)

// dribble writes body in pieces of 1, 2, 3, ... 7 bytes, flushing each, so
// message boundaries land everywhere relative to chunk boundaries.
func dribble(contentType, body string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", contentType)
		for size := 1; body != ""; size = size%7 + 1 {
			n := min(size, len(body))
			io.WriteString(w, body[:n])
			w.(http.Flusher).Flush()
			body = body[n:]
		}
	}
}

func readAll(t *testing.T, transport clients.Name, url string) []wire.Envelope {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	conn, tm, err := dial(t, ctx, transport, url, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if tm.Ready <= 0 || tm.TCP <= 0 || tm.TCP > tm.Ready {
		t.Errorf("timings %+v: want 0 < tcp <= ready", tm)
	}
	var got []wire.Envelope
	for {
		f, err := conn.Read()
		msg := f.Data
		if err != nil {
			if !errors.Is(err, clients.ErrEnded) {
				t.Fatalf("read: %v, want the clean end", err)
			}
			return got
		}
		env, err := wire.DecodeEnvelope(msg)
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, env)
	}
}

func envelopes(n int) []wire.Envelope {
	var out []wire.Envelope
	for i := 1; i <= n; i++ {
		out = append(out, wire.Envelope{Seq: uint64(i), TS: int64(i) * 1000, Topic: "t", Data: wire.Payload(i * 3)})
	}
	return out
}

func TestChunkedClientAcrossArbitraryChunkBoundaries(t *testing.T) {
	want := envelopes(40)
	var body strings.Builder
	for i, e := range want {
		body.Write(e.AppendJSON(nil))
		if i%3 == 0 {
			body.WriteString("\r\n\n") // CRLF and a heartbeat blank line
		} else {
			body.WriteString("\n")
		}
	}
	ts := httptest.NewServer(dribble("application/x-ndjson", body.String()))
	defer ts.Close()
	sameEnvelopes(t, readAll(t, clients.Chunked, ts.URL), want)
}

func sameEnvelopes(t *testing.T, got, want []wire.Envelope) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("got %d messages, want %d", len(got), len(want))
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("message %d = %+v, want %+v", i, got[i], want[i])
		}
	}
}

func TestSSEClientAcrossArbitraryChunkBoundaries(t *testing.T) {
	want := envelopes(40)
	body := "\xEF\xBB\xBFretry: 1000\r\n\r\n"
	for i, e := range want {
		frame, err := wire.AppendSSE(nil, wire.SSEEvent{ID: "x", Type: "tick", Data: string(e.AppendJSON(nil))})
		if err != nil {
			t.Fatal(err)
		}
		s := string(frame)
		switch i % 3 {
		case 1:
			s = strings.ReplaceAll(s, "\n", "\r\n")
		case 2:
			s = ": heartbeat\r" + strings.ReplaceAll(s, "\n", "\r")
		}
		body += s
	}
	ts := httptest.NewServer(dribble("text/event-stream; charset=utf-8", body))
	defer ts.Close()
	sameEnvelopes(t, readAll(t, clients.SSE, ts.URL), want)
}
