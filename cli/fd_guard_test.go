package cli

import (
	"strings"
	"testing"

	"github.com/pushbench/pushbench/clients"
	"github.com/pushbench/pushbench/scenarios"
	"github.com/pushbench/pushbench/workload"
)

func TestCheckDescriptors(t *testing.T) {
	builtin := func(conns, servers int, transports ...clients.Name) *scenarios.Scenario {
		return &scenarios.Scenario{Name: "x", Transports: transports, Target: scenarios.Target{Builtin: true, Servers: servers},
			Workload: workload.Workload{Pattern: workload.Fanout, Connections: conns}}
	}
	for _, tc := range []struct {
		name       string
		sc         *scenarios.Scenario
		generators int
		want       string // "" for no error
	}{
		{"19k in one process and one server", builtin(19000, 1, clients.WS), 1, ""},
		{"30k in one generator", builtin(30000, 2, clients.WS), 1, "load-generator process(es) need about 30200"},
		{"30k over 3 generators, one server", builtin(30000, 1, clients.WS), 3, "start more servers (--servers N"},
		{"30k over 3 generators and 2 servers", builtin(30000, 2, clients.WS), 3, ""},
		{"45k over 3 and 3", builtin(45000, 3, clients.WS), 3, ""},
		{"polling holds two sockets each", builtin(10000, 1, clients.SocketIOPolling), 1, "socketio-polling: 10000 connections"},
		{"polling 9500 fits", builtin(9500, 1, clients.SocketIOPolling), 1, ""},
		{"workers elsewhere: only the server counts", builtin(30000, 2, clients.WS), 0, ""},
		{"churn holds nothing", &scenarios.Scenario{Name: "x", Transports: []clients.Name{clients.WS}, Target: scenarios.Target{Builtin: true},
			Workload: workload.Workload{Pattern: workload.Churn, Connections: 50000}}, 1, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := checkDescriptors(tc.sc, tc.generators, 20000)
			switch {
			case tc.want == "" && err != nil:
				t.Fatalf("unexpected error: %v", err)
			case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
				t.Fatalf("error %v, want one containing %q", err, tc.want)
			}
		})
	}
	if err := checkDescriptors(builtin(1e6, 1, clients.WS), 1, 0); err != nil {
		t.Fatalf("unknown limit: %v", err)
	}
}
