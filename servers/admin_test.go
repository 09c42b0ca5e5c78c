package servers_test

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"github.com/pushbench/pushbench/servers"
)

func adminDrop(t *testing.T, base, query, auth string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest("POST", base+"/admin/drop"+query, nil)
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body)
}

func TestAdminDropRequiresItsToken(t *testing.T) {
	_, disabled := start(t, servers.Config{})
	_, base := start(t, servers.Config{AdminToken: "s3cret"})
	tests := []struct {
		name, base, query, auth string
		wantStatus              int
		wantBody                string
	}{
		{"disabled without a token", disabled, "?percent=10", "Bearer s3cret", 404, ""},
		{"no token", base, "?percent=10", "", 401, "missing or wrong bearer token"},
		{"wrong token", base, "?percent=10", "Bearer guess", 401, "missing or wrong bearer token"},
		{"token without Bearer", base, "?percent=10", "s3cret", 401, ""},
		{"no percent", base, "", "Bearer s3cret", 400, `percent "": want a number more than 0 and at most 100`},
		{"percent over 100", base, "?percent=150", "Bearer s3cret", 400, `percent "150"`},
		{"percent zero", base, "?percent=0", "Bearer s3cret", 400, `percent "0"`},
		{"percent not a number", base, "?percent=lots", "Bearer s3cret", 400, `percent "lots"`},
		{"ok with nobody connected", base, "?percent=25", "Bearer s3cret", 200, `{"dropped":0,"subscribers":0}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, body := adminDrop(t, tt.base, tt.query, tt.auth)
			if status != tt.wantStatus || !strings.Contains(body, tt.wantBody) {
				t.Fatalf("%d %q, want %d containing %q", status, body, tt.wantStatus, tt.wantBody)
			}
		})
	}
	// GET is not an admin action.
	resp, err := client.Get(base + "/admin/drop?percent=10")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusMethodNotAllowed {
		t.Fatalf("GET: %s", resp.Status)
	}
}

// TestAdminDropClosesThatShare: 4 WebSocket and 4 SSE subscribers; dropping
// 50% closes 4 of them, whichever transport, and the rest keep receiving.
func TestAdminDropClosesThatShare(t *testing.T) {
	srv, base := start(t, servers.Config{AdminToken: "tok"})
	var ws []*websocketConn
	for range 4 {
		ws = append(ws, &websocketConn{c: dialWS(t, wsURL(base)+"/ws", nil)})
	}
	var sse []*sseStream
	for range 4 {
		_, r := openStream(t, base+"/sse", nil)
		sse = append(sse, &sseStream{r})
	}
	waitSubscribers(t, srv, 8)

	status, body := adminDrop(t, base, "?percent=50", "Bearer tok")
	if status != 200 {
		t.Fatalf("%d %s", status, body)
	}
	var res servers.DropResult
	if err := json.Unmarshal([]byte(body), &res); err != nil || res != (servers.DropResult{Dropped: 4, Subscribers: 8}) {
		t.Fatalf("answer %s (%v), want 4 of 8 dropped", body, err)
	}
	waitSubscribers(t, srv, 4)

	publish(t, base, `{"seq":1,"data":"after"}`)
	alive, closed := 0, 0
	for _, c := range ws {
		if c.gotMessage(t) {
			alive++
		} else {
			closed++
		}
	}
	for _, s := range sse {
		if s.gotMessage(t) {
			alive++
		} else {
			closed++
		}
	}
	if alive != 4 || closed != 4 {
		t.Fatalf("%d connections still receive, %d were closed; want 4 and 4", alive, closed)
	}
	for _, c := range ws {
		if c.closeCode != 0 && c.closeCode != websocket.CloseGoingAway {
			t.Errorf("a dropped WebSocket closed with %d (%s), want 1001: a drop is not a slow client", c.closeCode, c.closeText)
		}
	}
	if st := srv.Hub().Stats(); st.AdminDropped != 4 || st.Kicked != 0 {
		t.Errorf("stats admin_dropped %d kicked %d, want 4 and 0", st.AdminDropped, st.Kicked)
	}
}

type websocketConn struct {
	c         *websocket.Conn
	closeCode int // the server's close code, once closed
	closeText string
}

// gotMessage reads the next message, reporting false when the server closed
// the connection instead.
func (w *websocketConn) gotMessage(t *testing.T) bool {
	t.Helper()
	_ = w.c.SetReadDeadline(time.Now().Add(waitLimit))
	_, b, err := w.c.ReadMessage()
	var ce *websocket.CloseError
	if errors.As(err, &ce) {
		w.closeCode, w.closeText = ce.Code, ce.Text
	}
	return err == nil && strings.Contains(string(b), "after")
}

type sseStream struct {
	r interface{ ReadString(byte) (string, error) }
}

// gotMessage reads the stream up to the next data line, reporting false when
// it ends first.
func (s *sseStream) gotMessage(t *testing.T) bool {
	t.Helper()
	for {
		line, err := s.r.ReadString('\n')
		if err != nil {
			return false
		}
		if strings.HasPrefix(line, "data:") {
			return strings.Contains(line, "after")
		}
	}
}
