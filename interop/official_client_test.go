package interop

import (
	"encoding/json"
	"slices"
	"testing"

	"github.com/pushbench/pushbench/servers"
	"github.com/pushbench/pushbench/servers/servertest"
)

// TestOfficialClientAgainstReferenceServer runs socket.io-client 4.8 against
// pushbench's server over each transport setup: connect, echo acks (JSON and
// binary), a broadcast, namespace auth accepted and refused, disconnect.
func TestOfficialClientAgainstReferenceServer(t *testing.T) {
	for _, transports := range []string{"polling", "websocket", "polling,websocket"} {
		t.Run(transports, func(t *testing.T) {
			_, base := servertest.Start(t, servers.Config{})
			var report struct {
				Steps            []string `json:"steps"`
				Transport        string   `json:"transport"`
				DisconnectReason string   `json:"disconnectReason"`
			}
			line := runNodeClient(t, base, transports)
			if err := json.Unmarshal([]byte(line), &report); err != nil {
				t.Fatalf("report %q: %v", line, err)
			}
			want := []string{"connect", "echo", "binary-echo", "broadcast", "namespace", "refused", "disconnect"}
			wantTransport := transports
			if transports == "polling,websocket" {
				want = slices.Insert(want, 1, "upgrade")
				wantTransport = "websocket"
			}
			if !slices.Equal(report.Steps, want) || report.Transport != wantTransport || report.DisconnectReason != "io client disconnect" {
				t.Fatalf("report %s", line)
			}
		})
	}
}

// TestClientScriptAgainstOfficialServer checks the client script itself against
// the official server, so a failure above is pushbench's, not the script's.
func TestClientScriptAgainstOfficialServer(t *testing.T) {
	base := startNodeServer(t)
	runNodeClient(t, base, "polling,websocket")
}
