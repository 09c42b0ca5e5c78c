package wire

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
)

// SIOType is a Socket.IO v5 packet type.
type SIOType byte

// Socket.IO packet types.
const (
	SIOConnect      SIOType = 0
	SIODisconnect   SIOType = 1
	SIOEvent        SIOType = 2
	SIOAck          SIOType = 3
	SIOConnectError SIOType = 4
	SIOBinaryEvent  SIOType = 5
	SIOBinaryAck    SIOType = 6
)

// SIOMaxAttachments is the most binary attachments one packet may announce, as
// the official parser enforces.
const SIOMaxAttachments = 10

// SIOPacket is one Socket.IO packet, carried in an Engine.IO message:
// <type>[<attachments>-][<namespace>,][<ack id>][JSON]. The namespace "/" is
// written as nothing.
type SIOPacket struct {
	Type        SIOType
	Attachments int // binary event/ack only
	Namespace   string
	ID          uint64 // ack id, when HasID
	HasID       bool
	Data        json.RawMessage // nil when absent
}

// ErrSIOPacket reports text that is not a valid Socket.IO packet.
var ErrSIOPacket = errors.New("socket.io: bad packet")

// sioReservedEvents cannot be emitted by a peer.
var sioReservedEvents = []string{"connect", "connect_error", "disconnect", "disconnecting", "newListener", "removeListener"}

// SIOReservedEvent reports whether name is reserved by Socket.IO: no peer can
// emit an event of that name.
func SIOReservedEvent(name string) bool { return slices.Contains(sioReservedEvents, name) }

// AppendSIO appends p's text form.
func AppendSIO(dst []byte, p SIOPacket) []byte {
	dst = strconv.AppendUint(dst, uint64(p.Type), 10)
	if p.Type == SIOBinaryEvent || p.Type == SIOBinaryAck {
		dst = strconv.AppendInt(dst, int64(p.Attachments), 10)
		dst = append(dst, '-')
	}
	if p.Namespace != "" && p.Namespace != "/" {
		dst = append(dst, p.Namespace...)
		dst = append(dst, ',')
	}
	if p.HasID {
		dst = strconv.AppendUint(dst, p.ID, 10)
	}
	return append(dst, p.Data...)
}

// ParseSIO parses and validates one packet: the payload must suit the type
// (CONNECT an object or nothing, EVENT a non-empty array starting with a
// non-reserved name or a number, ACK an array, DISCONNECT nothing, CONNECT_ERROR
// an object or string), and binary packets announce 1..10 attachments.
func ParseSIO(b []byte) (SIOPacket, error) {
	bad := func(format string, args ...any) (SIOPacket, error) {
		return SIOPacket{}, fmt.Errorf("%w: "+format+" in %.80q", append([]any{ErrSIOPacket}, append(args, b)...)...)
	}
	if len(b) == 0 || b[0] < '0' || b[0] > '6' {
		return bad("unknown type")
	}
	p := SIOPacket{Type: SIOType(b[0] - '0'), Namespace: "/"}
	i := 1
	if p.Type == SIOBinaryEvent || p.Type == SIOBinaryAck {
		j := bytes.IndexByte(b[i:], '-')
		if j < 1 {
			return bad("missing attachment count")
		}
		n, err := strconv.Atoi(string(b[i : i+j]))
		if err != nil || n < 1 || n > SIOMaxAttachments {
			return bad("attachment count %q", b[i:i+j])
		}
		p.Attachments = n
		i += j + 1
	}
	if i < len(b) && b[i] == '/' {
		j := bytes.IndexByte(b[i:], ',')
		if j < 0 {
			p.Namespace = string(b[i:])
			i = len(b)
		} else {
			p.Namespace = string(b[i : i+j])
			i += j + 1
		}
	}
	start := i
	for i < len(b) && b[i] >= '0' && b[i] <= '9' {
		i++
	}
	if i > start {
		id, err := strconv.ParseUint(string(b[start:i]), 10, 64)
		if err != nil {
			return bad("ack id")
		}
		p.ID, p.HasID = id, true
	}
	if i < len(b) {
		p.Data = json.RawMessage(b[i:])
		if !json.Valid(p.Data) {
			return bad("invalid JSON")
		}
	}
	if err := p.validate(); err != nil {
		return bad("%v", err)
	}
	return p, nil
}

func (p SIOPacket) validate() error {
	first := firstJSONByte(p.Data)
	switch p.Type {
	case SIOConnect:
		if p.Data != nil && first != '{' {
			return errors.New("CONNECT payload must be an object")
		}
	case SIODisconnect:
		if p.Data != nil {
			return errors.New("DISCONNECT has no payload")
		}
	case SIOConnectError:
		if first != '{' && first != '"' {
			return errors.New("CONNECT_ERROR payload must be an object or a string")
		}
	case SIOEvent, SIOBinaryEvent:
		var head []byte
		n := 0
		if first == '[' {
			eachArrayElem(p.Data, func(elem []byte) {
				if n == 0 {
					head = elem
				}
				n++
			})
		}
		if n == 0 {
			return errors.New("EVENT payload must be a non-empty array")
		}
		if name, bad := jsonStringText(head); !bad {
			for _, r := range sioReservedEvents {
				if string(name) == r {
					return fmt.Errorf("event name %q is reserved", name)
				}
			}
		} else if c := firstJSONByte(head); c != '-' && (c < '0' || c > '9') {
			return errors.New("event name must be a string or a number")
		}
	case SIOAck, SIOBinaryAck:
		if first != '[' {
			return errors.New("ACK payload must be an array")
		}
	}
	return nil
}

func firstJSONByte(b []byte) byte {
	for _, c := range b {
		switch c {
		case ' ', '\t', '\r', '\n':
			continue
		}
		return c
	}
	return 0
}

// SIOEventArgs splits an EVENT payload into its name and arguments.
func SIOEventArgs(data json.RawMessage) (name string, args []json.RawMessage, err error) {
	var all []json.RawMessage
	if err := json.Unmarshal(data, &all); err != nil || len(all) == 0 {
		return "", nil, fmt.Errorf("%w: event payload %.80q", ErrSIOPacket, data)
	}
	if err := json.Unmarshal(all[0], &name); err != nil {
		return "", nil, fmt.Errorf("%w: event name %.40q", ErrSIOPacket, all[0])
	}
	return name, all[1:], nil
}

// AppendSIOArray appends a JSON array of the given raw values, optionally
// prefixed by a string (an event name).
func AppendSIOArray(dst []byte, name string, args ...json.RawMessage) []byte {
	dst = append(dst, '[')
	if name != "" {
		dst = appendJSONString(dst, name)
	}
	for i, a := range args {
		if i > 0 || name != "" {
			dst = append(dst, ',')
		}
		dst = append(dst, a...)
	}
	return append(dst, ']')
}
