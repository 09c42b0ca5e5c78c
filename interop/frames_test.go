package interop

import (
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"github.com/pushbench/pushbench/servers"
	"github.com/pushbench/pushbench/servers/servertest"
)

var sidRE = regexp.MustCompile(`"sid":"[A-Za-z0-9_-]{20}"`)

// pollingTranscript drives the Engine.IO polling transport by hand through a
// fixed script and returns every answer (status, content type, body), session
// ids normalized.
func pollingTranscript(t *testing.T, base string) []string {
	t.Helper()
	do := func(method, url, body string) (answer, raw string) {
		req, _ := http.NewRequest(method, url, strings.NewReader(body))
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.Status + " " + resp.Header.Get("Content-Type") + " " + sidRE.ReplaceAllString(string(b), `"sid":"SID"`), string(b)
	}
	url := base + "/socket.io/?EIO=4&transport=polling"
	hs, raw := do("GET", url, "")
	out := []string{hs}
	sid := regexp.MustCompile(`"sid":"([^"]+)"`).FindStringSubmatch(raw)
	if sid == nil {
		t.Fatalf("no sid in handshake %q", raw)
	}
	surl := url + "&sid=" + sid[1]
	for _, post := range []string{
		"40",
		`4212["echo","x"]`,
		`42["echo",1,{"a":[true,null]}]`,
		"451-[\"echo\",{\"_placeholder\":true,\"num\":0}]\x1ebAQID",
		"451-5[\"echo\",{\"_placeholder\":true,\"num\":0}]\x1ebAQID",
		`40/admin,{"token":"no"}`,
		`40/nope,`,
		`40/admin,{"token":"ok"}`,
		`42/admin,13["echo","bar"]`,
	} {
		posted, _ := do("POST", surl, post)
		polled, _ := do("GET", surl, "")
		out = append(out, "POST "+posted, "GET "+polled)
	}
	for _, bad := range []string{"EIO=3&transport=polling", "EIO=4&transport=flash", "EIO=4&transport=polling&sid=nope"} {
		answer, _ := do("GET", base+"/socket.io/?"+bad, "")
		out = append(out, answer)
	}
	return out
}

// wsTranscript does the same over a direct WebSocket.
func wsTranscript(t *testing.T, base string) []string {
	t.Helper()
	ws, _, err := websocket.DefaultDialer.Dial("ws"+strings.TrimPrefix(base, "http")+"/socket.io/?EIO=4&transport=websocket", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer ws.Close()
	read := func() string {
		ws.SetReadDeadline(time.Now().Add(5 * time.Second))
		kind, b, err := ws.ReadMessage()
		if err != nil {
			t.Fatal(err)
		}
		return map[int]string{websocket.TextMessage: "text ", websocket.BinaryMessage: "binary "}[kind] + sidRE.ReplaceAllString(string(b), `"sid":"SID"`)
	}
	out := []string{read()}
	send := func(kind int, s string) { ws.WriteMessage(kind, []byte(s)) }
	send(websocket.TextMessage, "40")
	out = append(out, read())
	send(websocket.TextMessage, `4212["echo","x"]`)
	out = append(out, read())
	send(websocket.TextMessage, `451-3["echo",{"_placeholder":true,"num":0}]`)
	send(websocket.BinaryMessage, "\x01\x02")
	out = append(out, read(), read())
	return out
}

// TestFramesMatchOfficialServer runs the same byte-level scripts against the
// official Node server and pushbench's, and requires identical answers.
func TestFramesMatchOfficialServer(t *testing.T) {
	node := startNodeServer(t) // default heartbeat: 25000/20000, as ours
	_, ours := servertest.Start(t, servers.Config{})
	for name, script := range map[string]func(*testing.T, string) []string{"polling": pollingTranscript, "websocket": wsTranscript} {
		t.Run(name, func(t *testing.T) {
			want := script(t, node)
			got := script(t, ours)
			if len(got) != len(want) {
				t.Fatalf("%d answers, official server gave %d", len(got), len(want))
			}
			for i := range want {
				// Node answers errors with chunked JSON and Go with a trailing
				// newline; the JSON must be the same.
				g, w := strings.TrimSpace(got[i]), strings.TrimSpace(want[i])
				if g != w {
					t.Errorf("answer %d:\n ours     %q\n official %q", i, g, w)
				}
			}
		})
	}
}
