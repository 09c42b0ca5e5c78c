package cli

import (
	"slices"
	"strconv"
	"testing"

	"github.com/pushbench/pushbench/clients"
	"github.com/pushbench/pushbench/loadgen"
	"github.com/pushbench/pushbench/scenarios"
	"github.com/pushbench/pushbench/target"
)

// announced is a group of servers that announced base URLs and tcp
// listeners, as builtin servers do (Remote stands in: only URLs matter).
func announced(n int) *target.Group {
	members := make([]target.Target, n)
	for i := range members {
		members[i] = target.NewRemote(target.URLs{
			Base:       "http://127.0.0.1:" + strconv.Itoa(i+1),
			Transports: map[string]string{"tcp": "tcp://127.0.0.1:9" + strconv.Itoa(i+1)},
		})
	}
	return target.NewGroup(members...)
}

func TestTargetEndpointsFollowEachServer(t *testing.T) {
	tests := []struct {
		name        string
		target      scenarios.Target
		transport   clients.Name
		wantURLs    []string
		wantPublish []string
	}{
		{"builtin ws", scenarios.Target{Builtin: true, Servers: 2}, clients.WS,
			[]string{"ws://127.0.0.1:1/ws", "ws://127.0.0.1:2/ws"}, []string{"ws://127.0.0.1:1/publish", "ws://127.0.0.1:2/publish"}},
		{"builtin tcp where each server announced it", scenarios.Target{Builtin: true, Servers: 2}, clients.TCP,
			[]string{"tcp://127.0.0.1:91", "tcp://127.0.0.1:92"}, []string{"ws://127.0.0.1:1/publish", "ws://127.0.0.1:2/publish"}},
		{"tcp named by the user wins", scenarios.Target{Builtin: true, Servers: 2, URLs: map[string]scenarios.URLList{"tcp": {"tcp://127.0.0.1:7"}}}, clients.TCP,
			[]string{"tcp://127.0.0.1:7"}, []string{"ws://127.0.0.1:1/publish", "ws://127.0.0.1:2/publish"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sc := scenarios.Scenario{Name: "x", Target: tt.target}
			urls, publish := targetEndpoints(sc, tt.transport, announced(2))
			if !slices.Equal(urls, tt.wantURLs) || !slices.Equal(publish, tt.wantPublish) {
				t.Fatalf("urls %q publish %q, want %q and %q", urls, publish, tt.wantURLs, tt.wantPublish)
			}
		})
	}
}

// TestWithServersWiresTheRun: several URLs and publish endpoints go to the
// run as lists; one builtin server keeps its pid, restarts and /stats;
// several give their pids; a user's servers none.
func TestWithServersWiresTheRun(t *testing.T) {
	one, two := []string{"ws://a/ws"}, []string{"ws://a/ws", "ws://b/ws"}
	pubOne, pubTwo := []string{"ws://a/publish"}, []string{"ws://a/publish", "ws://b/publish"}
	tests := []struct {
		name          string
		target        scenarios.Target
		servers       int
		urls, publish []string
		wantLists     bool
		wantOnePID    bool // ServerProcess and ServerStats set
		wantPIDs      bool // ServerPIDs set
	}{
		{"one builtin server", scenarios.Target{Builtin: true}, 1, one, pubOne, false, true, false},
		{"two builtin servers", scenarios.Target{Builtin: true, Servers: 2}, 2, two, pubTwo, true, false, true},
		{"one user's server", scenarios.Target{URL: scenarios.URLList{"http://a"}}, 1, one, pubOne, false, false, false},
		{"two user's servers", scenarios.Target{URL: scenarios.URLList{"http://a", "http://b"}}, 2, two, pubTwo, true, false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := withServers(loadgen.Config{URL: tt.urls[0], PublishURL: tt.publish[0]}, tt.target, announced(tt.servers), tt.urls, tt.publish)
			if got := cfg.URLs != nil && cfg.PublishURLs != nil; got != tt.wantLists {
				t.Errorf("URLs %q PublishURLs %q: lists set %v, want %v", cfg.URLs, cfg.PublishURLs, got, tt.wantLists)
			}
			if tt.wantLists && (!slices.Equal(cfg.URLs, tt.urls) || !slices.Equal(cfg.PublishURLs, tt.publish)) {
				t.Errorf("URLs %q PublishURLs %q, want %q and %q", cfg.URLs, cfg.PublishURLs, tt.urls, tt.publish)
			}
			if got := cfg.ServerProcess != nil && cfg.ServerStats == "http://127.0.0.1:1/stats"; got != tt.wantOnePID {
				t.Errorf("ServerProcess set %v, ServerStats %q: want one server's %v", cfg.ServerProcess != nil, cfg.ServerStats, tt.wantOnePID)
			}
			if got := cfg.ServerPIDs != nil; got != tt.wantPIDs {
				t.Errorf("ServerPIDs set %v, want %v", got, tt.wantPIDs)
			}
			if tt.wantPIDs && len(cfg.ServerPIDs()) != tt.servers {
				t.Errorf("ServerPIDs %v, want %d", cfg.ServerPIDs(), tt.servers)
			}
		})
	}
}
