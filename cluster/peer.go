package cluster

import (
	"net"
	"sync"
	"time"
)

// sendTimeout bounds one message's write: a peer that stops reading must
// not block the other side for ever. A worker's result (a few MB) crosses
// any working network well within it.
const sendTimeout = 2 * time.Minute

// peer is one protocol connection: messages are written whole, one at a
// time, from any goroutine, and read by one.
type peer struct {
	conn net.Conn
	in   *LineReader

	mu  sync.Mutex // one message at a time
	buf []byte
}

func newPeer(conn net.Conn) *peer {
	return &peer{conn: conn, in: NewLineReader(conn, MaxLine)}
}

// send writes one message.
func (p *peer) send(m Message) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	var err error
	p.buf, err = AppendMessage(p.buf[:0], m)
	if err != nil {
		return err
	}
	if err := p.conn.SetWriteDeadline(time.Now().Add(sendTimeout)); err != nil {
		return err
	}
	_, err = p.conn.Write(p.buf)
	if cap(p.buf) > 1<<20 {
		p.buf = nil // do not keep a result's buffer for pings
	}
	return err
}

// next reads the next message (one reader at a time).
func (p *peer) next() (Message, error) { return p.in.Next() }
