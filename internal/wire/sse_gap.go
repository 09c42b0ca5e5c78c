package wire

import (
	"encoding/json"
	"fmt"
	"strconv"
)

// SSEGapEvent is the event type a pushbench server sends to an SSE client
// that resumes with a Last-Event-ID it can no longer honour: the id is older
// than the server's replay buffer, or not one of its ids at all (a previous
// server process that kept no replay file). The events between the two ids
// are lost; a client counts the gap instead of silently skipping it. The
// replay of what the buffer still has follows.
const SSEGapEvent = "pushbench-gap"

// SSEGap is the data of an SSEGapEvent, as JSON:
// {"last_event_id":"...","oldest_id":"..."}.
type SSEGap struct {
	// LastEventID is the id the client resumed from, as it sent it.
	LastEventID string `json:"last_event_id"`
	// OldestID is the decimal id of the first event the client receives
	// next (the oldest the server still has, or the next it will send).
	OldestID string `json:"oldest_id"`
}

// AppendSSEGap appends the gap event. Its id is the one just before OldestID,
// so a client that reconnects again before the next event arrives does not
// report the same gap twice.
func AppendSSEGap(dst []byte, g SSEGap) ([]byte, error) {
	oldest, err := strconv.ParseUint(g.OldestID, 10, 64)
	if err != nil || oldest == 0 {
		return dst, fmt.Errorf("sse gap: oldest id %q is not a positive decimal", g.OldestID)
	}
	data, err := json.Marshal(g)
	if err != nil {
		return dst, fmt.Errorf("sse gap: %w", err)
	}
	return AppendSSE(dst, SSEEvent{ID: strconv.FormatUint(oldest-1, 10), Type: SSEGapEvent, Data: string(data)})
}

// ParseSSEGap decodes the data of an SSEGapEvent.
func ParseSSEGap(data string) (SSEGap, error) {
	var g SSEGap
	if err := json.Unmarshal([]byte(data), &g); err != nil {
		return SSEGap{}, fmt.Errorf("%s event: %w", SSEGapEvent, err)
	}
	return g, nil
}
