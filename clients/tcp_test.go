package clients_test

import (
	"bufio"
	"context"
	"errors"
	"io"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/pushbench/pushbench/clients"
)

// endpointAt is e's URL at the address of base (http://host:port): a path of
// it, or for a transport on a listener of its own, tcp://host:port itself.
// Tests use it for servers that answer nothing or nothing at all.
func endpointAt(e clients.Entry, base string) string {
	if e.OwnListener {
		return "tcp://" + strings.TrimPrefix(base, "http://")
	}
	return e.Endpoint(base)
}

// lineServer is a raw TCP fixture, not pushbench's server: each connection
// runs serve, and is closed when serve returns or the test ends.
func lineServer(t *testing.T, serve func(c net.Conn)) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	conns := make(chan net.Conn, 16)
	go func() {
		defer close(done)
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			conns <- c
			go func() {
				defer c.Close()
				serve(c)
			}()
		}
	}()
	t.Cleanup(func() {
		ln.Close()
		<-done
		close(conns)
		for c := range conns {
			c.Close()
		}
	})
	return "tcp://" + ln.Addr().String()
}

// writes writes each part with a pause, so the client sees them in separate reads.
func writes(c net.Conn, parts ...string) {
	for _, p := range parts {
		if _, err := io.WriteString(c, p); err != nil {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestTCPClientReadsForeignLines(t *testing.T) {
	tests := []struct {
		name    string
		parts   []string
		rcv     clients.Receive
		want    []string
		wantErr func(error) bool
	}{
		{"lines of any shape, heartbeats skipped, CRLF, split lines",
			[]string{"\n", `{"t":1700000000000,"n":1}` + "\r\n", `{"t":1700000000001,`, `"n":2}` + "\n\n", "plain text line\n"},
			clients.Receive{},
			[]string{`{"t":1700000000000,"n":1}`, `{"t":1700000000001,"n":2}`, "plain text line"},
			func(err error) bool { return errors.Is(err, clients.ErrEnded) }},
		{"cut inside a line", []string{"whole\n", "half a li"}, clients.Receive{},
			[]string{"whole"},
			func(err error) bool { return errors.Is(err, io.ErrUnexpectedEOF) && !errors.Is(err, clients.ErrEnded) }},
		{"line over the message limit", []string{"short\n", strings.Repeat("x", 64) + "\n"}, clients.Receive{MaxMessage: 32},
			[]string{"short"},
			func(err error) bool {
				return errors.Is(err, clients.ErrTooLarge) && clients.IOErrorClass("read", err) == "read/too-large"
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			url := lineServer(t, func(c net.Conn) { writes(c, tt.parts...) })
			conn, tm, err := dialReceive(t, context.Background(), clients.TCP, url, tt.rcv)
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close()
			if tm.TCP <= 0 || tm.Ready != tm.TCP || len(tm.Phases) != 0 {
				t.Errorf("timings %+v: want the TCP connect alone, ready when connected", tm)
			}
			frames, err := readUntilEnd(t, conn)
			var got []string
			for _, f := range frames {
				got = append(got, string(f.Data))
				if f.At <= 0 {
					t.Errorf("frame %q not stamped", f.Data)
				}
			}
			if strings.Join(got, "|") != strings.Join(tt.want, "|") {
				t.Fatalf("frames %q, want %q", got, tt.want)
			}
			if !tt.wantErr(err) {
				t.Fatalf("ended with %v", err)
			}
			if conn.BytesRead() <= 0 {
				t.Errorf("BytesRead %d", conn.BytesRead())
			}
		})
	}
}

func TestTCPClientWritesLines(t *testing.T) {
	got := make(chan string, 4)
	url := lineServer(t, func(c net.Conn) {
		r := bufio.NewReader(c)
		for {
			line, err := r.ReadString('\n')
			if err != nil {
				return
			}
			got <- line
			io.WriteString(c, line) // echo, as pushbench's server does
		}
	})
	conn, _, err := dialReceive(t, context.Background(), clients.TCP, url, clients.Receive{})
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if err := conn.Write([]byte(`{"seq":1}`)); err != nil {
		t.Fatal(err)
	}
	select {
	case line := <-got:
		if line != `{"seq":1}`+"\n" {
			t.Fatalf("server got %q, want the message and a newline", line)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the server got no line within 5s")
	}
	f, err := conn.Read()
	if err != nil || string(f.Data) != `{"seq":1}` {
		t.Fatalf("echo %q, %v", f.Data, err)
	}
	if err := conn.Write([]byte("two\nlines")); err == nil {
		t.Fatal("a message with a newline was sent as two lines")
	}
}

func TestTCPClientWriteToAServerThatDoesNotRead(t *testing.T) {
	hold := make(chan struct{})
	defer close(hold)
	url := lineServer(t, func(net.Conn) { <-hold })
	conn, _, err := dial(t, context.Background(), clients.TCP, url, 300*time.Millisecond)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	big := []byte(strings.Repeat("x", 1<<20))
	for i := 0; i < 256; i++ { // far more than any socket buffer holds
		if err = conn.Write(big); err != nil {
			break
		}
	}
	if err == nil || !strings.Contains(err.Error(), "stopped reading") {
		t.Fatalf("write to a server that does not read: %v, want it to say so", err)
	}
}

func TestTCPClientDialRefusesOtherURLs(t *testing.T) {
	for _, url := range []string{"http://127.0.0.1:1/", "tcp://127.0.0.1", "tcp://:1", "tcp://127.0.0.1:1/path", "tcp://127.0.0.1:1?x=1", "", "%"} {
		t.Run(url, func(t *testing.T) {
			_, _, err := dial(t, context.Background(), clients.TCP, url, time.Second)
			var de *clients.DialError
			if !errors.As(err, &de) || de.Phase != clients.PhaseRequest || !strings.Contains(err.Error(), "tcp://HOST:PORT") && url != "%" {
				t.Fatalf("dial %q: %v, want a request-phase error naming tcp://HOST:PORT", url, err)
			}
		})
	}
}

func TestTCPClientEndsWithItsContext(t *testing.T) {
	hold := make(chan struct{})
	defer close(hold)
	url := lineServer(t, func(net.Conn) { <-hold })
	ctx, cancel := context.WithCancel(context.Background())
	conn, _, err := dial(t, ctx, clients.TCP, url, time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	cancel()
	if _, err := readUntilEnd(t, conn); err == nil {
		t.Fatal("read after the context ended succeeded")
	}
}
