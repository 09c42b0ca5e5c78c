package cluster_test

import (
	"net"
	"testing"
	"time"

	"github.com/pushbench/pushbench/cluster"
)

// fakeWorker speaks the protocol by hand, to do what a real worker never
// would: send a late or second result, or an unknown version.
type fakeWorker struct {
	conn net.Conn
	in   *cluster.LineReader
}

func dialFake(t *testing.T, c *cluster.Coordinator) *fakeWorker {
	t.Helper()
	conn, err := net.DialTimeout("tcp", c.Addr().String(), 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	return &fakeWorker{conn: conn, in: cluster.NewLineReader(conn, cluster.MaxLine)}
}

func (f *fakeWorker) send(t *testing.T, m cluster.Message) {
	t.Helper()
	line, err := cluster.AppendMessage(nil, m)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.conn.Write(line); err != nil {
		t.Fatal(err)
	}
}

// next reads the next message, bounded.
func (f *fakeWorker) next(t *testing.T) cluster.Message {
	t.Helper()
	_ = f.conn.SetReadDeadline(time.Now().Add(testTimeout))
	m, err := f.in.Next()
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// nextSkippingPings answers clock pings and returns the next other message.
func (f *fakeWorker) nextSkippingPings(t *testing.T) cluster.Message {
	t.Helper()
	for {
		m := f.next(t)
		p, ok := m.(*cluster.Ping)
		if !ok {
			return m
		}
		now := time.Now().UnixNano()
		f.send(t, &cluster.Pong{Seq: p.Seq, T0: p.T0, T1: now, T2: now})
	}
}

// join says hello as index and waits for the welcome.
func (f *fakeWorker) join(t *testing.T, index int) {
	t.Helper()
	f.send(t, &cluster.Hello{Version: cluster.Version, Index: index, Host: "fake", PID: 1})
	if m, ok := f.nextSkippingPings(t).(*cluster.Welcome); !ok {
		t.Fatalf("fake worker %d: got %#v, want a welcome", index, m)
	}
}

func (f *fakeWorker) close() { f.conn.Close() }
