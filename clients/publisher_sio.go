package clients

import (
	"context"
	"fmt"
	"sync"

	"github.com/pushbench/pushbench/internal/wire"
)

// sioPublisher emits each fan-out message as a Socket.IO event over one
// WebSocket session, as an app's own client would (a chat message, an order).
type sioPublisher struct {
	conn     *sioWSConn
	event    string
	readDone chan struct{}
	cancel   context.CancelFunc
	once     sync.Once
}

var _ Publisher = (*sioPublisher)(nil)

// DialSocketIOPublisher joins the Socket.IO endpoint at url (the namespace
// and auth of opts.Receive) and returns a publisher that emits every message
// as event: its JSON text as the argument, or a string when it is not JSON.
// It reads all the while, answering the server's pings and dropping what it
// receives.
func DialSocketIOPublisher(ctx context.Context, url, event string, opts DialOptions) (Publisher, error) {
	if event == "" || wire.SIOReservedEvent(event) {
		return nil, fmt.Errorf("publisher: socket.io event %q: want an event name the app handles (not a reserved one)", event)
	}
	cctx, cancel := context.WithCancel(ctx)
	c, _, err := socketioWSClient{}.Dial(cctx, url, opts)
	if err != nil {
		cancel()
		return nil, fmt.Errorf("publisher: %w", noPublishEndpoint(err))
	}
	p := &sioPublisher{conn: c.(*sioWSConn), event: event, readDone: make(chan struct{}), cancel: cancel}
	go func() {
		defer close(p.readDone)
		for {
			if _, err := p.conn.Read(); err != nil {
				return
			}
		}
	}()
	return p, nil
}

func (p *sioPublisher) Publish(msg []byte) error {
	if closed(p.readDone) {
		return fmt.Errorf("publish over socket.io: %w", ErrPublisherClosed)
	}
	return p.conn.session.emit(context.Background(), p.event, msg)
}

func (p *sioPublisher) Close() {
	p.once.Do(func() {
		p.cancel()
		p.conn.Close()
		<-p.readDone
	})
}
