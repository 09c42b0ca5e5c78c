package clients

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/pushbench/pushbench/internal/wire"
)

// recordingLink is an eioLink that records what the session sends and
// delivers.
type recordingLink struct {
	sent      []string
	delivered []string
	at        []time.Duration
	sendErr   error
}

func (l *recordingLink) send(_ context.Context, p wire.EIOPacket) error {
	l.sent = append(l.sent, string(wire.AppendEIOText(nil, p)))
	return l.sendErr
}

func (l *recordingLink) deliver(_ context.Context, msg []byte, at time.Duration) error {
	l.delivered = append(l.delivered, string(msg))
	l.at = append(l.at, at)
	return nil
}

func TestEIOSessionReceive(t *testing.T) {
	tests := []struct {
		name          string
		packet        wire.EIOPacket
		wantSent      []string
		wantDelivered []string
		wantConnected bool
		wantErr       error
	}{
		{name: "ping is answered with pong", packet: wire.EIOPacket{Type: wire.EIOPing, Data: []byte("probe")}, wantSent: []string{"3probe"}},
		{name: "close ends the session", packet: wire.EIOPacket{Type: wire.EIOClose}, wantErr: errEIOClosed},
		{name: "connect answer", packet: wire.EIOPacket{Type: wire.EIOMessage, Data: []byte(`0{"sid":"s1"}`)}, wantConnected: true},
		{name: "msg event is delivered", packet: wire.EIOPacket{Type: wire.EIOMessage, Data: []byte(`2["msg",{"seq":1}]`)}, wantDelivered: []string{`{"seq":1}`}},
		{name: "ack is delivered", packet: wire.EIOPacket{Type: wire.EIOMessage, Data: []byte(`37[{"seq":2}]`)}, wantDelivered: []string{`{"seq":2}`}},
		{name: "other events are ignored", packet: wire.EIOPacket{Type: wire.EIOMessage, Data: []byte(`2["other",1]`)}},
		{name: "other namespaces are ignored", packet: wire.EIOPacket{Type: wire.EIOMessage, Data: []byte(`2/admin,["msg",1]`)}},
		{name: "disconnect ends the socket", packet: wire.EIOPacket{Type: wire.EIOMessage, Data: []byte(`1`)}, wantErr: errSIODisconnected},
		{name: "binary is skipped", packet: wire.EIOPacket{Type: wire.EIOMessage, Binary: true, Data: []byte{1, 2}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			link := &recordingLink{}
			s := &eioSession{link: link}
			err := s.receive(context.Background(), tt.packet, 42)
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("receive: %v, want %v", err, tt.wantErr)
			}
			if !slices.Equal(link.sent, tt.wantSent) || !slices.Equal(link.delivered, tt.wantDelivered) || s.connected != tt.wantConnected {
				t.Fatalf("sent %q delivered %q connected %v; want %q %q %v",
					link.sent, link.delivered, s.connected, tt.wantSent, tt.wantDelivered, tt.wantConnected)
			}
			for _, at := range link.at {
				if at != 42 {
					t.Errorf("delivered at %s, want the arrival reading 42ns", at)
				}
			}
		})
	}
}

func TestEIOSessionPongFailure(t *testing.T) {
	link := &recordingLink{sendErr: errors.New("broken pipe")}
	s := &eioSession{link: link}
	err := s.receive(context.Background(), wire.EIOPacket{Type: wire.EIOPing}, 0)
	if err == nil || err.Error() != "pong: broken pipe" {
		t.Fatalf("receive = %v, want pong: broken pipe", err)
	}
}

func TestEIOSessionJoinAndEcho(t *testing.T) {
	link := &recordingLink{}
	s := &eioSession{link: link}
	// The server answers a ping first, then accepts the connect.
	inbound := []wire.EIOPacket{
		{Type: wire.EIOPing},
		{Type: wire.EIOMessage, Data: []byte(`0{"sid":"s1"}`)},
	}
	next := func() error {
		if len(inbound) == 0 {
			return errors.New("no more packets")
		}
		p := inbound[0]
		inbound = inbound[1:]
		return s.receive(context.Background(), p, 0)
	}
	if err := s.join(context.Background(), next); err != nil {
		t.Fatal(err)
	}
	if err := s.echo(context.Background(), []byte(`{"seq":1}`)); err != nil {
		t.Fatal(err)
	}
	if err := s.echo(context.Background(), []byte(`{"seq":2}`)); err != nil {
		t.Fatal(err)
	}
	want := []string{"40", "3", `420["echo",{"seq":1}]`, `421["echo",{"seq":2}]`}
	if !slices.Equal(link.sent, want) {
		t.Fatalf("sent %q, want %q", link.sent, want)
	}
}

func TestEIOSessionJoinFailsWhenTheServerRefuses(t *testing.T) {
	s := &eioSession{link: &recordingLink{}}
	next := func() error {
		return s.receive(context.Background(), wire.EIOPacket{Type: wire.EIOMessage, Data: []byte(`4{"message":"not allowed"}`)}, 0)
	}
	if err := s.join(context.Background(), next); err == nil || s.connected {
		t.Fatalf("join = %v, connected %v; want a refusal", err, s.connected)
	}
}
