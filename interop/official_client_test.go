package interop

import (
	"encoding/json"
	"slices"
	"testing"

	"github.com/pushbench/pushbench/servers"
	"github.com/pushbench/pushbench/servers/servertest"
)

// clientTransportSetups are the transport lists client.mjs is run with.
var clientTransportSetups = []string{"polling", "websocket", "polling,websocket"}

// TestOfficialClientAgainstReferenceServer runs socket.io-client 4.8 against
// pushbench's server over each transport setup: connect, echo acks (JSON and
// binary), a broadcast, namespace auth accepted and refused, disconnect.
func TestOfficialClientAgainstReferenceServer(t *testing.T) {
	for _, transports := range clientTransportSetups {
		t.Run(transports, func(t *testing.T) {
			_, base := servertest.Start(t, servers.Config{})
			checkClientReport(t, runNodeClient(t, base, transports), transports)
		})
	}
}

// TestClientScriptAgainstOfficialServer checks the client script itself against
// the official server, so a failure above is pushbench's, not the script's: the
// script must pass every step there, on the transport each setup ends on.
func TestClientScriptAgainstOfficialServer(t *testing.T) {
	base := startNodeServer(t)
	for _, transports := range clientTransportSetups {
		t.Run(transports, func(t *testing.T) {
			checkClientReport(t, runNodeClient(t, base, transports), transports)
		})
	}
}

// checkClientReport checks the JSON line client.mjs printed after a run with
// transports: every step passed in order (the upgrade too when both
// transports were offered), it ended on the expected transport with a session
// id, and it was the client that disconnected.
func checkClientReport(t *testing.T, line, transports string) {
	t.Helper()
	var report struct {
		Steps            []string `json:"steps"`
		Sid              string   `json:"sid"`
		Transport        string   `json:"transport"`
		DisconnectReason string   `json:"disconnectReason"`
	}
	if err := json.Unmarshal([]byte(line), &report); err != nil {
		t.Fatalf("report %q: %v", line, err)
	}
	want := []string{"connect", "echo", "binary-echo", "broadcast", "namespace", "refused", "disconnect"}
	wantTransport := transports
	if transports == "polling,websocket" {
		want = slices.Insert(want, 1, "upgrade")
		wantTransport = "websocket"
	}
	if !slices.Equal(report.Steps, want) {
		t.Errorf("steps %q, want %q", report.Steps, want)
	}
	if report.Transport != wantTransport {
		t.Errorf("ended on transport %q, want %q", report.Transport, wantTransport)
	}
	if report.Sid == "" {
		t.Error("no session id reported")
	}
	if report.DisconnectReason != "io client disconnect" {
		t.Errorf("disconnect reason %q, want %q", report.DisconnectReason, "io client disconnect")
	}
}
