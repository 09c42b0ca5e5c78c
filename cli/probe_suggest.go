package cli

import (
	"encoding/json"
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/pushbench/pushbench/clients"
	"github.com/pushbench/pushbench/internal/wire"
)

// suggestRun writes the pushbench run command that would measure the server
// from what its first messages look like: pushbench's own envelope means
// fan-out works as is; anything else is measured with listen, reading a
// timestamp and a sequence number where the messages have them.
func suggestRun(name clients.Name, u *url.URL, frames []clients.Frame) string {
	cmd := baseRun(name, u)
	if len(frames) > 0 {
		if _, err := wire.DecodeEnvelope(frames[0].Data); err == nil {
			return strings.Join(cmd, " ") + "   # pushbench's own message format: fan-out through its /publish"
		}
	}
	cmd = append(cmd, "--pattern listen")
	if ts := guessTimestamp(frames); ts != "" {
		cmd = append(cmd, "--timestamp "+ts)
	}
	if seq := guessSeq(frames); seq != "" {
		cmd = append(cmd, "--seq "+seq)
	}
	return strings.Join(cmd, " ")
}

// topFields decodes each frame as a JSON object of scalars at the top level.
func topFields(frames []clients.Frame) []map[string]any {
	var out []map[string]any
	for _, f := range frames {
		var m map[string]any
		d := json.NewDecoder(strings.NewReader(string(f.Data)))
		d.UseNumber()
		if d.Decode(&m) != nil {
			return nil
		}
		out = append(out, m)
	}
	return out
}

// guessTimestamp finds a top-level field that holds "now" in every frame: a
// number in s, ms, us or ns since 1970, or an RFC 3339 string.
func guessTimestamp(frames []clients.Frame) string {
	objs := topFields(frames)
	if len(objs) == 0 {
		return ""
	}
	now := time.Now()
	near := func(t time.Time) bool { return t.Sub(now).Abs() < 24*time.Hour }
	keys := make([]string, 0, len(objs[0]))
	for k := range objs[0] {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		unit, ok := "", true
		for _, m := range objs {
			switch v := m[k].(type) {
			case json.Number:
				f, err := v.Float64()
				if err != nil {
					ok = false
					break
				}
				u := ""
				for _, c := range []struct {
					unit string
					per  float64
				}{{"s", 1e9}, {"ms", 1e6}, {"us", 1e3}, {"ns", 1}} {
					if near(time.Unix(0, int64(f*c.per))) {
						u = c.unit
					}
				}
				if u == "" || (unit != "" && u != unit) {
					ok = false
				}
				unit = u
			case string:
				t, err := time.Parse(time.RFC3339Nano, v)
				if err != nil || !near(t) {
					ok = false
				}
			default:
				ok = false
			}
		}
		if ok {
			if unit != "" {
				return k + ":" + unit
			}
			return k
		}
	}
	return ""
}

// guessSeq finds a sequence number: SSE ids counting up, or a top-level
// integer field that counts up by one from frame to frame.
func guessSeq(frames []clients.Frame) string {
	if len(frames) < 2 {
		return ""
	}
	counts := func(vals []string) bool {
		for i := 1; i < len(vals); i++ {
			a, err1 := strconv.ParseUint(vals[i-1], 10, 64)
			b, err2 := strconv.ParseUint(vals[i], 10, 64)
			if err1 != nil || err2 != nil || b != a+1 {
				return false
			}
		}
		return true
	}
	ids := make([]string, len(frames))
	for i, f := range frames {
		ids[i] = f.ID
	}
	if counts(ids) {
		return "sse-id"
	}
	objs := topFields(frames)
	if len(objs) == 0 {
		return ""
	}
	keys := make([]string, 0, len(objs[0]))
	for k := range objs[0] {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		vals := make([]string, len(objs))
		for i, m := range objs {
			vals[i] = fmt.Sprint(m[k])
		}
		if counts(vals) {
			return k
		}
	}
	return ""
}
