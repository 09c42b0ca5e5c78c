package cli

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/pushbench/pushbench/scenarios"
	"github.com/pushbench/pushbench/target"
	"github.com/pushbench/pushbench/workload"
)

// TestFaultRigPutsTheProxyInFront: with a delay fault the subscriber URL
// points at the proxy, which reaches the server; without one it is unchanged.
func TestFaultRigPutsTheProxyInFront(t *testing.T) {
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, "via ", r.URL.Path) }))
	defer ts.Close()
	tg := target.NewRemote(target.URLs{Base: ts.URL})
	delay := scenarios.Fault{Kind: scenarios.FaultDelay, Delay: workload.Duration(time.Millisecond), For: workload.Duration(time.Second)}
	tests := []struct {
		name      string
		faults    []scenarios.Fault
		viaProxy  bool
		wantNames []string
	}{
		{"no faults", nil, false, nil},
		{"delay", []scenarios.Fault{delay}, true, []string{"delay 1ms for 1s"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sc := scenarios.Scenario{Name: "x", Faults: tt.faults}.WithDefaults()
			rig, url, err := openFaultRig(context.Background(), sc, tg, "", ts.URL+"/sse")
			if err != nil {
				t.Fatal(err)
			}
			defer rig.Close()
			if got := url != ts.URL+"/sse"; got != tt.viaProxy {
				t.Fatalf("url %s (server %s): through the proxy %v, want %v", url, ts.URL, got, tt.viaProxy)
			}
			c := &http.Client{Timeout: 10 * time.Second}
			resp, err := c.Get(url)
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			c.CloseIdleConnections()
			if string(body) != "via /sse" {
				t.Fatalf("body %q", body)
			}
			var names []string
			for _, a := range rig.actions(sc.Faults) {
				names = append(names, a.Name)
			}
			if strings.Join(names, ",") != strings.Join(tt.wantNames, ",") {
				t.Fatalf("actions %v, want %v", names, tt.wantNames)
			}
		})
	}
}
