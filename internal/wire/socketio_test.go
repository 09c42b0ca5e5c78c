package wire

import (
	"encoding/json"
	"errors"
	"reflect"
	"testing"
)

func TestParseSIO(t *testing.T) {
	raw := func(s string) json.RawMessage { return json.RawMessage(s) }
	tests := []struct {
		in   string
		want SIOPacket
	}{
		{"0", SIOPacket{Type: SIOConnect, Namespace: "/"}},
		{`0{"token":"t"}`, SIOPacket{Type: SIOConnect, Namespace: "/", Data: raw(`{"token":"t"}`)}},
		{`0/admin,{"token":"ok"}`, SIOPacket{Type: SIOConnect, Namespace: "/admin", Data: raw(`{"token":"ok"}`)}},
		{`0{"sid":"abc"}`, SIOPacket{Type: SIOConnect, Namespace: "/", Data: raw(`{"sid":"abc"}`)}},
		{"1", SIOPacket{Type: SIODisconnect, Namespace: "/"}},
		{"1/admin,", SIOPacket{Type: SIODisconnect, Namespace: "/admin"}},
		{`2["echo","a",1]`, SIOPacket{Type: SIOEvent, Namespace: "/", Data: raw(`["echo","a",1]`)}},
		{`212["echo","x"]`, SIOPacket{Type: SIOEvent, Namespace: "/", ID: 12, HasID: true, Data: raw(`["echo","x"]`)}},
		{`312["x"]`, SIOPacket{Type: SIOAck, Namespace: "/", ID: 12, HasID: true, Data: raw(`["x"]`)}},
		{`3/admin,13["bar"]`, SIOPacket{Type: SIOAck, Namespace: "/admin", ID: 13, HasID: true, Data: raw(`["bar"]`)}},
		{`4/admin,{"message":"Not authorized","data":{"reason":"token"}}`, SIOPacket{Type: SIOConnectError, Namespace: "/admin", Data: raw(`{"message":"Not authorized","data":{"reason":"token"}}`)}},
		{`4/nope,{"message":"Invalid namespace"}`, SIOPacket{Type: SIOConnectError, Namespace: "/nope", Data: raw(`{"message":"Invalid namespace"}`)}},
		{`51-["echo",{"_placeholder":true,"num":0}]`, SIOPacket{Type: SIOBinaryEvent, Attachments: 1, Namespace: "/", Data: raw(`["echo",{"_placeholder":true,"num":0}]`)}},
		{`62-/admin,7[{"_placeholder":true,"num":0},{"_placeholder":true,"num":1}]`, SIOPacket{Type: SIOBinaryAck, Attachments: 2, Namespace: "/admin", ID: 7, HasID: true, Data: raw(`[{"_placeholder":true,"num":0},{"_placeholder":true,"num":1}]`)}},
		{`2[7,"numeric event name"]`, SIOPacket{Type: SIOEvent, Namespace: "/", Data: raw(`[7,"numeric event name"]`)}},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ParseSIO([]byte(tt.in))
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("got %#v\nwant %#v", got, tt.want)
			}
			if back := string(AppendSIO(nil, got)); back != tt.in {
				t.Fatalf("re-encoded %q", back)
			}
		})
	}
}

func TestParseSIORejects(t *testing.T) {
	for _, in := range []string{
		"", "7", "x",
		`2`, `2[]`, `2{}`, `2"x"`, `2["connect"]`, `2["disconnecting",1]`, `2[{}]`,
		`3{}`, `0[]`, `0"x"`, `1{}`, `4[]`,
		`5["a"]`, `50-["a"]`, `511-["a"]`, `5x-["a"]`,
		`2["a"`, `2["a"]]`,
	} {
		t.Run(in, func(t *testing.T) {
			if p, err := ParseSIO([]byte(in)); !errors.Is(err, ErrSIOPacket) {
				t.Fatalf("accepted as %#v (err %v)", p, err)
			}
		})
	}
}

func TestSIOEventArgs(t *testing.T) {
	name, args, err := SIOEventArgs(json.RawMessage(`["echo","a",{"b":1}]`))
	if err != nil || name != "echo" || len(args) != 2 || string(args[1]) != `{"b":1}` {
		t.Fatalf("%q %q %v", name, args, err)
	}
	if got := string(AppendSIOArray(nil, "msg", args...)); got != `["msg","a",{"b":1}]` {
		t.Fatalf("AppendSIOArray = %s", got)
	}
	if got := string(AppendSIOArray(nil, "", args...)); got != `["a",{"b":1}]` {
		t.Fatalf("AppendSIOArray without name = %s", got)
	}
}

func FuzzSIORoundTrip(f *testing.F) {
	for _, s := range []string{`212["echo","x"]`, `3/admin,13["bar"]`, `51-["e",{"_placeholder":true,"num":0}]`, "0", "1/a,"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		p, err := ParseSIO(in)
		if err != nil {
			return
		}
		// Whatever parses re-encodes to something that parses to the same packet.
		again, err := ParseSIO(AppendSIO(nil, p))
		if err != nil {
			t.Fatalf("%q parsed as %#v but its encoding does not parse: %v", in, p, err)
		}
		if !reflect.DeepEqual(p, again) {
			t.Fatalf("%q: %#v != %#v", in, p, again)
		}
	})
}
