package servers_test

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pushbench/pushbench/servers"
	"github.com/pushbench/pushbench/servers/servertest"
)

// TestTCPTransportOneGoroutinePerIdleConnection: an idle tcp connection
// costs the server one goroutine (its reader): the hub writes broadcasts to
// it directly and no writer or flusher waits on it.
func TestTCPTransportOneGoroutinePerIdleConnection(t *testing.T) {
	srv, _, url := servertest.StartTCP(t, servers.Config{Heartbeat: time.Hour})
	before := srv.Stats().Goroutines
	const n = 200
	conns := make([]*tcpClient, n)
	for i := range conns {
		conns[i] = dialTCP(t, url)
	}
	waitSubscribers(t, srv, n)
	eventually(t, "one goroutine per idle tcp connection", func() bool { return srv.Stats().Goroutines-before <= n+2 })

	srv.Hub().Publish(bigMessage(1, 100)) // not over HTTP: its keep-alive connection has goroutines
	for _, c := range conns {
		if got := c.readMessage(t); !strings.Contains(got, `"seq":1`) {
			t.Fatalf("got %q", got)
		}
	}
	eventually(t, "still one goroutine per connection after a broadcast", func() bool { return srv.Stats().Goroutines-before <= n+2 })
}

// TestTCPTransportHeartbeatsAnIdleConnection: the heartbeat timer re-arms,
// so an idle connection keeps getting blank lines.
func TestTCPTransportHeartbeatsAnIdleConnection(t *testing.T) {
	srv, _, url := servertest.StartTCP(t, servers.Config{Heartbeat: 30 * time.Millisecond})
	c := dialTCP(t, url)
	waitSubscribers(t, srv, 1)
	for range 3 {
		if got := c.readLine(t); got != "\n" {
			t.Fatalf("got %q, want a blank heartbeat line", got)
		}
	}
}

// TestTCPTransportDropPolicyAtTheBounds: with the drop policy, a client that
// stopped reading loses the broadcasts past its queue's bounds (in messages
// or in bytes) and keeps its connection; its queue stays within the bound.
func TestTCPTransportDropPolicyAtTheBounds(t *testing.T) {
	tests := []struct {
		name      string
		cfg       servers.Config
		overBytes bool
	}{
		{"queue bytes", servers.Config{QueueBytes: 2 * mib}, true},
		{"queue length", servers.Config{QueueLen: 2, QueueBytes: 64 * mib}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.cfg.SlowPolicy, tt.cfg.WriteTimeout, tt.cfg.MaxPublishBytes = servers.SlowDrop, time.Minute, 2*mib
			srv, _, url := servertest.StartTCP(t, tt.cfg)
			dialTCP(t, url) // never reads
			good := dialTCP(t, url)
			waitSubscribers(t, srv, 2)
			for i := 1; i <= 64 && srv.Hub().Stats().Dropped == 0; i++ {
				srv.Hub().Publish(bigMessage(i, mib))
				if got := good.readMessage(t); !strings.Contains(got, fmt.Sprintf(`"seq":%d,`, i)) {
					t.Fatalf("well-behaved client got %.40q, want seq %d", got, i)
				}
			}
			st := srv.Hub().Stats()
			if st.Dropped == 0 || (st.OverBytes > 0) != tt.overBytes || st.Kicked != 0 {
				t.Fatalf("stats %+v: want drops (over bytes: %v), no kick", st, tt.overBytes)
			}
			if st.Subscribers != 2 {
				t.Fatalf("%d subscribers: the drop policy keeps the slow connection", st.Subscribers)
			}
			if limit := int64(64*mib) + mib + 64; !tt.overBytes && st.QueuedBytes > limit || tt.overBytes && st.QueuedBytes > 2*mib+mib+64 {
				t.Fatalf("%d bytes queued past the bound", st.QueuedBytes)
			}
		})
	}
}

// TestTCPTransportAdminDropClosesIt: the admin drop endpoint closes a tcp
// connection, counted as dropped, not as slow.
func TestTCPTransportAdminDropClosesIt(t *testing.T) {
	srv, base, url := servertest.StartTCP(t, servers.Config{AdminToken: "tok"})
	c := dialTCP(t, url)
	waitSubscribers(t, srv, 1)
	if status, body := adminDrop(t, base, "?percent=100", "Bearer tok"); status != 200 {
		t.Fatalf("%d %s", status, body)
	}
	c.readEOF(t)
	waitSubscribers(t, srv, 0)
	if st := srv.Hub().Stats(); st.AdminDropped != 1 || st.Kicked != 0 {
		t.Fatalf("stats %+v: want 1 admin drop, no kick", st)
	}
}

// echoLine is the line an echoing test client sends, numbered i.
func echoLine(client, i int) string { return fmt.Sprintf(`{"echo":%d,"client":%d}`, i, client) }

// TestTCPTransportEchoesInOrderWithBroadcasts: clients echo while a
// publisher broadcasts messages large enough to back their connections up;
// each client gets every broadcast in publish order and every echo in send
// order, each line whole (no two writes interleaved), and none dropped.
func TestTCPTransportEchoesInOrderWithBroadcasts(t *testing.T) {
	const clients, broadcasts, echoes, size = 4, 150, 300, 32 << 10
	srv, _, url := servertest.StartTCP(t, servers.Config{Heartbeat: 5 * time.Millisecond,
		QueueLen: 4 * broadcasts, QueueBytes: 64 * mib, WriteTimeout: time.Minute})
	conns := make([]*tcpClient, clients)
	for i := range conns {
		conns[i] = dialTCP(t, url)
	}
	waitSubscribers(t, srv, clients)

	var wg sync.WaitGroup
	errs := make(chan error, 2*clients+1)
	wg.Add(1)
	go func() {
		defer wg.Done()
		for i := 1; i <= broadcasts; i++ {
			srv.Hub().Publish(bigMessage(i, size))
		}
	}()
	for ci, c := range conns {
		wg.Add(2)
		go func() { // sends its lines, while the server's reader keeps up
			defer wg.Done()
			c.SetWriteDeadline(time.Now().Add(2 * waitLimit))
			for i := range echoes {
				if _, err := io.WriteString(c, echoLine(ci, i)+"\n"); err != nil {
					errs <- fmt.Errorf("client %d: send echo %d: %w", ci, i, err)
					return
				}
			}
		}()
		go func() { // reads late, so its connection backs up first
			defer wg.Done()
			time.Sleep(100 * time.Millisecond)
			errs <- readInOrder(c, ci, broadcasts, echoes)
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
	if st := srv.Hub().Stats(); st.Dropped != 0 {
		t.Errorf("stats %+v: nothing should be dropped", st)
	}
}

// readInOrder reads c until it has every broadcast and echo, checking their
// order and that each line is one whole JSON value.
func readInOrder(c *tcpClient, client, broadcasts, echoes int) error {
	nextSeq, nextEcho := 1, 0
	for nextSeq <= broadcasts || nextEcho < echoes {
		c.SetReadDeadline(time.Now().Add(2 * waitLimit))
		line, err := c.lines.ReadString('\n')
		if err != nil {
			return fmt.Errorf("client %d: read after seq %d, echo %d: %w", client, nextSeq-1, nextEcho, err)
		}
		if line == "\n" {
			continue // heartbeat
		}
		var v struct {
			Seq    *int `json:"seq"`
			Echo   *int `json:"echo"`
			Client *int `json:"client"`
		}
		if err := json.Unmarshal([]byte(line), &v); err != nil {
			return fmt.Errorf("client %d: a line that is not one JSON value (writes interleaved?): %.80q: %w", client, line, err)
		}
		switch {
		case v.Seq != nil && *v.Seq == nextSeq:
			nextSeq++
		case v.Echo != nil && *v.Echo == nextEcho && *v.Client == client:
			nextEcho++
		default:
			return fmt.Errorf("client %d: got %.80q, want seq %d or echo %d", client, line, nextSeq, nextEcho)
		}
	}
	return nil
}

// TestTCPTransportBackloggedEchoWaits: a client that sends lines but does not
// read, on a connection backed up with broadcasts, does not make the server
// queue its echoes without bound: the server's reader waits (at most one
// echo queued), and once the client reads it gets every broadcast and every
// echo, none dropped.
func TestTCPTransportBackloggedEchoWaits(t *testing.T) {
	const broadcasts, echoes = 12, 500
	srv, _, url := servertest.StartTCP(t, servers.Config{Heartbeat: -1, MaxPublishBytes: 2 * mib,
		QueueBytes: 64 * mib, WriteTimeout: time.Minute})
	c := dialTCP(t, url)
	waitSubscribers(t, srv, 1)
	for i := 1; i <= broadcasts; i++ {
		srv.Hub().Publish(bigMessage(i, mib))
	}
	backlog := srv.Hub().Stats().QueuedBytes
	if backlog == 0 {
		t.Fatal("12 MiB to a client that does not read left nothing queued")
	}
	sent := make(chan error, 1)
	go func() {
		c.SetWriteDeadline(time.Now().Add(2 * waitLimit))
		var err error
		for i := 0; i < echoes && err == nil; i++ {
			_, err = io.WriteString(c, echoLine(0, i)+"\n")
		}
		sent <- err
	}()
	oneEcho := int64(len(echoLine(0, echoes)))
	for range 20 {
		if q := srv.Hub().Stats().QueuedBytes; q > backlog+2*oneEcho {
			t.Fatalf("%d bytes queued, %d before the echoes: echoes pile up", q, backlog)
		}
		time.Sleep(10 * time.Millisecond)
	}
	if err := readInOrder(c, 0, broadcasts, echoes); err != nil {
		t.Fatal(err)
	}
	if err := recv(t, sent, "the client's sends"); err != nil {
		t.Fatal(err)
	}
}
