package cli

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"
)

// sseTicker is an SSE server pushbench did not write: every 20 ms it sends
// event(i) for i = 1, 2, ... (at most 10,000, so the loop ends by itself),
// with an X-Ticker header. It stops with the test.
func sseTicker(t *testing.T, event func(i int) string) *httptest.Server {
	t.Helper()
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		w.Header().Set("X-Ticker", "1")
		for i := 1; i <= 10000; i++ {
			if _, err := fmt.Fprint(w, event(i)); err != nil {
				return
			}
			w.(http.Flusher).Flush()
			select {
			case <-r.Context().Done():
				return
			case <-time.After(20 * time.Millisecond):
			}
		}
	}))
	t.Cleanup(ts.Close)
	return ts
}
