package clients

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/gorilla/websocket"
)

// Publisher sends fan-out messages to the server under test. Publish must not
// wait for the server to process a message (the schedule is open-loop); a
// publisher that cannot keep up shows as send lag and latency, never as a
// slower schedule.
type Publisher interface {
	// Publish sends msg, which the caller reuses once Publish returns.
	Publish(msg []byte) error
	// Close waits for in-flight publishes and releases the connection; it may
	// be called more than once.
	Close()
}

var (
	_ Publisher = (*wsPublisher)(nil)
	_ Publisher = (*httpPublisher)(nil)
)

// DialPublisher connects to url: ws:// or wss:// pipelines envelopes over one
// WebSocket, http:// or https:// POSTs each one with up to 64 in flight
// through opts.HTTP; both send opts.Receive.Headers. onError receives failures of asynchronous publishes. ctx
// bounds the publisher's life.
func DialPublisher(ctx context.Context, url string, opts DialOptions, onError func(error)) (Publisher, error) {
	if err := opts.Receive.Validate(); err != nil {
		return nil, fmt.Errorf("publisher: %w", err)
	}
	switch {
	case strings.HasPrefix(url, "ws://"), strings.HasPrefix(url, "wss://"):
		a := startDial(ctx, url, opts.ConnectTimeout)
		conn, _, err := dialWebSocket(a, opts)
		a.end()
		if err != nil {
			return nil, fmt.Errorf("publisher: %w", noPublishEndpoint(err))
		}
		p := &wsPublisher{conn: conn, readDone: make(chan struct{}), timeout: opts.writeTimeout()}
		// Read so gorilla answers the server's pings and sees its close.
		go func() {
			defer close(p.readDone)
			for {
				if _, _, err := conn.NextReader(); err != nil {
					return
				}
			}
		}()
		return p, nil
	case strings.HasPrefix(url, "http://"), strings.HasPrefix(url, "https://"):
		return &httpPublisher{ctx: ctx, url: url, header: opts.Receive.Headers, client: &http.Client{Transport: opts.HTTP},
			slots: make(chan struct{}, 64), onError: onError, timeout: opts.writeTimeout(), acked: opts.AckedPublish}, nil
	}
	return nil, fmt.Errorf("publisher URL %q: want ws://, wss://, http:// or https://", url)
}

type wsPublisher struct {
	conn     *websocket.Conn
	readDone chan struct{}
	once     sync.Once
	timeout  time.Duration // per publish
}

func (p *wsPublisher) Publish(msg []byte) error {
	if closed(p.readDone) {
		// The server closed the connection: a write could still go into
		// the socket's buffer and be lost without an error.
		return fmt.Errorf("publish over %s: %w", p.conn.RemoteAddr(), ErrPublisherClosed)
	}
	_ = p.conn.SetWriteDeadline(time.Now().Add(p.timeout))
	if err := p.conn.WriteMessage(websocket.TextMessage, msg); err != nil {
		if isTimeout(err) {
			err = errNotReading(p.timeout, err)
		}
		return fmt.Errorf("publish over %s: %w", p.conn.RemoteAddr(), err)
	}
	return nil
}

func (p *wsPublisher) Close() {
	p.once.Do(func() {
		// A clean close frame, so the server does not log an abnormal closure.
		_ = p.conn.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(websocket.CloseNormalClosure, ""), time.Now().Add(time.Second))
		p.conn.Close()
		<-p.readDone
	})
}

// ErrPublisherClosed is a publish on a connection the server has closed.
var ErrPublisherClosed = errors.New("the server closed the publisher's connection")

// closed reports whether done is closed, without waiting.
func closed(done <-chan struct{}) bool {
	select {
	case <-done:
		return true
	default:
		return false
	}
}

type httpPublisher struct {
	ctx     context.Context
	url     string
	header  http.Header // Receive.Headers, on every POST
	client  *http.Client
	slots   chan struct{}
	wg      sync.WaitGroup
	onError func(error)
	timeout time.Duration // per POST, answer included
	acked   bool          // post one at a time and return the answer (DialOptions.AckedPublish)
}

func (p *httpPublisher) Publish(msg []byte) error {
	if p.acked {
		return p.post(msg)
	}
	select {
	case p.slots <- struct{}{}:
	case <-p.ctx.Done():
		return p.ctx.Err()
	}
	msg = bytes.Clone(msg)
	p.wg.Add(1)
	go func() {
		defer func() { <-p.slots; p.wg.Done() }()
		if err := p.post(msg); err != nil {
			p.onError(err)
		}
	}()
	return nil
}

func (p *httpPublisher) Close() { p.wg.Wait() }

// post sends one message and waits for the server's answer, which must be 2xx.
func (p *httpPublisher) post(msg []byte) error {
	ctx, cancel := context.WithTimeout(p.ctx, p.timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, p.url, bytes.NewReader(msg))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	applyHeaders(req, p.header)
	resp, err := p.client.Do(req)
	if err != nil {
		if ctx.Err() == context.DeadlineExceeded && p.ctx.Err() == nil {
			err = fmt.Errorf("no answer within %s: %w", p.timeout, err)
		}
		return fmt.Errorf("POST %s: %w", p.url, err)
	}
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 200))
	resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		err := fmt.Errorf("POST %s: %w", p.url, &statusError{want: "2xx", code: resp.StatusCode, status: resp.Status, body: body})
		return noPublishEndpoint(err)
	}
	return nil
}

// ErrNoPublishEndpoint marks a publisher failure whose answer says the target
// has no publish endpoint at the URL: a 404, 405 or 501, a WebSocket upgrade
// answered with a plain 2xx page, or a connection closed without an answer.
var ErrNoPublishEndpoint = errors.New("the target has no publish endpoint there")

// publishHint is what a user does about ErrNoPublishEndpoint.
const publishHint = "pass --publish URL (the server's own publish endpoint, with --publish-body for its format) " +
	"or use --pattern listen to measure what the server pushes on its own"

// noPublishEndpoint adds ErrNoPublishEndpoint and its hint to err when err
// is such an answer, keeping a DialError's URL and phase.
func noPublishEndpoint(err error) error {
	var se *statusError
	missing := errors.Is(err, errNoAnswer) || errors.As(err, &se) &&
		(se.code == http.StatusNotFound || se.code == http.StatusMethodNotAllowed ||
			se.code == http.StatusNotImplemented || se.code/100 == 2)
	if !missing {
		return err
	}
	hint := func(cause error) error { return fmt.Errorf("%w; %w: %s", cause, ErrNoPublishEndpoint, publishHint) }
	var de *DialError
	if errors.As(err, &de) {
		return &DialError{URL: de.URL, Phase: de.Phase, Err: hint(de.Err)}
	}
	return hint(err)
}
