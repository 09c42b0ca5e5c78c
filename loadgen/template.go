package loadgen

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/pushbench/pushbench/internal/wire"
)

// template is a message body in the target's own format with placeholders
// filled per message: {{marker}} (the token receivers find wherever a relay
// puts it), {{seq}}, {{ts}} (scheduled send time, Unix ns) and {{payload}}
// (the workload's payload bytes).
type template struct {
	parts []templatePart
}

type templatePart struct {
	text string // literal text, when kind is ""
	kind string // marker, seq, ts or payload
}

// parseTemplate reads a body template. One without {{marker}} is refused:
// receivers could not tell this run's messages from any other.
func parseTemplate(s string) (*template, error) {
	t := &template{}
	hasMarker := false
	rest := s
	for {
		i := strings.Index(rest, "{{")
		if i < 0 {
			t.parts = append(t.parts, templatePart{text: rest})
			break
		}
		j := strings.Index(rest[i:], "}}")
		if j < 0 {
			return nil, fmt.Errorf("template %q: %q is not closed with }}", s, rest[i:])
		}
		name := strings.TrimSpace(rest[i+2 : i+j])
		switch name {
		case "marker", "seq", "ts", "payload":
		default:
			return nil, fmt.Errorf("template %q: unknown placeholder {{%s}} (want {{marker}}, {{seq}}, {{ts}} or {{payload}})", s, name)
		}
		hasMarker = hasMarker || name == "marker"
		t.parts = append(t.parts, templatePart{text: rest[:i]}, templatePart{kind: name})
		rest = rest[i+j+2:]
	}
	if !hasMarker {
		return nil, fmt.Errorf("template %q has no {{marker}}: receivers find this run's messages by it (e.g. '{\"text\":\"{{marker}}\"}')", s)
	}
	return t, nil
}

// render appends the body of one message to dst.
func (t *template) render(dst []byte, m wire.Marker, payload string) []byte {
	for _, p := range t.parts {
		switch p.kind {
		case "":
			dst = append(dst, p.text...)
		case "marker":
			dst = wire.AppendMarker(dst, m)
		case "seq":
			dst = strconv.AppendUint(dst, m.Seq, 10)
		case "ts":
			dst = strconv.AppendInt(dst, m.TS, 10)
		case "payload":
			dst = append(dst, payload...)
		}
	}
	return dst
}

// CheckBody reports what is wrong with a body template, for scenario and flag
// checks before a run.
func CheckBody(s string) error {
	_, err := parseTemplate(s)
	return err
}
