package clients

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"github.com/pushbench/pushbench/internal/wire"
)

// The clients' receive paths, per message: framing, buffering and the read
// into the caller's Frame.

type benchClock struct{}

func (benchClock) Now() time.Duration { return 0 }

var benchMsg = wire.Envelope{Seq: 123456, TS: 1700000000123456789, Topic: "pushbench-topic", Data: wire.Payload(100)}.AppendJSON(nil)

// loopBody is a stream body that repeats one read's bytes forever, as a
// server pushing one message per write would.
type loopBody struct{ chunk []byte }

func (b *loopBody) Read(p []byte) (int, error) { return copy(p, b.chunk), nil }
func (b *loopBody) Close() error               { return nil }

func benchStreamRead(b *testing.B, chunk []byte, framer streamFramer) {
	b.Helper()
	c := newStreamConn(&loopBody{chunk: chunk}, benchClock{}, framer)
	b.ReportAllocs()
	b.SetBytes(int64(len(chunk)))
	for b.Loop() {
		if _, err := c.Read(); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkStreamReadSSE(b *testing.B) {
	ev, _ := wire.AppendSSE(nil, wire.SSEEvent{ID: "123456", Data: string(benchMsg)})
	f := &sseFramer{max: DefaultMaxMessage, parser: wire.SSEParser{MaxLine: DefaultMaxMessage}}
	benchStreamRead(b, wire.AppendChunk(nil, ev), newDechunkFramer(f))
}

func BenchmarkStreamReadNDJSON(b *testing.B) {
	f := &linesFramer{lines: wire.LineSplitter{MaxLine: DefaultMaxMessage}}
	benchStreamRead(b, wire.AppendChunk(nil, wire.AppendNDJSON(nil, benchMsg)), newDechunkFramer(f))
}

// BenchmarkWSRead reads messages a loopback server writes as fast as it can.
func BenchmarkWSRead(b *testing.B) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, err := (&websocket.Upgrader{}).Upgrade(w, r, nil)
		if err != nil {
			return
		}
		defer c.Close()
		pm, _ := websocket.NewPreparedMessage(websocket.TextMessage, benchMsg)
		for ctx.Err() == nil {
			if c.WritePreparedMessage(pm) != nil {
				return
			}
		}
	}))
	defer srv.Close()
	defer cancel()
	opts := NewDialOptions(benchClock{}, 5*time.Second)
	defer opts.Close()
	conn, _, err := wsClient{}.Dial(ctx, "ws"+strings.TrimPrefix(srv.URL, "http"), opts)
	if err != nil {
		b.Fatal(err)
	}
	defer conn.Close()
	b.ReportAllocs()
	b.SetBytes(int64(len(benchMsg)))
	for b.Loop() {
		if _, err := conn.Read(); err != nil && err != io.EOF {
			b.Fatal(err)
		}
	}
}
