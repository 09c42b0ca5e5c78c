package servers

import (
	"encoding/json"
	"errors"
	"fmt"

	"github.com/pushbench/pushbench/internal/wire"
)

// errUnexpectedBinary is binary data no binary packet announced.
var errUnexpectedBinary = errors.New("socket.io: binary data without a binary packet")

// pendingBinary is a binary event or ack whose attachments are still arriving.
type pendingBinary struct {
	packet      wire.SIOPacket
	attachments [][]byte
}

// socketIO handles one Socket.IO packet from the client. Called with s.in held.
func (s *eioSession) socketIO(data []byte) error {
	if s.binary != nil {
		return fmt.Errorf("socket.io: text packet while %d attachments are outstanding", s.binary.packet.Attachments-len(s.binary.attachments))
	}
	p, err := wire.ParseSIO(data)
	if err != nil {
		return err
	}
	switch p.Type {
	case wire.SIOConnect:
		s.connect(p)
	case wire.SIODisconnect:
		s.disconnect(p.Namespace)
	case wire.SIOEvent:
		s.event(p, nil)
	case wire.SIOBinaryEvent:
		s.binary = &pendingBinary{packet: p}
	case wire.SIOAck, wire.SIOBinaryAck:
		// The server never asks for acks, so there is nothing to resolve.
	default:
		return fmt.Errorf("socket.io: unexpected packet type %d from a client", p.Type)
	}
	return nil
}

// attachment takes one binary frame of the pending binary event.
func (s *eioSession) attachment(b []byte) error {
	if s.binary == nil {
		return errUnexpectedBinary
	}
	s.binary.attachments = append(s.binary.attachments, b)
	if len(s.binary.attachments) < s.binary.packet.Attachments {
		return nil
	}
	pb := s.binary
	s.binary = nil
	s.event(pb.packet, pb.attachments)
	return nil
}

// reply queues a Socket.IO packet and its binary attachments.
func (s *eioSession) reply(p wire.SIOPacket, attachments [][]byte) {
	s.send(wire.EIOPacket{Type: wire.EIOMessage, Data: wire.AppendSIO(nil, p)})
	for _, a := range attachments {
		s.send(wire.EIOPacket{Type: wire.EIOMessage, Data: a, Binary: true})
	}
}

func (s *eioSession) connect(p wire.SIOPacket) {
	nsp := p.Namespace
	if _, ok := s.sockets[nsp]; ok {
		return // already connected: the official server ignores a repeat
	}
	token, known := s.t.srv.cfg.SocketIO.Namespaces[nsp]
	if nsp != "/" && !known {
		s.reply(wire.SIOPacket{Type: wire.SIOConnectError, Namespace: nsp, Data: json.RawMessage(`{"message":"Invalid namespace"}`)}, nil)
		return
	}
	if token != "" {
		var auth struct {
			Token string `json:"token"`
		}
		if p.Data != nil {
			_ = json.Unmarshal(p.Data, &auth)
		}
		if auth.Token != token {
			s.reply(wire.SIOPacket{Type: wire.SIOConnectError, Namespace: nsp,
				Data: json.RawMessage(`{"message":"Not authorized","data":{"reason":"token"}}`)}, nil)
			return
		}
	}
	id := newSID()
	s.sockets[nsp] = id
	s.joined.Store(true)
	if nsp == "/" {
		sub := s.t.srv.hub.Subscribe()
		if sub == nil {
			s.close("server shutting down")
			return
		}
		s.mu.Lock()
		s.sub = sub
		s.mu.Unlock()
	}
	b, _ := json.Marshal(struct {
		SID string `json:"sid"`
	}{id})
	s.reply(wire.SIOPacket{Type: wire.SIOConnect, Namespace: nsp, Data: b}, nil)
}

func (s *eioSession) disconnect(nsp string) {
	delete(s.sockets, nsp)
	if nsp != "/" {
		return
	}
	s.mu.Lock()
	if s.sub != nil {
		s.t.srv.hub.Unsubscribe(s.sub)
		s.sub = nil
	}
	s.mu.Unlock()
}

// event answers the event "echo": through its ack when the client asked for
// one, else by emitting "echo" back with the same arguments. Events on a
// namespace the client has not joined, and other events, are ignored, as the
// official server does.
func (s *eioSession) event(p wire.SIOPacket, attachments [][]byte) {
	if _, ok := s.sockets[p.Namespace]; !ok {
		return
	}
	name, args, err := wire.SIOEventArgs(p.Data)
	if err != nil || name != "echo" {
		return
	}
	binary := len(attachments) > 0
	out := wire.SIOPacket{Namespace: p.Namespace, Attachments: len(attachments)}
	switch {
	case p.HasID && binary:
		out.Type, out.ID, out.HasID, out.Data = wire.SIOBinaryAck, p.ID, true, wire.AppendSIOArray(nil, "", args...)
	case p.HasID:
		out.Type, out.ID, out.HasID, out.Data = wire.SIOAck, p.ID, true, wire.AppendSIOArray(nil, "", args...)
	case binary:
		out.Type, out.Data = wire.SIOBinaryEvent, p.Data
	default:
		out.Type, out.Data = wire.SIOEvent, p.Data
	}
	s.reply(out, attachments)
}
