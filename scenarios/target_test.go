package scenarios

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/pushbench/pushbench/clients"
)

func TestTargetDecodes(t *testing.T) {
	tests := []struct {
		name    string
		yaml    string
		want    Target
		servers int    // BuiltinServers
		json    string // the target as a result records it
	}{
		{"builtin word", "target: builtin\n", Target{Builtin: true}, 1, `{"builtin":true}`},
		{"builtin mapping", "target: {builtin: true}\n", Target{Builtin: true}, 1, `{"builtin":true}`},
		{"builtin servers", "target: {builtin: true, servers: 3}\n", Target{Builtin: true, Servers: 3}, 3, `{"builtin":true,"servers":3}`},
		{"one url", "target:\n  url: http://127.0.0.1:8081\n", Target{URL: URLList{"http://127.0.0.1:8081"}}, 0,
			`{"url":"http://127.0.0.1:8081"}`},
		{"url list", "target:\n  url: [http://127.0.0.1:8081, http://127.0.0.1:8082]\n",
			Target{URL: URLList{"http://127.0.0.1:8081", "http://127.0.0.1:8082"}}, 0,
			`{"url":["http://127.0.0.1:8081","http://127.0.0.1:8082"]}`},
		{"url block list", "target:\n  url:\n    - http://127.0.0.1:8081\n    - http://127.0.0.1:8082\n",
			Target{URL: URLList{"http://127.0.0.1:8081", "http://127.0.0.1:8082"}}, 0,
			`{"url":["http://127.0.0.1:8081","http://127.0.0.1:8082"]}`},
		{"url list of one", "target:\n  url: [http://127.0.0.1:8081]\n", Target{URL: URLList{"http://127.0.0.1:8081"}}, 0,
			`{"url":"http://127.0.0.1:8081"}`},
		{"per-transport lists and publish list",
			"target:\n  url: [http://127.0.0.1:8081, http://127.0.0.1:8082]\n  urls:\n    sse: http://127.0.0.1:8081/events\n    ws: [ws://127.0.0.1:8081/feed, ws://127.0.0.1:8082/feed]\n  publish: [http://127.0.0.1:8081/publish, http://127.0.0.1:8082/publish]\n",
			Target{URL: URLList{"http://127.0.0.1:8081", "http://127.0.0.1:8082"},
				URLs:    map[string]URLList{"sse": {"http://127.0.0.1:8081/events"}, "ws": {"ws://127.0.0.1:8081/feed", "ws://127.0.0.1:8082/feed"}},
				Publish: URLList{"http://127.0.0.1:8081/publish", "http://127.0.0.1:8082/publish"}}, 0,
			`{"url":["http://127.0.0.1:8081","http://127.0.0.1:8082"],"urls":{"sse":"http://127.0.0.1:8081/events","ws":["ws://127.0.0.1:8081/feed","ws://127.0.0.1:8082/feed"]},"publish":["http://127.0.0.1:8081/publish","http://127.0.0.1:8082/publish"]}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sc, err := Parse("s.yaml", []byte("name: x\ntransports: [sse, ws]\n"+tt.yaml))
			if err != nil {
				t.Fatal(err)
			}
			got := sc.Target
			if got.Builtin != tt.want.Builtin || got.Servers != tt.want.Servers || !slices.Equal(got.URL, tt.want.URL) ||
				!slices.Equal(got.Publish, tt.want.Publish) || len(got.URLs) != len(tt.want.URLs) {
				t.Fatalf("target %+v, want %+v", got, tt.want)
			}
			for k, v := range tt.want.URLs {
				if !slices.Equal(got.URLs[k], v) {
					t.Errorf("urls.%s %q, want %q", k, got.URLs[k], v)
				}
			}
			if n := got.BuiltinServers(); n != tt.servers {
				t.Errorf("BuiltinServers %d, want %d", n, tt.servers)
			}
			b, err := json.Marshal(got)
			if err != nil || string(b) != tt.json {
				t.Fatalf("JSON %s (%v), want %s", b, err, tt.json)
			}
			var back Target
			if err := json.Unmarshal(b, &back); err != nil || !slices.Equal(back.URL, got.URL) || !slices.Equal(back.Publish, got.Publish) {
				t.Fatalf("JSON read back as %+v (%v)", back, err)
			}
		})
	}
}

func TestTargetErrorsNameLineAndKey(t *testing.T) {
	tests := []struct {
		name, src, want string
	}{
		{"bad entry of a url list", "name: x\ntarget: {url: [\"http://127.0.0.1:1\", \"localhost:2\"]}\n",
			`bad.yaml:2:38: target.url[1]: url "localhost:2": want http://host:port`},
		{"bad entry of a block list", "name: x\ntarget:\n  url:\n    - http://127.0.0.1:1\n    - ftp://127.0.0.1:2\n",
			`bad.yaml:5:7: target.url[1]: url "ftp://127.0.0.1:2": want http://host:port`},
		{"one url listed twice", "name: x\ntarget:\n  url:\n    - http://127.0.0.1:1\n    - http://127.0.0.1:1\n",
			`bad.yaml:5:7: target.url[1]: url "http://127.0.0.1:1" is listed twice (entries 0 and 1)`},
		{"empty url list", "name: x\ntarget:\n  url: []\n", `bad.yaml:3:8: target.url: empty list: want a URL or a list of URLs`},
		{"mapping in a url list", "name: x\ntarget:\n  url: [{host: a}]\n", `bad.yaml:3:9: target.url[0]: want a URL, got Mapping`},
		{"unquoted url in a flow mapping", "name: x\ntarget: {url: [http://127.0.0.1:1]}\n", `bad.yaml:2:`},
		{"mapping as url", "name: x\ntarget:\n  url: {host: a}\n", `bad.yaml:3:8: target.url: want a URL or a list of URLs, got Mapping`},
		{"bad entry of a per-transport list", "name: x\ntransports: [ws]\ntarget:\n  url: http://127.0.0.1:1\n  urls:\n    ws: [ws://127.0.0.1:1/ws, http://127.0.0.1:2/ws]\n",
			`bad.yaml:6:31: target.urls.ws[1]: ws URL "http://127.0.0.1:2/ws": want ws:// or wss://host:port/path`},
		{"bad publish entry", "name: x\ntarget:\n  url: [http://127.0.0.1:1, http://127.0.0.1:2]\n  publish: [ws://127.0.0.1:1/publish, tcp://127.0.0.1:2]\n",
			`bad.yaml:4:39: target.publish[1]: publish URL "tcp://127.0.0.1:2": want ws://, wss://, http:// or https://host:port/path`},
		{"servers without builtin", "name: x\ntarget:\n  url: http://127.0.0.1:1\n  servers: 2\n",
			`bad.yaml:4:12: target.servers: servers starts that many reference servers, with builtin only`},
		{"negative servers", "name: x\ntarget: {builtin: true, servers: -1}\n", `bad.yaml:2:34: target.servers: servers -1: want 1 to 64`},
		{"too many servers", "name: x\ntarget: {builtin: true, servers: 65}\n", `bad.yaml:2:34: target.servers: servers 65: want 1 to 64`},
		{"servers not a number", "name: x\ntarget: {builtin: true, servers: many}\n", `bad.yaml:2:34:`},
		{"builtin and url", "name: x\ntarget: {builtin: true, url: \"http://127.0.0.1:1\"}\n", `bad.yaml:2:30: target.url: url and builtin: true: give one`},
		{"unknown key", "name: x\ntarget: {builtin: true, server: 2}\n", `bad.yaml:2:25: unknown field "server"`},
		{"faults on several builtin servers", "name: x\ntarget: {builtin: true, servers: 2}\nfaults:\n  - {at: 1s, kill: true}\n",
			`bad.yaml:4:20: faults[0].kill: kill acts on one server; this target is several (servers: 2)`},
		{"faults on several urls", "name: x\ntarget: {url: [\"http://127.0.0.1:1\", \"http://127.0.0.1:2\"]}\nfaults:\n  - {at: 1s, delay: 5ms, for: 1s}\n",
			`bad.yaml:4:21: faults[0].delay: delay 5ms for 1s acts on one server; this target is several (2 base URLs in url)`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse("bad.yaml", []byte(tt.src))
			if err == nil || !strings.HasPrefix(err.Error(), tt.want) {
				t.Fatalf("error:\n  %v\nwant prefix:\n  %s", err, tt.want)
			}
		})
	}
}

func TestTargetEndpoints(t *testing.T) {
	two := URLList{"http://127.0.0.1:8081", "http://127.0.0.1:8082"}
	tests := []struct {
		name        string
		target      Target
		bases       []string // builtin servers started
		transport   clients.Name
		wantURLs    []string
		wantPublish []string
	}{
		{"builtin servers", Target{Builtin: true, Servers: 2}, []string{"http://127.0.0.1:1", "http://127.0.0.1:2"}, clients.WS,
			[]string{"ws://127.0.0.1:1/ws", "ws://127.0.0.1:2/ws"}, []string{"ws://127.0.0.1:1/publish", "ws://127.0.0.1:2/publish"}},
		{"user's servers", Target{URL: two}, nil, clients.SSE,
			[]string{"http://127.0.0.1:8081/sse", "http://127.0.0.1:8082/sse"}, []string{"ws://127.0.0.1:8081/publish", "ws://127.0.0.1:8082/publish"}},
		{"per-transport list replaces the derived one", Target{URL: two, URLs: map[string]URLList{"sse": {"http://127.0.0.1:9/e"}}}, nil, clients.SSE,
			[]string{"http://127.0.0.1:9/e"}, []string{"ws://127.0.0.1:8081/publish", "ws://127.0.0.1:8082/publish"}},
		{"one publish endpoint for several servers (a shared broker)", Target{URL: two, Publish: URLList{"http://127.0.0.1:9/p"}}, nil, clients.Chunked,
			[]string{"http://127.0.0.1:8081/chunked", "http://127.0.0.1:8082/chunked"}, []string{"http://127.0.0.1:9/p"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sc := Scenario{Name: "x", Target: tt.target}
			urls, publish := sc.TargetEndpoints(tt.transport, tt.bases)
			if !slices.Equal(urls, tt.wantURLs) || !slices.Equal(publish, tt.wantPublish) {
				t.Fatalf("urls %q publish %q, want %q and %q", urls, publish, tt.wantURLs, tt.wantPublish)
			}
			base := ""
			if len(tt.bases) > 0 {
				base = tt.bases[0]
			}
			if u, p := sc.Endpoints(tt.transport, base); u != urls[0] || p != publish[0] {
				t.Fatalf("Endpoints %q %q, want the first of %q %q", u, p, urls, publish)
			}
		})
	}
}
