package target

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"sync"
	"sync/atomic"
	"time"
)

// Proxy bounds: a direction of a connection holds at most proxyQueue chunks
// of at most proxyChunk bytes (2 MiB) while they wait out a delay; a full
// queue stops reading, so TCP flow control slows the sender instead of the
// proxy buffering without limit.
const (
	proxyChunk = 32 << 10
	proxyQueue = 64
	// proxyDialTimeout bounds the connection to the upstream server.
	proxyDialTimeout = 10 * time.Second
)

// Proxy is a TCP proxy on a loopback port in front of a target, so latency can
// be added on the path between the load generator and the server without
// touching either: it forwards both directions of every connection and, while
// a delay is in force, holds each chunk it forwards for that long. Chunks keep
// their order; a connection the upstream refuses (a killed server) is closed
// at once, as a refused connection would be.
type Proxy struct {
	ln       net.Listener
	upstream string
	delay    atomic.Int64 // nanoseconds, the sum of the delays in force

	ctx     context.Context // ends every connection
	cancel  context.CancelFunc
	wg      sync.WaitGroup
	stopped chan struct{} // closed when the accept loop has ended
}

// StartProxy listens on a free loopback port and forwards every connection to
// upstream (host:port) until ctx ends or Close is called.
func StartProxy(ctx context.Context, upstream string) (*Proxy, error) {
	var lc net.ListenConfig
	ln, err := lc.Listen(ctx, "tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("proxy for %s: listen: %w", upstream, err)
	}
	pctx, cancel := context.WithCancel(ctx)
	p := &Proxy{ln: ln, upstream: upstream, ctx: pctx, cancel: cancel, stopped: make(chan struct{})}
	// Cancelling (Close or the caller's ctx) stops the accept loop.
	stopAccept := context.AfterFunc(pctx, func() { _ = ln.Close() })
	go func() {
		defer close(p.stopped)
		defer stopAccept()
		p.accept()
	}()
	return p, nil
}

// Addr is the proxy's listen address, host:port, to put in the clients' URLs.
func (p *Proxy) Addr() string { return p.ln.Addr().String() }

// Upstream is the address the proxy forwards to.
func (p *Proxy) Upstream() string { return p.upstream }

// AddDelay adds d to every chunk forwarded from now until the returned remove
// is called (once; later calls do nothing). Overlapping delays add up.
func (p *Proxy) AddDelay(d time.Duration) (remove func()) {
	p.delay.Add(int64(d))
	var once sync.Once
	return func() { once.Do(func() { p.delay.Add(-int64(d)) }) }
}

// Delay is the delay in force.
func (p *Proxy) Delay() time.Duration { return time.Duration(p.delay.Load()) }

// Close stops accepting, closes every connection and waits until all the
// proxy's goroutines have ended. It is safe to call more than once.
func (p *Proxy) Close() error {
	p.cancel()
	<-p.stopped
	p.wg.Wait()
	return nil
}

func (p *Proxy) accept() {
	for {
		c, err := p.ln.Accept()
		if err != nil {
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				continue
			}
			return // closed
		}
		p.wg.Add(1)
		go func() {
			defer p.wg.Done()
			p.serve(c)
		}()
	}
}

// serve forwards one client connection until both directions have ended,
// either side fails, or the proxy closes.
func (p *Proxy) serve(client net.Conn) {
	ctx, cancel := context.WithCancel(p.ctx)
	defer cancel()
	dctx, dcancel := context.WithTimeout(ctx, proxyDialTimeout)
	var d net.Dialer
	up, err := d.DialContext(dctx, "tcp", p.upstream)
	dcancel()
	if err != nil {
		_ = client.Close()
		return
	}
	// Ending the connection's context closes both sockets, which unblocks
	// every read and write of both directions.
	stop := context.AfterFunc(ctx, func() { _ = client.Close(); _ = up.Close() })
	defer func() {
		if !stop() {
			return // already closed by the AfterFunc
		}
		_ = client.Close()
		_ = up.Close()
	}()
	var both sync.WaitGroup
	both.Add(2)
	go func() { defer both.Done(); p.pipe(ctx, cancel, up, client) }()
	go func() { defer both.Done(); p.pipe(ctx, cancel, client, up) }()
	both.Wait()
}

// chunk is bytes read from one side and when they may be written to the other.
type chunk struct {
	b   []byte
	due time.Time
}

// pipe copies src to dst through a bounded queue: a reader stamps each chunk
// with its due time (now plus the delay in force), a writer writes them in
// order once due. At the end of src it half-closes dst, so a clean end passes
// through; a failure on either side aborts the whole connection.
func (p *Proxy) pipe(ctx context.Context, abort context.CancelFunc, dst, src net.Conn) {
	queue := make(chan chunk, proxyQueue)
	readerDone := make(chan struct{})
	var readErr error // set before queue closes
	go func() {
		defer close(readerDone)
		defer close(queue)
		buf := make([]byte, proxyChunk)
		for {
			n, err := src.Read(buf)
			if n > 0 {
				c := chunk{b: append([]byte(nil), buf[:n]...), due: time.Now().Add(p.Delay())}
				select {
				case queue <- c:
				case <-ctx.Done():
					return
				}
			}
			if err != nil {
				readErr = err
				return
			}
		}
	}()
	defer func() { <-readerDone }()
	for c := range queue {
		if wait := time.Until(c.due); wait > 0 {
			t := time.NewTimer(wait)
			select {
			case <-t.C:
			case <-ctx.Done():
				t.Stop()
				return
			}
		}
		if _, err := dst.Write(c.b); err != nil {
			abort()
			return
		}
	}
	// src ended. A clean end is passed on as a half-close; anything else
	// (a reset, the proxy closing) ends the whole connection.
	if ctx.Err() == nil && errors.Is(readErr, io.EOF) {
		if hc, ok := dst.(interface{ CloseWrite() error }); ok && hc.CloseWrite() == nil {
			return
		}
	}
	abort()
}
