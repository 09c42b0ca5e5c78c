package clients_test

import (
	"bufio"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pushbench/pushbench/clients"
)

// chunkWriter is a foreign chunked server in the style of the classic
// readyState-3 demo: each of writes is flushed as its own HTTP chunk, then
// the handler returns (the last chunk: a clean end) or, with abort, drops
// the connection.
func chunkWriter(writes []string, abort bool) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain")
		for _, s := range writes {
			io.WriteString(w, s)
			w.(http.Flusher).Flush()
			// Let the chunk leave alone, so TCP does not merge it with the next.
			time.Sleep(2 * time.Millisecond)
		}
		if abort {
			panic(http.ErrAbortHandler)
		}
	}
}

func TestChunkedFramingOfAForeignServer(t *testing.T) {
	tests := []struct {
		name    string
		framing string
		writes  []string
		abort   bool
		want    []string
		wantErr string // empty: a clean end
	}{
		{"chunks: one frame per chunk", clients.FramingChunks, []string{"1", "2", "3"}, false, []string{"1", "2", "3"}, ""},
		{"chunks: two numbers in one chunk", clients.FramingChunks, []string{"1\n2\n", "3\n"}, false, []string{"1\n2\n", "3\n"}, ""},
		{"chunks: blank chunks are heartbeats", clients.FramingChunks, []string{"\n", "1", "\r\n", " 2 "}, false, []string{"1", " 2 "}, ""},
		{"chunks: dropped between chunks", clients.FramingChunks, []string{"1", "2"}, true, []string{"1", "2"}, "connection closed before the last chunk"},
		{"lines: one frame per line", clients.FramingLines, []string{"1\n", "2\n", "3\n"}, false, []string{"1", "2", "3"}, ""},
		{"lines: two numbers in one chunk", clients.FramingLines, []string{"1\n2\n", "3\n"}, false, []string{"1", "2", "3"}, ""},
		{"lines: blank lines are heartbeats", clients.FramingLines, []string{"\n", "1\n", "\n\n", "2\r\n"}, false, []string{"1", "2"}, ""},
		{"lines by default", "", []string{"1\n2\n3\n"}, false, []string{"1", "2", "3"}, ""},
		{"lines: ended inside a line", clients.FramingLines, []string{"1\n2"}, false, []string{"1"}, "stream ended inside a frame: 1 bytes pending"},
		{"lines: dropped inside a line", clients.FramingLines, []string{"1\n2"}, true, []string{"1"}, "unexpected EOF"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ts := httptest.NewServer(chunkWriter(tt.writes, tt.abort))
			defer ts.Close()
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			conn, tm, err := dialReceive(t, ctx, clients.Chunked, ts.URL, clients.Receive{ChunkedFraming: tt.framing})
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close()
			if tm.TCP <= 0 || tm.TCP > tm.Ready {
				t.Errorf("timings %+v: want 0 < tcp <= ready", tm)
			}
			frames, err := readUntilEnd(t, conn)
			if got := frameData(frames); !slices.Equal(got, tt.want) {
				t.Fatalf("frames %q, want %q", got, tt.want)
			}
			for _, f := range frames {
				if f.At <= 0 || f.ID != "" || f.Event != "" {
					t.Errorf("frame %+v: want an arrival time and no id or event", f)
				}
			}
			checkEnd(t, err, tt.wantErr)
		})
	}
}

// rawServer answers every connection with response, written as is after the
// request's header block, then closes it (or, with keepOpen, holds it until
// the test ends). It returns its URL and a function giving the requests seen.
func rawHTTPServer(t *testing.T, response string, keepOpen bool) (string, func() []*http.Request) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var (
		mu   sync.Mutex
		reqs []*http.Request
		wg   sync.WaitGroup
	)
	done := make(chan struct{})
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				defer c.Close()
				req, err := http.ReadRequest(bufio.NewReader(c))
				if err != nil {
					return
				}
				mu.Lock()
				reqs = append(reqs, req)
				mu.Unlock()
				io.WriteString(c, response)
				if keepOpen {
					<-done
				}
			}()
		}
	}()
	t.Cleanup(func() {
		close(done)
		ln.Close()
		wg.Wait()
	})
	return "http://" + ln.Addr().String(), func() []*http.Request {
		mu.Lock()
		defer mu.Unlock()
		return slices.Clone(reqs)
	}
}

const chunkedHead = "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nTransfer-Encoding: chunked\r\n\r\n"

func TestChunksFramingOnTheWire(t *testing.T) {
	tests := []struct {
		name     string
		response string
		keepOpen bool
		want     []string
		wantErr  string
	}{
		{"extensions and trailers", chunkedHead + "2;x=1\r\n42\r\n3\r\n0.5\r\n0\r\nX-Sum: 2\r\n\r\n", false, []string{"42", "0.5"}, ""},
		{"keep-alive after the last chunk ends at once", chunkedHead + "1\r\na\r\n0\r\n\r\n", true, []string{"a"}, ""},
		{"cut inside a chunk", chunkedHead + "5\r\nab", false, []string{}, "stream ended inside a frame: 2 bytes pending"},
		{"bad chunk size", chunkedHead + "zz\r\n", false, []string{}, "framing: chunked coding: bad chunk-size line"},
		{"Content-Length body: each read is a frame", "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 3\r\n\r\n123", false, []string{"123"}, ""},
		{"Content-Length body cut short", "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 9\r\n\r\n123", false, []string{"123"}, "unexpected EOF"},
		{"close-delimited HTTP/1.0 body", "HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n\r\n42", false, []string{"42"}, ""},
		{"interim 103 skipped", "HTTP/1.1 103 Early Hints\r\nLink: </x>\r\n\r\n" + chunkedHead + "1\r\n7\r\n0\r\n\r\n", false, []string{"7"}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			url, _ := rawHTTPServer(t, tt.response, tt.keepOpen)
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			conn, _, err := dialReceive(t, ctx, clients.Chunked, url, clients.Receive{ChunkedFraming: clients.FramingChunks})
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close()
			frames, err := readUntilEnd(t, conn)
			if got := frameData(frames); !slices.Equal(got, tt.want) {
				t.Fatalf("frames %q, want %q", got, tt.want)
			}
			checkEnd(t, err, tt.wantErr)
			if conn.BytesRead() == 0 && len(tt.want) > 0 {
				t.Error("BytesRead is 0")
			}
		})
	}
}

func TestChunksFramingDialFailures(t *testing.T) {
	tests := []struct {
		name      string
		response  string
		keepOpen  bool
		wantPhase string
		wantErr   string
	}{
		{"status", "HTTP/1.1 404 Not Found\r\nContent-Length: 4\r\n\r\nnope", false, clients.PhaseStatus, `expected 200, got 404 Not Found: "nope"`},
		{"content type", "HTTP/1.1 200 OK\r\nContent-Type: image/png\r\nContent-Length: 0\r\n\r\n", false, clients.PhaseContentType, "expected application/x-ndjson, got image/png"},
		{"header block never ends", "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n", true, clients.PhaseTimeout, "not ready within 300ms"},
		{"not HTTP", "SSH-2.0-OpenSSH\r\n", false, clients.PhaseHandshake, "malformed HTTP"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			url, _ := rawHTTPServer(t, tt.response, tt.keepOpen)
			entry, _ := clients.Lookup(clients.Chunked)
			opts := clients.NewDialOptions(sinceClock{time.Now()}, 300*time.Millisecond)
			opts.Receive.ChunkedFraming = clients.FramingChunks
			defer opts.Close()
			conn, _, err := entry.New().Dial(context.Background(), url, opts)
			if err == nil {
				conn.Close()
				t.Fatal("dial succeeded")
			}
			var de *clients.DialError
			if !errors.As(err, &de) || de.Phase != tt.wantPhase || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("error %v, want phase %s containing %q", err, tt.wantPhase, tt.wantErr)
			}
		})
	}
}

func TestChunksFramingOverTLS(t *testing.T) {
	ts := httptest.NewTLSServer(chunkWriter([]string{"1", "2"}, false))
	defer ts.Close()
	entry, _ := clients.Lookup(clients.Chunked)
	opts := clients.NewDialOptions(sinceClock{time.Now()}, 5*time.Second)
	defer opts.Close()
	opts.HTTP.TLSClientConfig = ts.Client().Transport.(*http.Transport).TLSClientConfig
	opts.Receive.ChunkedFraming = clients.FramingChunks
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	conn, _, err := entry.New().Dial(ctx, ts.URL, opts)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	frames, err := readUntilEnd(t, conn)
	if got := frameData(frames); !slices.Equal(got, []string{"1", "2"}) {
		t.Fatalf("frames %q", got)
	}
	checkEnd(t, err, "")
}
