package wire

import (
	"bytes"
	"encoding/base64"
	"errors"
	"fmt"
)

// Engine.IO v4 packet types, as the first character of a packet.
const (
	EIOOpen    byte = '0'
	EIOClose   byte = '1'
	EIOPing    byte = '2'
	EIOPong    byte = '3'
	EIOMessage byte = '4'
	EIOUpgrade byte = '5'
	EIONoop    byte = '6'
)

// EIORecordSeparator joins packets in a long-polling payload.
const EIORecordSeparator = 0x1e

// EIOPacket is one Engine.IO packet. A binary packet is always a message; over
// WebSocket it travels as a raw binary frame, over polling as "b" + base64.
type EIOPacket struct {
	Type   byte
	Data   []byte
	Binary bool
}

// EIOHandshake is the JSON body of the open packet.
type EIOHandshake struct {
	SID          string   `json:"sid"`
	Upgrades     []string `json:"upgrades"`
	PingInterval int      `json:"pingInterval"`
	PingTimeout  int      `json:"pingTimeout"`
	MaxPayload   int      `json:"maxPayload"`
}

// ErrEIOPacket reports bytes that are not an Engine.IO packet.
var ErrEIOPacket = errors.New("engine.io: bad packet")

// AppendEIOText appends p in its text form: the type character and the data, or
// "b" and base64 for a binary packet (the polling form; over WebSocket a binary
// packet is sent as a binary frame holding Data alone).
func AppendEIOText(dst []byte, p EIOPacket) []byte {
	if p.Binary {
		dst = append(dst, 'b')
		return base64.StdEncoding.AppendEncode(dst, p.Data)
	}
	dst = append(dst, p.Type)
	return append(dst, p.Data...)
}

// ParseEIOText parses one packet in text form (a WebSocket text frame or one
// element of a polling payload). Data aliases b.
func ParseEIOText(b []byte) (EIOPacket, error) {
	if len(b) == 0 {
		return EIOPacket{}, fmt.Errorf("%w: empty", ErrEIOPacket)
	}
	if b[0] == 'b' {
		data, err := base64.StdEncoding.AppendDecode(nil, b[1:])
		if err != nil {
			return EIOPacket{}, fmt.Errorf("%w: binary packet: %w", ErrEIOPacket, err)
		}
		return EIOPacket{Type: EIOMessage, Data: data, Binary: true}, nil
	}
	if b[0] < EIOOpen || b[0] > EIONoop {
		return EIOPacket{}, fmt.Errorf("%w: unknown type %q", ErrEIOPacket, b[0])
	}
	return EIOPacket{Type: b[0], Data: b[1:]}, nil
}

// AppendEIOPayload appends packets as one long-polling payload, joined by the
// record separator.
func AppendEIOPayload(dst []byte, packets []EIOPacket) []byte {
	for i, p := range packets {
		if i > 0 {
			dst = append(dst, EIORecordSeparator)
		}
		dst = AppendEIOText(dst, p)
	}
	return dst
}

// ParseEIOPayload splits a long-polling payload into packets. Data aliases b.
func ParseEIOPayload(b []byte) ([]EIOPacket, error) {
	var out []EIOPacket
	for part := range bytes.SplitSeq(b, []byte{EIORecordSeparator}) {
		p, err := ParseEIOText(part)
		if err != nil {
			return out, err
		}
		out = append(out, p)
	}
	return out, nil
}
