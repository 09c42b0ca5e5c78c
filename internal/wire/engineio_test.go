package wire

import (
	"bytes"
	"errors"
	"reflect"
	"testing"
)

func TestEIOPayload(t *testing.T) {
	// A payload as the official server sent it for two acks and a binary event.
	payload := "4312[\"x\"]\x1e42[\"echo\",1]\x1e451-[\"echo\",{\"_placeholder\":true,\"num\":0}]\x1ebAQID"
	want := []EIOPacket{
		{Type: EIOMessage, Data: []byte(`312["x"]`)},
		{Type: EIOMessage, Data: []byte(`2["echo",1]`)},
		{Type: EIOMessage, Data: []byte(`51-["echo",{"_placeholder":true,"num":0}]`)},
		{Type: EIOMessage, Data: []byte{1, 2, 3}, Binary: true},
	}
	got, err := ParseEIOPayload([]byte(payload))
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("parsed %#v", got)
	}
	if back := AppendEIOPayload(nil, got); string(back) != payload {
		t.Fatalf("re-encoded %q, want %q", back, payload)
	}
}

func TestParseEIOText(t *testing.T) {
	tests := []struct {
		in   string
		want EIOPacket
		err  bool
	}{
		{"2", EIOPacket{Type: EIOPing, Data: []byte{}}, false},
		{"2probe", EIOPacket{Type: EIOPing, Data: []byte("probe")}, false},
		{"6", EIOPacket{Type: EIONoop, Data: []byte{}}, false},
		{"", EIOPacket{}, true},
		{"7", EIOPacket{}, true},
		{"b!!", EIOPacket{}, true},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ParseEIOText([]byte(tt.in))
			if tt.err {
				if !errors.Is(err, ErrEIOPacket) {
					t.Fatalf("err = %v, want ErrEIOPacket", err)
				}
				return
			}
			if err != nil || got.Type != tt.want.Type || !bytes.Equal(got.Data, tt.want.Data) {
				t.Fatalf("got %#v, %v", got, err)
			}
		})
	}
}

func FuzzEIOPayloadRoundTrip(f *testing.F) {
	f.Add(byte('4'), []byte(`2["a"]`), false, []byte{0, 1, 0x1e}, true)
	f.Fuzz(func(t *testing.T, typ byte, a []byte, aBin bool, b []byte, bBin bool) {
		mk := func(data []byte, bin bool) EIOPacket {
			if bin {
				return EIOPacket{Type: EIOMessage, Data: data, Binary: true}
			}
			// Text packets cannot contain the separator.
			return EIOPacket{Type: EIOOpen + typ%7, Data: bytes.ReplaceAll(data, []byte{EIORecordSeparator}, nil)}
		}
		in := []EIOPacket{mk(a, aBin), mk(b, bBin)}
		out, err := ParseEIOPayload(AppendEIOPayload(nil, in))
		if err != nil {
			t.Fatal(err)
		}
		if len(out) != 2 {
			t.Fatalf("%d packets", len(out))
		}
		for i := range in {
			if out[i].Type != in[i].Type || out[i].Binary != in[i].Binary || !bytes.Equal(out[i].Data, in[i].Data) {
				t.Fatalf("packet %d: %#v became %#v", i, in[i], out[i])
			}
		}
	})
}
