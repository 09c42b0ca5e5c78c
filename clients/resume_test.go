package clients

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"
)

func TestRecoveryAuthMergesTheAuthObject(t *testing.T) {
	tests := []struct{ auth, pid, offset, want string }{
		{"", "p1", "o9", `{"offset":"o9","pid":"p1"}`},
		{"", "p1", "", `{"pid":"p1"}`},
		{`{"token":"x"}`, "p1", "o9", `{"offset":"o9","pid":"p1","token":"x"}`},
	}
	for _, tt := range tests {
		if got := string(recoveryAuth([]byte(tt.auth), tt.pid, tt.offset)); got != tt.want {
			t.Errorf("recoveryAuth(%s, %s, %s) = %s, want %s", tt.auth, tt.pid, tt.offset, got, tt.want)
		}
	}
}

// TestSSEResumeAndStop: a redial sends Last-Event-ID and starts from the
// retry it was given; the connection's state follows what the server sends;
// a 204 or a non-event-stream answer says not to reconnect, with the error's
// text and phase unchanged.
func TestSSEResumeAndStop(t *testing.T) {
	var gotID string
	mux := http.NewServeMux()
	mux.HandleFunc("/sse", func(w http.ResponseWriter, r *http.Request) {
		gotID = r.Header.Get("Last-Event-ID")
		w.Header().Set("Content-Type", "text/event-stream")
		w.Write([]byte("id: 8\ndata: a\n\nid: 9\n\n"))
	})
	mux.HandleFunc("/stop", func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusNoContent) })
	mux.HandleFunc("/html", func(w http.ResponseWriter, r *http.Request) { w.Header().Set("Content-Type", "text/html") })
	ts := httptest.NewServer(mux)
	defer ts.Close()
	opts := NewDialOptions(zeroClock{}, 2*time.Second)
	defer opts.Close()
	opts.Resume = Resume{LastEventID: "7", Retry: 300 * time.Millisecond}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	conn, _, err := sseClient{}.Dial(ctx, ts.URL+"/sse", opts)
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := conn.Read(); err != nil {
			break
		}
	}
	conn.Close()
	if gotID != "7" {
		t.Fatalf("Last-Event-ID %q, want 7", gotID)
	}
	if st := ResumeOf(conn, Resume{}); st.LastEventID != "9" || st.Retry != 300*time.Millisecond {
		t.Fatalf("resume state %+v, want id 9 (an id-only block counts) and the retry it was dialled with", st)
	}
	for _, path := range []string{"/stop", "/html"} {
		_, _, err := sseClient{}.Dial(ctx, ts.URL+path, opts)
		var de *DialError
		if !errors.Is(err, ErrNoReconnect) || !errors.As(err, &de) {
			t.Fatalf("%s: %v: want ErrNoReconnect around a DialError", path, err)
		}
	}
}

// zeroClock reads 0 always: these tests time nothing.
type zeroClock struct{}

func (zeroClock) Now() time.Duration { return 0 }
