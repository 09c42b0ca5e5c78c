package loadgen

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptrace"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pushbench/pushbench/internal/wire"
)

// maxPollBody bounds one long-poll response the client will buffer.
const maxPollBody = 16 << 20

// sioPollConn is a Socket.IO socket over Engine.IO long-polling: one goroutine
// keeps a GET outstanding and queues what arrives; pongs and echo sends are
// POSTs, one at a time, as the protocol requires. Like a real client it has its
// own keep-alive connections (one for GETs, one for POSTs), shared with no
// other simulated client.
type sioPollConn struct {
	http  *http.Transport
	url   string // with sid
	clock Clock

	cancel context.CancelFunc
	ctx    context.Context
	in     chan timedMsg
	done   chan struct{} // closed when the poller ends; err says why
	err    error
	bytes  atomic.Int64

	pmu   sync.Mutex // one POST at a time
	ackID uint64
}

type timedMsg struct {
	msg []byte
	at  time.Duration
}

func dialSIOPolling(ctx context.Context, endpoint string, opts DialOptions) (Conn, Timings, error) {
	start := opts.Clock.Now()
	var tm Timings
	url := eioURL(endpoint, "polling", "")
	dctx, cancelDial := context.WithTimeout(ctx, opts.ConnectTimeout)
	defer cancelDial()
	fail := func(phase string, err error) (Conn, Timings, error) {
		if ctx.Err() == nil && dctx.Err() != nil {
			return nil, tm, dialTimeoutError(url, opts.ConnectTimeout, err)
		}
		return nil, tm, &DialError{URL: url, Phase: phase, Err: err}
	}
	rt := NewStreamTransport(2)
	trace := &httptrace.ClientTrace{ConnectDone: func(_, _ string, err error) {
		if err == nil && tm.TCP == 0 {
			tm.TCP = opts.Clock.Now() - start
		}
	}}
	body, err := pollRequest(httptrace.WithClientTrace(dctx, trace), rt, http.MethodGet, url, nil)
	if err != nil {
		rt.CloseIdleConnections()
		phase := "handshake"
		var op *net.OpError
		if errors.As(err, &op) && op.Op == "dial" {
			phase = "tcp"
		}
		return fail(phase, err)
	}
	packets, err := wire.ParseEIOPayload(body)
	if err != nil || len(packets) == 0 {
		rt.CloseIdleConnections()
		return fail("eio-open", fmt.Errorf("bad handshake payload %.80q", body))
	}
	hs, err := parseOpen(packets[0])
	if err != nil {
		rt.CloseIdleConnections()
		return fail("eio-open", err)
	}
	tm.Phases = append(tm.Phases, Phase{"eio_open", opts.Clock.Now() - start})

	cctx, cancel := context.WithCancel(ctx)
	c := &sioPollConn{
		http: rt, url: eioURL(endpoint, "polling", hs.SID), clock: opts.Clock,
		ctx: cctx, cancel: cancel, in: make(chan timedMsg, 256), done: make(chan struct{}),
	}
	abandon := func(err error) (Conn, Timings, error) {
		cancel()
		rt.CloseIdleConnections()
		return fail("sio-connect", err)
	}
	if err := c.post(dctx, wire.EIOPacket{Type: wire.EIOMessage, Data: []byte("0")}); err != nil {
		return abandon(err)
	}
	for connected := false; !connected; {
		body, err := pollRequest(dctx, c.http, http.MethodGet, c.url, nil)
		if err != nil {
			return abandon(err)
		}
		c.bytes.Add(int64(len(body)))
		if connected, err = c.handle(dctx, body, 0); err != nil {
			return abandon(err)
		}
	}
	tm.Ready = opts.Clock.Now() - start
	tm.Phases = append(tm.Phases, Phase{"sio_connect", tm.Ready})
	go c.pollLoop()
	return c, tm, nil
}

// pollRequest makes one Engine.IO polling request and returns its body.
func pollRequest(ctx context.Context, rt http.RoundTripper, method, url string, body []byte) ([]byte, error) {
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, url, rd)
	if err != nil {
		return nil, err
	}
	if body != nil {
		req.Header.Set("Content-Type", "text/plain;charset=UTF-8")
	}
	resp, err := rt.RoundTrip(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, maxPollBody))
	if err != nil {
		return nil, fmt.Errorf("%s %s: read body: %w", method, url, err)
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("%s %s: expected 200, got %s: %.200q", method, url, resp.Status, b)
	}
	return b, nil
}

// handle processes one polling payload; messages are queued for Read stamped
// with at. It reports whether a CONNECT answer arrived.
func (c *sioPollConn) handle(ctx context.Context, body []byte, at time.Duration) (connected bool, err error) {
	packets, err := wire.ParseEIOPayload(body)
	if err != nil {
		return false, err
	}
	for _, p := range packets {
		switch {
		case p.Binary:
		case p.Type == wire.EIOPing:
			if err := c.post(ctx, wire.EIOPacket{Type: wire.EIOPong, Data: p.Data}); err != nil {
				return connected, fmt.Errorf("pong: %w", err)
			}
		case p.Type == wire.EIOClose:
			return connected, errors.New("engine.io: server closed the session")
		case p.Type == wire.EIOMessage:
			msg, ok, err := sioInbound(p.Data)
			if err != nil {
				return connected, err
			}
			connected = connected || ok
			if msg != nil {
				select {
				case c.in <- timedMsg{append([]byte(nil), msg...), at}:
				case <-ctx.Done():
					return connected, ctx.Err()
				}
			}
		}
	}
	return connected, nil
}

func (c *sioPollConn) pollLoop() {
	defer close(c.done)
	for {
		body, err := pollRequest(c.ctx, c.http, http.MethodGet, c.url, nil)
		at := c.clock.Now()
		if err == nil {
			c.bytes.Add(int64(len(body)))
			_, err = c.handle(c.ctx, body, at)
		}
		if err != nil {
			c.err = err
			return
		}
	}
}

func (c *sioPollConn) post(ctx context.Context, p wire.EIOPacket) error {
	c.pmu.Lock()
	defer c.pmu.Unlock()
	body, err := pollRequest(ctx, c.http, http.MethodPost, c.url, wire.AppendEIOText(nil, p))
	if err == nil && string(body) != "ok" {
		err = fmt.Errorf("POST %s: expected ok, got %.80q", c.url, body)
	}
	return err
}

func (c *sioPollConn) Read() ([]byte, time.Duration, error) {
	select {
	case m := <-c.in:
		return m.msg, m.at, nil
	default:
	}
	select {
	case m := <-c.in:
		return m.msg, m.at, nil
	case <-c.done:
		select {
		case m := <-c.in:
			return m.msg, m.at, nil
		default:
			return nil, 0, c.err
		}
	}
}

func (c *sioPollConn) Write(msg []byte) error {
	c.pmu.Lock()
	id := c.ackID
	c.ackID++
	c.pmu.Unlock()
	return c.post(c.ctx, wire.EIOPacket{Type: wire.EIOMessage, Data: echoEvent(nil, id, msg)})
}

func (c *sioPollConn) BytesRead() int64 { return c.bytes.Load() }

// Close tells the server the session is over (a close packet, best effort)
// and stops the poller.
func (c *sioPollConn) Close() error {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(c.ctx), time.Second)
	defer cancel()
	_ = c.post(ctx, wire.EIOPacket{Type: wire.EIOClose})
	c.cancel()
	<-c.done
	c.http.CloseIdleConnections()
	return nil
}
