package clients_test

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/pushbench/pushbench/clients"
)

// sinceClock is a real clock for tests: the time since it was made.
type sinceClock struct{ epoch time.Time }

func (c sinceClock) Now() time.Duration { return time.Since(c.epoch) }

// dial opens one connection of transport to url with fresh options that are
// released when the test ends.
func dial(t *testing.T, ctx context.Context, transport clients.Name, url string, timeout time.Duration) (clients.Conn, clients.Timings, error) {
	t.Helper()
	entry, err := clients.Lookup(transport)
	if err != nil {
		t.Fatal(err)
	}
	opts := clients.NewDialOptions(sinceClock{time.Now()}, timeout)
	t.Cleanup(opts.Close)
	return entry.New().Dial(ctx, url, opts)
}

func wsURL(httpURL string) string { return "ws" + strings.TrimPrefix(httpURL, "http") }

// dialReceive opens one connection of transport to url speaking as rcv says,
// with a five-second connect timeout and options released when the test ends.
func dialReceive(t *testing.T, ctx context.Context, transport clients.Name, url string, rcv clients.Receive) (clients.Conn, clients.Timings, error) {
	t.Helper()
	entry, err := clients.Lookup(transport)
	if err != nil {
		t.Fatal(err)
	}
	opts := clients.NewDialOptions(sinceClock{time.Now()}, 5*time.Second)
	opts.Receive = rcv
	t.Cleanup(opts.Close)
	return entry.New().Dial(ctx, url, opts)
}

// readUntilEnd reads frames until Read fails, within five seconds, and
// returns them with the error that ended the connection.
func readUntilEnd(t *testing.T, conn clients.Conn) ([]clients.Frame, error) {
	t.Helper()
	type result struct {
		frames []clients.Frame
		err    error
	}
	done := make(chan result, 1)
	go func() {
		var r result
		for {
			f, err := conn.Read()
			if err != nil {
				r.err = err
				done <- r
				return
			}
			f.Data = bytes.Clone(f.Data) // valid only until the next Read
			r.frames = append(r.frames, f)
		}
	}()
	select {
	case r := <-done:
		return r.frames, r.err
	case <-time.After(5 * time.Second):
		conn.Close()
		select {
		case <-done:
		case <-time.After(5 * time.Second):
		}
		t.Fatal("the connection did not end within 5s")
		return nil, nil
	}
}

// frameData lists the frames' data as strings.
func frameData(frames []clients.Frame) []string {
	out := []string{}
	for _, f := range frames {
		out = append(out, string(f.Data))
	}
	return out
}

// checkEnd checks how a connection ended: cleanly (ErrEnded) when wantErr is
// empty, else with an error that is not ErrEnded and contains wantErr.
func checkEnd(t *testing.T, err error, wantErr string) {
	t.Helper()
	switch {
	case wantErr == "" && !errors.Is(err, clients.ErrEnded):
		t.Fatalf("ended with %v, want ErrEnded", err)
	case wantErr != "" && (errors.Is(err, clients.ErrEnded) || err == nil || !strings.Contains(err.Error(), wantErr)):
		t.Fatalf("ended with %v, want an error containing %q", err, wantErr)
	}
}
