package clients

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pushbench/pushbench/internal/wire"
)

// maxPollBody bounds one long-poll response the client will buffer, unless
// the per-message limit (Receive.MaxMessage) is larger.
const maxPollBody = 16 << 20

// pollBodyLimit is the most one long-poll response may hold with a
// per-message limit of maxMessage: a payload carries at least one message.
func pollBodyLimit(maxMessage int) int { return max(maxPollBody, maxMessage) }

// socketioPollingClient is a Socket.IO client over Engine.IO long-polling
// (see socketio.go).
type socketioPollingClient struct{}

var (
	_ Transport = socketioPollingClient{}
	_ Conn      = (*sioPollConn)(nil)
	_ eioLink   = (*sioPollConn)(nil)
)

// sioPollConn is a Socket.IO socket over Engine.IO long-polling: Read keeps a
// GET outstanding and hands what arrives to the session, which queues
// messages for it; pongs and echo sends are POSTs, one at a time, as the
// protocol requires. Like a real client it has its own keep-alive connections
// (one, and a second while a POST overlaps a held GET; ownconn.go), shared
// with no other simulated client.
type sioPollConn struct {
	http       *ownPool    // its keep-alive connections (ownconn.go)
	url        string      // with sid
	maxBody    int         // pollBodyLimit
	maxMessage int         // Receive.MaxMessage, per packet
	header     http.Header // Receive.Headers, on every request
	clock      Clock
	session    eioSession

	cancel  context.CancelFunc
	ctx     context.Context
	pending frameQueue
	err     error // why polling ended
	bytes   atomic.Int64

	pmu sync.Mutex // one POST at a time

	// pingWait bounds the wait for the server's next ping (0: none);
	// lastPing is when the last came. Only the reader touches lastPing
	// once the dial returned.
	pingWait time.Duration
	lastPing time.Time
	// writeTimeout bounds each POST (a pong, an echo send), answer included.
	writeTimeout time.Duration
}

func (socketioPollingClient) Dial(ctx context.Context, endpoint string, opts DialOptions) (Conn, Timings, error) {
	rcv, err := opts.Receive.resolve()
	if err != nil {
		return nil, Timings{}, &DialError{URL: endpoint, Phase: PhaseRequest, Err: err}
	}
	start := opts.Clock.Now()
	var tm Timings
	a := startDial(ctx, eioURL(endpoint, "polling", ""), opts.ConnectTimeout)
	defer a.end()
	pool := newOwnPool(opts.HTTP, opts.LocalAddr)
	pool.onConnect = func() {
		if tm.TCP == 0 {
			tm.TCP = opts.Clock.Now() - start
		}
	}
	fail := func(phase string, err error) (Conn, Timings, error) {
		pool.shutdown()
		return nil, tm, a.fail(phase, err)
	}
	body, err := pollRequest(a.ctx, pool, rcv.Headers, http.MethodGet, a.url, nil, maxPollBody)
	if err != nil {
		return fail(PhaseHandshake, err)
	}
	packets, err := wire.ParseEIOPayload(body)
	if err != nil || len(packets) == 0 {
		return fail(PhaseEIOOpen, fmt.Errorf("bad handshake payload %.80q", body))
	}
	hs, err := parseOpen(packets[0])
	if err != nil {
		return fail(PhaseEIOOpen, err)
	}
	tm.Phases = append(tm.Phases, Phase{histEIOOpen, opts.Clock.Now() - start})

	cctx, cancel := context.WithCancel(ctx)
	c := &sioPollConn{
		http: pool, url: eioURL(endpoint, "polling", hs.SID), header: rcv.Headers, clock: opts.Clock,
		maxBody: pollBodyLimit(rcv.maxMessage()), maxMessage: rcv.maxMessage(),
		ctx: cctx, cancel: cancel,
		pingWait: pingWait(hs), lastPing: time.Now(), writeTimeout: opts.writeTimeout(),
	}
	c.session = newEIOSession(c, rcv)
	c.session.recoverFrom(opts.Resume)
	if err := c.session.join(a.ctx, func() error { return c.receivePoll(a.ctx) }); err != nil {
		cancel()
		return fail(PhaseSIOConnect, err)
	}
	tm.Ready = opts.Clock.Now() - start
	tm.Phases = append(tm.Phases, Phase{histSIOConnect, tm.Ready})
	pool.mu.Lock()
	pool.onConnect = nil // tm is returned
	pool.mu.Unlock()
	// A poll in flight fails once the socket's context ends (its request's
	// context); the connections stay for Close's close packet.
	return c, tm, nil
}

// pollRequest makes one Engine.IO polling request with the user's headers
// and returns its body, refusing one over limit bytes: cut at the limit it
// would only fail to parse.
func pollRequest(ctx context.Context, rt http.RoundTripper, header http.Header, method, url string, body []byte, limit int) ([]byte, error) {
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
	applyHeaders(req, header)
	resp, err := rt.RoundTrip(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, int64(limit)+1))
	if err != nil {
		return nil, fmt.Errorf("%s %s: read body: %w", method, url, err)
	}
	if len(b) > limit {
		return nil, fmt.Errorf("%s %s: %w", method, url, errPollTooLarge(limit))
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("%s %s: expected 200, got %s: %.200q", method, url, resp.Status, b)
	}
	return b, nil
}

// receivePoll makes one long-poll GET and hands every packet of its payload
// to the session.
func (c *sioPollConn) receivePoll(ctx context.Context) error {
	pctx := ctx
	if c.pingWait > 0 {
		// The server holds a poll until it has something, at the latest its
		// next ping: a poll past the ping bound means the server is gone.
		var cancel context.CancelFunc
		pctx, cancel = context.WithDeadline(ctx, c.lastPing.Add(c.pingWait))
		defer cancel()
	}
	body, err := pollRequest(pctx, c.http, c.header, http.MethodGet, c.url, nil, c.maxBody)
	at := c.clock.Now()
	if err != nil {
		if ctx.Err() == nil && pctx.Err() == context.DeadlineExceeded {
			return errNoPing(c.pingWait)
		}
		return err
	}
	c.bytes.Add(int64(len(body)))
	packets, err := wire.ParseEIOPayload(body)
	if err != nil {
		return err
	}
	for _, p := range packets {
		if len(p.Data) > c.maxMessage {
			return errTooLarge(c.maxMessage)
		}
		if p.Type == wire.EIOPing && !p.Binary {
			c.lastPing = time.Now()
		}
		if err := c.session.receive(ctx, p, at); err != nil {
			return err
		}
	}
	return nil
}

// send POSTs one packet.
func (c *sioPollConn) send(ctx context.Context, p wire.EIOPacket) error {
	c.pmu.Lock()
	defer c.pmu.Unlock()
	tctx, cancel := context.WithTimeout(ctx, c.writeTimeout)
	defer cancel()
	body, err := pollRequest(tctx, c.http, c.header, http.MethodPost, c.url, wire.AppendEIOText(nil, p), maxPollBody)
	if err != nil && tctx.Err() == context.DeadlineExceeded && ctx.Err() == nil {
		return fmt.Errorf("POST %s: no answer within %s: %w", c.url, c.writeTimeout, err)
	}
	if err == nil && string(body) != "ok" {
		err = fmt.Errorf("POST %s: expected ok, got %.80q", c.url, body)
	}
	return err
}

// deliver queues f, with a copy of its data, for Read.
func (c *sioPollConn) deliver(_ context.Context, f Frame) error {
	c.pending.push(f)
	return nil
}

// Read returns the next message, polling for more when none is queued; its
// Data is valid until the next Read. The reader is the poller: one
// goroutine per socket, as a WebSocket's.
func (c *sioPollConn) Read() (Frame, error) {
	for c.pending.empty() {
		if c.err != nil {
			return Frame{}, c.err
		}
		if err := c.receivePoll(c.ctx); err != nil {
			if cerr := c.ctx.Err(); cerr != nil {
				err = cerr
			}
			c.err = err
		}
	}
	f, _ := c.pending.pop()
	return f, nil
}

func (c *sioPollConn) Write(msg []byte) error { return c.session.echo(c.ctx, msg) }

func (c *sioPollConn) BytesRead() int64 { return c.bytes.Load() }

// Close tells the server the session is over (a close packet, best effort)
// and closes both connections; a poll in flight fails.
func (c *sioPollConn) Close() error {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(c.ctx), time.Second)
	defer cancel()
	_ = c.send(ctx, wire.EIOPacket{Type: wire.EIOClose})
	c.cancel()
	c.http.shutdown()
	return nil
}

// errPollTooLarge is a long-poll response over limit bytes: the connection
// ends, and the error says so rather than what a cut body fails to parse as.
func errPollTooLarge(limit int) error {
	return fmt.Errorf("%w: poll response larger than %d bytes (16 MiB, or --max-message if larger)", ErrTooLarge, limit)
}

// ResumeState is the recovery id and offset for a redial; call it once Read
// failed (the poller, which updates them, has ended then).
func (c *sioPollConn) ResumeState() Resume { return c.session.resumeState() }
