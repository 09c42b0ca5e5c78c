package servers_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/pushbench/pushbench/servers"
)

// TestStatsCountResumesAndGaps: /stats carries the hub's counters flat (as
// the load generator's pushbench check reads them), the process's
// goroutines, and the replay buffer's figures: a resume from an id the server
// never assigned is counted with its gap, and what was replayed.
func TestStatsCountResumesAndGaps(t *testing.T) {
	srv, base := start(t, servers.Config{})
	for i := range 3 {
		publish(t, base, `{"data":"m`+string(rune('0'+i))+`"}`)
	}
	_, r := openStream(t, base+"/sse", http.Header{"Last-Event-ID": {"1"}})
	for got := 0; got < 4; { // the gap event and three replayed events
		line, err := r.ReadString('\n')
		if err != nil {
			t.Fatal(err)
		}
		if strings.HasPrefix(line, "data:") {
			got++
		}
	}
	deadline := time.Now().Add(5 * time.Second)
	var st servers.Stats
	for time.Now().Before(deadline) {
		resp, err := http.Get(base + "/stats")
		if err != nil {
			t.Fatal(err)
		}
		var raw map[string]any
		err = json.NewDecoder(resp.Body).Decode(&raw)
		resp.Body.Close()
		if err != nil {
			t.Fatal(err)
		}
		for _, key := range []string{"subscribers", "published", "goroutines", "eio_sessions", "replay"} {
			if _, ok := raw[key]; !ok {
				t.Fatalf("/stats has no %q: %v", key, raw)
			}
		}
		if st = srv.Stats(); st.Subscribers == 1 {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	want := servers.ReplayStats{Buffered: 3, Bytes: st.Replay.Bytes, Resumes: 1, Gaps: 1, Replayed: 3}
	if st.Replay != want || st.Replay.Bytes == 0 || st.Goroutines == 0 || st.Published != 3 {
		t.Fatalf("stats %+v, want replay %+v", st, want)
	}
}
