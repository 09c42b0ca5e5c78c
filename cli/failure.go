package cli

import (
	"fmt"

	"github.com/pushbench/pushbench/results"
	"github.com/pushbench/pushbench/workload"
)

// failureReason says in one line why a transport's run failed even though no
// threshold was set, and what to try: no connection became ready, or a
// pattern that expects messages received none. A run like that would
// otherwise exit 0 with a table of dashes. It is "" for a run that did what
// its pattern asks.
func failureReason(p workload.Pattern, tr *results.TransportResult) string {
	info, _ := p.Info()
	c := tr.Counters
	switch {
	case c.ConnAttempted > 0 && c.ConnReady == 0:
		return fmt.Sprintf("%s: 0 of %d connections became ready; see the errors above, or check --target and --url",
			tr.Transport, c.ConnAttempted)
	case info.Delivers && c.ConnReady > 0 && c.Received == 0:
		got := "no messages received"
		if c.Expected > 0 {
			got = fmt.Sprintf("0 of %d expected messages received", c.Expected)
		}
		return fmt.Sprintf("%s: %s; %s", tr.Transport, got, deliveryHint(info))
	}
	return ""
}

// deliveryHint suggests what to check when a pattern received nothing.
func deliveryHint(info workload.PatternInfo) string {
	// listen, which only watches what the server sends by itself, is the
	// other way to measure a server pushbench did not write.
	switch {
	case info.Publishes:
		return "is the publish endpoint right? see --publish (and --publish-body for the server's own format) or --pattern " + string(workload.Listen)
	case info.Bidirectional:
		return "does the server echo each message back on the same connection? see --echo-body for its format, or --pattern " + string(workload.Listen)
	}
	return "does the server send anything at this URL? check --url and the event filters (--sse-event, --sio-event, --sio-namespace skip other events), and `pushbench probe URL` to see what it says"
}
