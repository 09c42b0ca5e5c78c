package clients

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"time"

	"github.com/pushbench/pushbench/internal/wire"
)

// tcpClient reads newline-delimited messages from a plain TCP connection
// (tcp://HOST:PORT): no HTTP, no framing but the newline, so its figures are
// the floor the other transports are compared with. Blank lines are
// heartbeats, not messages; lines are split and bounded as the chunked
// client's are (Receive.MaxMessage). Write sends one line, which pushbench's
// server echoes back. Receive's HTTP settings (headers, framings, event
// filters) do not apply.
type tcpClient struct{}

var _ Transport = tcpClient{}

// TCPScheme is the URL scheme of the tcp transport's endpoint.
const TCPScheme = "tcp"

func (tcpClient) Dial(ctx context.Context, rawURL string, opts DialOptions) (Conn, Timings, error) {
	rcv, err := opts.Receive.resolve()
	if err != nil {
		return nil, Timings{}, &DialError{URL: rawURL, Phase: PhaseRequest, Err: err}
	}
	addr, err := tcpAddress(rawURL)
	if err != nil {
		return nil, Timings{}, &DialError{URL: rawURL, Phase: PhaseRequest, Err: err}
	}
	dialer, err := netDialer(opts.LocalAddr, 30*time.Second)
	if err != nil {
		return nil, Timings{}, &DialError{URL: rawURL, Phase: PhaseRequest, Err: err}
	}
	start := opts.Clock.Now()
	a := startDial(ctx, rawURL, opts.ConnectTimeout)
	c, err := dialer.DialContext(a.ctx, "tcp", addr)
	a.end()
	if err != nil {
		return nil, Timings{}, a.fail(PhaseTCP, err)
	}
	at := opts.Clock.Now() - start
	tc := &tcpConn{
		streamConn:   newStreamConn(c, opts.Clock, &tcpLinesFramer{linesFramer{lines: wire.LineSplitter{MaxLine: rcv.maxMessage()}}}),
		conn:         c,
		writeTimeout: opts.writeTimeout(),
	}
	// The connection lives as long as ctx.
	tc.stop = context.AfterFunc(ctx, func() { c.Close() })
	return tc, Timings{TCP: at, Ready: at}, nil
}

// tcpAddress is the host:port of a tcp://HOST:PORT URL.
func tcpAddress(rawURL string) (string, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return "", fmt.Errorf("tcp URL: %w", err)
	}
	if u.Scheme != TCPScheme || u.Hostname() == "" || u.Port() == "" || (u.Path != "" && u.Path != "/") || u.RawQuery != "" {
		return "", fmt.Errorf("tcp URL %q: want tcp://HOST:PORT", rawURL)
	}
	return u.Host, nil
}

// tcpLinesFramer is the chunked client's line framing, with an end of the
// connection named as such.
type tcpLinesFramer struct{ linesFramer }

func (f *tcpLinesFramer) atEOF() error {
	if n := f.lines.Pending(); n > 0 {
		return endOfStream(n)
	}
	return fmt.Errorf("%w: the server closed the TCP connection", ErrEnded)
}

// tcpConn is a tcp transport connection: reads are the stream client's,
// writes go straight to the socket.
type tcpConn struct {
	*streamConn
	conn         net.Conn
	writeTimeout time.Duration
	stop         func() bool
	line         []byte // Write's buffer: one writer at a time
}

var _ Conn = (*tcpConn)(nil)

// errLineBreak refuses a message that would be read as more than one line.
var errLineBreak = errors.New("a tcp message is one line: the message contains a newline")

// Write sends msg as one line within the write timeout.
func (c *tcpConn) Write(msg []byte) error {
	if bytes.IndexByte(msg, '\n') >= 0 {
		return errLineBreak
	}
	c.line = wire.AppendNDJSON(c.line[:0], msg)
	if err := c.conn.SetWriteDeadline(time.Now().Add(c.writeTimeout)); err != nil {
		return err
	}
	_, err := c.conn.Write(c.line)
	if isTimeout(err) {
		return errNotReading(c.writeTimeout, err)
	}
	return err
}

func (c *tcpConn) Close() error {
	c.stop()
	return c.conn.Close()
}
