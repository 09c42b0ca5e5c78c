package wire

import "encoding/binary"

// WebSocket opcodes (RFC 6455 §5.2) a server frames itself.
const (
	WSText   byte = 0x1
	WSBinary byte = 0x2
	WSClose  byte = 0x8
	WSPing   byte = 0x9
	WSPong   byte = 0xA
)

// wsFin marks the final (here: only) frame of a message.
const wsFin = 0x80

// AppendServerFrameHeader appends the header of one unfragmented, unmasked
// WebSocket frame (what a server sends, RFC 6455 §5.2) with opcode and a
// payload of n bytes, so a server can frame a broadcast once and write it to
// every connection itself. No extension is assumed: RSV bits are zero.
func AppendServerFrameHeader(dst []byte, opcode byte, n int) []byte {
	dst = append(dst, wsFin|opcode&0x0f)
	switch {
	case n <= 125:
		return append(dst, byte(n))
	case n <= 0xffff:
		return binary.BigEndian.AppendUint16(append(dst, 126), uint16(n))
	}
	return binary.BigEndian.AppendUint64(append(dst, 127), uint64(n))
}

// AppendServerFrame appends a whole unmasked frame: header and payload.
func AppendServerFrame(dst []byte, opcode byte, payload []byte) []byte {
	return append(AppendServerFrameHeader(dst, opcode, len(payload)), payload...)
}

// ParseServerFrameHeader reads the header AppendServerFrameHeader writes:
// fin, opcode, payload length and header size; ok is false for a header cut
// short, a masked frame or a length the 7/16/64-bit forms do not allow.
func ParseServerFrameHeader(b []byte) (fin bool, opcode byte, n uint64, size int, ok bool) {
	if len(b) < 2 || b[1]&0x80 != 0 {
		return false, 0, 0, 0, false
	}
	fin, opcode = b[0]&wsFin != 0, b[0]&0x0f
	switch l := b[1] & 0x7f; l {
	case 126:
		if len(b) < 4 {
			return false, 0, 0, 0, false
		}
		n, size = uint64(binary.BigEndian.Uint16(b[2:])), 4
		ok = n > 125
	case 127:
		if len(b) < 10 {
			return false, 0, 0, 0, false
		}
		n, size = binary.BigEndian.Uint64(b[2:]), 10
		ok = n > 0xffff && n>>63 == 0
	default:
		n, size, ok = uint64(l), 2, true
	}
	return fin, opcode, n, size, ok
}
