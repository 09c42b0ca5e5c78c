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
	delivered []string // data, and " event=NAME" when the frame names one
	at        []time.Duration
	sendErr   error
}

func (l *recordingLink) send(_ context.Context, p wire.EIOPacket) error {
	l.sent = append(l.sent, string(wire.AppendEIOText(nil, p)))
	return l.sendErr
}

func (l *recordingLink) deliver(_ context.Context, f Frame) error {
	d := string(f.Data)
	if f.Event != "" {
		d += " event=" + f.Event
	}
	l.delivered = append(l.delivered, d)
	l.at = append(l.at, f.At)
	return nil
}

// testSession is a session over link with Receive's defaults changed by rcv.
func testSession(link eioLink, rcv Receive) *eioSession {
	s := newEIOSession(link, rcv.withDefaults())
	return &s
}

// chatTime listens to the event "time" on the namespace "/chat".
var chatTime = Receive{SIONamespace: "/chat", SIOEvent: "time"}

func TestEIOSessionReceive(t *testing.T) {
	tests := []struct {
		name          string
		rcv           Receive
		packet        wire.EIOPacket
		wantSent      []string
		wantDelivered []string
		wantConnected bool
		wantErr       error
	}{
		{name: "ping is answered with pong", packet: wire.EIOPacket{Type: wire.EIOPing, Data: []byte("probe")}, wantSent: []string{"3probe"}},
		{name: "close ends the session cleanly", packet: wire.EIOPacket{Type: wire.EIOClose}, wantErr: ErrEnded},
		{name: "connect answer", packet: wire.EIOPacket{Type: wire.EIOMessage, Data: []byte(`0{"sid":"s1"}`)}, wantConnected: true},
		{name: "msg event is delivered", packet: wire.EIOPacket{Type: wire.EIOMessage, Data: []byte(`2["msg",{"seq":1}]`)}, wantDelivered: []string{`{"seq":1} event=msg`}},
		{name: "custom event on its namespace", rcv: chatTime, packet: wire.EIOPacket{Type: wire.EIOMessage, Data: []byte(`2/chat,["time","12:00",2]`)}, wantDelivered: []string{`"12:00" event=time`}},
		{name: "custom event without arguments", rcv: chatTime, packet: wire.EIOPacket{Type: wire.EIOMessage, Data: []byte(`2/chat,["time"]`)}, wantDelivered: []string{` event=time`}},
		{name: "msg ignored when listening to another event", rcv: chatTime, packet: wire.EIOPacket{Type: wire.EIOMessage, Data: []byte(`2/chat,["msg",1]`)}},
		{name: "custom event on the root namespace ignored", rcv: chatTime, packet: wire.EIOPacket{Type: wire.EIOMessage, Data: []byte(`2["time",1]`)}},
		{name: "connect answer on the namespace", rcv: chatTime, packet: wire.EIOPacket{Type: wire.EIOMessage, Data: []byte(`0/chat,{"sid":"s1"}`)}, wantConnected: true},
		{name: "ack on the namespace", rcv: chatTime, packet: wire.EIOPacket{Type: wire.EIOMessage, Data: []byte(`3/chat,4[{"seq":2}]`)}, wantDelivered: []string{`{"seq":2}`}},
		{name: "disconnect of the namespace ends cleanly", rcv: chatTime, packet: wire.EIOPacket{Type: wire.EIOMessage, Data: []byte(`1/chat,`)}, wantErr: ErrEnded},
		{name: "disconnect of another namespace ignored", rcv: chatTime, packet: wire.EIOPacket{Type: wire.EIOMessage, Data: []byte(`1`)}},
		{name: "ack is delivered", packet: wire.EIOPacket{Type: wire.EIOMessage, Data: []byte(`37[{"seq":2}]`)}, wantDelivered: []string{`{"seq":2}`}},
		{name: "other events are ignored", packet: wire.EIOPacket{Type: wire.EIOMessage, Data: []byte(`2["other",1]`)}},
		{name: "other namespaces are ignored", packet: wire.EIOPacket{Type: wire.EIOMessage, Data: []byte(`2/admin,["msg",1]`)}},
		{name: "disconnect ends the socket cleanly", packet: wire.EIOPacket{Type: wire.EIOMessage, Data: []byte(`1`)}, wantErr: errSIODisconnected},
		{name: "binary is skipped", packet: wire.EIOPacket{Type: wire.EIOMessage, Binary: true, Data: []byte{1, 2}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			link := &recordingLink{}
			s := testSession(link, tt.rcv)
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
	s := testSession(link, Receive{})
	err := s.receive(context.Background(), wire.EIOPacket{Type: wire.EIOPing}, 0)
	if err == nil || err.Error() != "pong: broken pipe" {
		t.Fatalf("receive = %v, want pong: broken pipe", err)
	}
}

func TestEIOSessionJoinAndEcho(t *testing.T) {
	tests := []struct {
		name   string
		rcv    Receive
		accept string
		want   []string
	}{
		{"root namespace", Receive{}, `0{"sid":"s1"}`,
			[]string{"40", "3", `420["echo",{"seq":1}]`, `421["echo",{"seq":2}]`}},
		{"namespace with auth", Receive{SIONamespace: "/admin", SIOAuth: []byte(`{"token":"ok"}`)}, `0/admin,{"sid":"s1"}`,
			[]string{`40/admin,{"token":"ok"}`, "3", `42/admin,0["echo",{"seq":1}]`, `42/admin,1["echo",{"seq":2}]`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			link := &recordingLink{}
			s := testSession(link, tt.rcv)
			// The server answers a ping first, then accepts the connect.
			inbound := []wire.EIOPacket{
				{Type: wire.EIOPing},
				{Type: wire.EIOMessage, Data: []byte(tt.accept)},
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
			if !slices.Equal(link.sent, tt.want) {
				t.Fatalf("sent %q, want %q", link.sent, tt.want)
			}
		})
	}
}

func TestEIOSessionJoinFailsWhenTheServerRefuses(t *testing.T) {
	s := testSession(&recordingLink{}, Receive{})
	next := func() error {
		return s.receive(context.Background(), wire.EIOPacket{Type: wire.EIOMessage, Data: []byte(`4{"message":"not allowed"}`)}, 0)
	}
	if err := s.join(context.Background(), next); err == nil || s.connected {
		t.Fatalf("join = %v, connected %v; want a refusal", err, s.connected)
	}
}
