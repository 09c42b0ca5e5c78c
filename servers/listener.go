package servers

import (
	"context"
	"errors"
	"fmt"
	"net"
)

// boundListener is a ListenerTransport with the listener it serves.
type boundListener struct {
	t  ListenerTransport
	ln net.Listener
}

// Attach adds a transport with a listener of its own; Serve serves it on ln
// beside the HTTP listener and stops it on shutdown. Call it before Serve.
func (s *Server) Attach(t ListenerTransport, ln net.Listener) {
	s.transports = append(s.transports, t)
	s.listeners = append(s.listeners, boundListener{t, ln})
}

// runningListeners tracks the Serve calls of the listener transports.
type runningListeners struct {
	ended   chan error // one value per Serve call that returned
	running int
}

// serveListeners starts every attached listener transport on ctx.
func (s *Server) serveListeners(ctx context.Context) *runningListeners {
	r := &runningListeners{ended: make(chan error, len(s.listeners)), running: len(s.listeners)}
	for _, b := range s.listeners {
		go func() {
			err := b.t.Serve(ctx, b.ln)
			if err == nil && ctx.Err() == nil {
				err = errors.New("returned before shutdown")
			}
			if err != nil {
				err = fmt.Errorf("transport %s on %s: %w", b.t.Name(), b.ln.Addr(), err)
			}
			r.ended <- err
		}()
	}
	return r
}

// wait waits for the listener transports still running to return, or for ctx.
func (r *runningListeners) wait(ctx context.Context) error {
	var errs []error
	for ; r.running > 0; r.running-- {
		select {
		case err := <-r.ended:
			errs = append(errs, err)
		case <-ctx.Done():
			errs = append(errs, fmt.Errorf("%d listener transports did not stop: %w", r.running, ctx.Err()))
			return errors.Join(errs...)
		}
	}
	return errors.Join(errs...)
}
