package servers

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/pushbench/pushbench/internal/wire"
)

// benchEnvelope is a broadcast of the default 64-byte payload.
func benchEnvelope(seq uint64) wire.Envelope {
	return wire.Envelope{Seq: seq, TS: time.Now().UnixNano(), Data: strings.Repeat("x", 64)}
}

// discardSink takes every direct write, as a socket with room does.
type discardSink struct{ frame func(*Message) []byte }

func (d discardSink) tryWrite(m *Message) writeResult { _ = d.frame(m); return wroteAll }
func (discardSink) wake()                             {}
func (discardSink) kicked()                           {}

// BenchmarkHubPublish is one broadcast to N subscribers: queued, each then
// taken by its writer (the WebSocket and Engine.IO path), or written to a
// sink directly (the stream path, socket writes left out).
func BenchmarkHubPublish(b *testing.B) {
	for _, n := range []int{100, 10_000} {
		b.Run(fmt.Sprintf("queued/subs=%d", n), func(b *testing.B) {
			hub := NewHub(1024, 8<<20, SlowDrop)
			subs := make([]*Subscriber, n)
			for i := range subs {
				subs[i] = hub.Subscribe()
			}
			b.ReportAllocs()
			for i := 0; b.Loop(); i++ {
				hub.Publish(NewMessage(benchEnvelope(uint64(i))))
				for _, s := range subs {
					s.Release(s.Next())
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n), "ns/delivery")
		})
		b.Run(fmt.Sprintf("direct/subs=%d", n), func(b *testing.B) {
			hub := NewHub(1024, 8<<20, SlowDrop)
			for range n {
				hub.Subscribe().attach(discardSink{(*Message).SSEChunk})
			}
			b.ReportAllocs()
			for i := 0; b.Loop(); i++ {
				hub.Publish(NewMessage(benchEnvelope(uint64(i))))
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n), "ns/delivery")
		})
	}
}

// BenchmarkFraming is the per-broadcast encoding of each transport, done once
// for all of its connections.
func BenchmarkFraming(b *testing.B) {
	frames := []struct {
		name  string
		frame func(*Message) int
	}{
		{"sse", func(m *Message) int { return len(m.SSEFrame()) }},
		{"sse-chunk", func(m *Message) int { return len(m.SSEChunk()) }},
		{"ndjson", func(m *Message) int { return len(m.NDJSONLine()) }},
		{"ndjson-chunk", func(m *Message) int { return len(m.NDJSONChunk()) }},
		{"engineio", func(m *Message) int { return len(m.SocketIOEvent()) }},
		{"ws-prepared", func(m *Message) int { pm, _ := m.WebSocketFrame(); return boolInt(pm != nil) }},
		{"socketio-ws-prepared", func(m *Message) int { pm, _ := m.SocketIOFrame(); return boolInt(pm != nil) }},
	}
	env := benchEnvelope(1)
	for _, f := range frames {
		b.Run(f.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				m := &Message{Env: env, JSON: env.AppendJSON(nil), ID: 1704067200000001}
				if f.frame(m) == 0 {
					b.Fatal("empty frame")
				}
			}
		})
	}
}

func boolInt(ok bool) int {
	if ok {
		return 1
	}
	return 0
}

// BenchmarkRawStreamFanout is a broadcast to N SSE streams on loopback TCP
// whose clients drain them: direct non-blocking writes, one write(2) per
// delivery, including the kernel's share.
func BenchmarkRawStreamFanout(b *testing.B) {
	const n = 100
	srv := newServer(Config{Heartbeat: -1}, slog.New(slog.NewTextHandler(io.Discard, nil)), realClock{})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	defer ln.Close()
	sw := streamWriter{preamble: []byte("\n"), heartbeat: []byte("\n"), frame: (*Message).SSEFrame,
		chunk: (*Message).SSEChunk, open: &srv.live.sse}
	var clients []net.Conn
	drained := make(chan struct{}, n)
	for range n {
		c, err := net.Dial("tcp", ln.Addr().String())
		if err != nil {
			b.Fatal(err)
		}
		clients = append(clients, c)
		go func() { _, _ = io.Copy(io.Discard, c); drained <- struct{}{} }()
		sc, err := ln.Accept()
		if err != nil {
			b.Fatal(err)
		}
		srv.runRawStream(sc, http.Header{}, sw, srv.hub.Subscribe(), nil)
	}
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		srv.hub.Publish(NewMessage(benchEnvelope(uint64(i))))
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n), "ns/delivery")
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := srv.Shutdown(ctx); err != nil {
		b.Fatal(err)
	}
	for _, c := range clients {
		c.Close()
		<-drained
	}
}
