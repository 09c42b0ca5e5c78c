package servers

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/pushbench/pushbench/internal/wire"
)

// openPolling answers a polling handshake: a new session and its open packet.
func (t *socketioTransport) openPolling(w http.ResponseWriter, r *http.Request) {
	s, err := t.newSession(true, r.RemoteAddr)
	if err != nil {
		t.refuseSession(w, err)
		return
	}
	_ = writePollingPayload(w, []wire.EIOPacket{t.handshake(s, []string{"websocket"})}, t.srv.cfg.WriteTimeout)
}

// writePollingPayload answers a poll with packets, within timeout: a client
// that does not read its answer does not hold the handler.
func writePollingPayload(w http.ResponseWriter, packets []wire.EIOPacket, timeout time.Duration) error {
	rc := http.NewResponseController(w)
	if err := rc.SetWriteDeadline(time.Now().Add(timeout)); err != nil && !errors.Is(err, http.ErrNotSupported) {
		return err
	}
	w.Header().Set("Content-Type", "text/plain; charset=UTF-8")
	w.Header().Set("Cache-Control", "no-store")
	if _, err := w.Write(wire.AppendEIOPayload(nil, packets)); err != nil {
		return err
	}
	return rc.Flush()
}

// exclusive claims busy (s.polling or s.posting) for one request. The protocol
// allows one GET and one POST at a time; a second one ends the session, as the
// official server does, and is answered 400.
func (s *eioSession) exclusive(w http.ResponseWriter, busy *bool, what string) (release func(), ok bool) {
	s.mu.Lock()
	taken := *busy
	*busy = true
	s.mu.Unlock()
	if taken {
		s.close(what)
		eioError(w, http.StatusBadRequest, eioBadRequest, what)
		return nil, false
	}
	return func() { s.mu.Lock(); *busy = false; s.mu.Unlock() }, true
}

// isPolling reports whether a long-polling GET is waiting on the session.
func (s *eioSession) isPolling() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.polling
}

// poll answers one long-polling GET with everything queued, waiting for the
// first packet. Two concurrent GETs end the session, as the official server
// does.
func (s *eioSession) poll(w http.ResponseWriter, r *http.Request) {
	release, ok := s.exclusive(w, &s.polling, "overlapping polls")
	if !ok {
		return
	}
	defer release()
	// A probe for the upgrade releases the poll, as does the client leaving.
	ctx, cancel := context.WithCancel(r.Context())
	defer cancel()
	defer context.AfterFunc(s.probed, cancel)()
	batch := s.collect(ctx)
	if batch.items == nil {
		if r.Context().Err() != nil {
			return
		}
		batch = eioBatch{items: []eioItem{{control: wire.EIOPacket{Type: wire.EIONoop}}}} // a probe: release the poll
	}
	packets := make([]wire.EIOPacket, len(batch.items))
	for i, it := range batch.items {
		packets[i] = packet(it)
	}
	err := writePollingPayload(w, packets, s.t.srv.cfg.WriteTimeout)
	batch.written()
	if err != nil {
		s.t.srv.noteWriteError(err)
		s.close("write poll answer: " + err.Error())
	}
}

// receivePost handles one polling POST: a payload of packets, at most
// maxPayload bytes.
func (s *eioSession) receivePost(w http.ResponseWriter, r *http.Request) {
	release, ok := s.exclusive(w, &s.posting, "overlapping posts")
	if !ok {
		return
	}
	defer release()
	max := s.t.srv.cfg.SocketIO.MaxPayload
	body, err := s.t.srv.readBody(w, r, int64(max))
	if err != nil {
		status := bodyStatus(err)
		msg := err.Error()
		if status == http.StatusRequestEntityTooLarge {
			msg = fmt.Sprintf("payload larger than maxPayload (%d bytes)", max)
		}
		s.close(msg)
		eioError(w, status, eioBadRequest, msg)
		return
	}
	packets, err := wire.ParseEIOPayload(body)
	if err != nil {
		s.close(err.Error())
		eioError(w, http.StatusBadRequest, eioBadRequest, err.Error())
		return
	}
	for _, p := range packets {
		if err := s.handle(p); err != nil {
			s.close(err.Error())
			break
		}
	}
	w.Header().Set("Content-Type", "text/html")
	w.Header().Set("Cache-Control", "no-store")
	_, _ = io.WriteString(w, "ok")
}
