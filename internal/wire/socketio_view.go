package wire

import (
	"bytes"
	"encoding/json"
	"fmt"
	"unicode/utf8"
)

// SIOEventView is an EVENT payload as a receiver reads it: its name and the
// arguments it uses, as slices of the payload, so reading a message costs
// no allocation.
type SIOEventView struct {
	// Name is the event name's text: the string's bytes when it has no
	// escapes (a slice of the payload), else its decoded copy.
	Name []byte
	// First and Last are the first and last arguments' JSON text; nil when
	// the event has none. Args counts them.
	First, Last json.RawMessage
	Args        int
}

// ViewSIOEvent reads an EVENT payload as ParseSIO returns it (valid JSON:
// a non-empty array) into its name and arguments, as SIOEventArgs does, without
// copying them.
func ViewSIOEvent(data json.RawMessage) (SIOEventView, error) {
	var v SIOEventView
	n := 0
	var nameErr bool
	ok := eachArrayElem(data, func(elem []byte) {
		switch n {
		case 0:
			v.Name, nameErr = jsonStringText(elem)
		case 1:
			v.First = elem
		}
		if n > 0 {
			v.Last = elem
		}
		n++
	})
	if !ok || n == 0 {
		return SIOEventView{}, fmt.Errorf("%w: event payload %.80q", ErrSIOPacket, data)
	}
	if nameErr {
		return SIOEventView{}, fmt.Errorf("%w: event name %.40q", ErrSIOPacket, v.Name)
	}
	v.Args = n - 1
	return v, nil
}

// jsonStringText is the text of a JSON string, without allocating when it is
// valid UTF-8 without escapes (else decoded as encoding/json does); bad
// reports a value that is not a string.
func jsonStringText(elem []byte) (text []byte, bad bool) {
	if string(elem) == "null" {
		return nil, false // as encoding/json decodes null into a string
	}
	if len(elem) < 2 || elem[0] != '"' || elem[len(elem)-1] != '"' {
		return elem, true
	}
	inner := elem[1 : len(elem)-1]
	if bytes.IndexByte(inner, '\\') < 0 && utf8.Valid(inner) {
		return inner, false
	}
	var s string
	if json.Unmarshal(elem, &s) != nil {
		return elem, true
	}
	return []byte(s), false
}

// eachArrayElem calls fn with each element of a JSON array, whitespace
// trimmed. It trusts the array to be valid JSON (ParseSIO checks that) and
// only tracks strings and nesting; it reports false when b is not an array.
func eachArrayElem(b []byte, fn func(elem []byte)) bool {
	i := skipSpace(b, 0)
	if i >= len(b) || b[i] != '[' {
		return false
	}
	i = skipSpace(b, i+1)
	if i < len(b) && b[i] == ']' {
		return true
	}
	for i < len(b) {
		start := i
		depth := 0
	elem:
		for ; i < len(b); i++ {
			switch b[i] {
			case '"':
				for i++; i < len(b) && b[i] != '"'; i++ {
					if b[i] == '\\' {
						i++
					}
				}
			case '[', '{':
				depth++
			case ']', '}':
				if depth == 0 {
					break elem
				}
				depth--
			case ',':
				if depth == 0 {
					break elem
				}
			}
		}
		end := i
		for end > start && (b[end-1] == ' ' || b[end-1] == '\t' || b[end-1] == '\n' || b[end-1] == '\r') {
			end--
		}
		fn(b[start:end])
		if i >= len(b) || b[i] == ']' {
			return i < len(b)
		}
		i = skipSpace(b, i+1)
	}
	return false
}
