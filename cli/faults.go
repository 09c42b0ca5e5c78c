package cli

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/pushbench/pushbench/loadgen"
	"github.com/pushbench/pushbench/scenarios"
	"github.com/pushbench/pushbench/target"
)

// faultRig is what one transport run's faults act on: the child server
// (kill, restart, stall), its admin endpoint (drop) and the loopback proxy in
// front of it (delay). Only what the scenario's faults need is set up.
type faultRig struct {
	proc       *target.Process
	adminBase  string
	adminToken string
	proxy      *target.Proxy
	client     *http.Client
}

// builtinFaultEnv is the environment a builtin server needs for the
// scenario's faults: an admin token of this run's own when it drops
// connections (the token is then needed to call the endpoint), passed in the
// environment so it does not show in the process list.
func builtinFaultEnv(sc scenarios.Scenario) (env []string, token string, err error) {
	if !sc.HasFault(scenarios.FaultDrop) {
		return nil, "", nil
	}
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		return nil, "", fmt.Errorf("admin token: %w", err)
	}
	token = hex.EncodeToString(b)
	return []string{adminTokenEnv + "=" + token}, token, nil
}

// openFaultRig prepares the faults of sc against tg. With a delay fault it
// starts a proxy in front of the subscriber URL and returns the URL through
// it; otherwise the URL is returned unchanged. Close the rig after the run.
func openFaultRig(ctx context.Context, sc scenarios.Scenario, tg target.Target, token, subscriberURL string) (*faultRig, string, error) {
	rig := &faultRig{adminBase: tg.URLs().Base, adminToken: token,
		// No keep-alive: admin calls are rare, and an idle connection held
		// to the server between them would show as a leaked descriptor in
		// a baseline check.
		client: &http.Client{Timeout: time.Duration(sc.ConnectTimeout), Transport: &http.Transport{DisableKeepAlives: true}}}
	if len(sc.Faults) == 0 {
		return rig, subscriberURL, nil
	}
	for _, f := range sc.Faults {
		if !f.NeedsChild() {
			continue
		}
		p, ok := tg.(*target.Process)
		if !ok { // the scenario check refuses this; say so if it ever slips
			return nil, "", fmt.Errorf("fault %s needs a server pushbench runs as a child process", f)
		}
		rig.proc = p
	}
	if !sc.HasFault(scenarios.FaultDelay) {
		return rig, subscriberURL, nil
	}
	u, err := url.Parse(subscriberURL)
	if err != nil {
		return nil, "", fmt.Errorf("delay proxy: %w", err)
	}
	upstream := u.Host
	if u.Port() == "" {
		port := "80"
		if u.Scheme == "https" || u.Scheme == "wss" {
			port = "443"
		}
		upstream = net.JoinHostPort(u.Hostname(), port)
	}
	rig.proxy, err = target.StartProxy(ctx, upstream)
	if err != nil {
		return nil, "", fmt.Errorf("delay proxy: %w", err)
	}
	u.Host = rig.proxy.Addr()
	return rig, u.String(), nil
}

// Close stops the proxy and lets idle admin connections go.
func (r *faultRig) Close() {
	if r.proxy != nil {
		_ = r.proxy.Close()
	}
	r.client.CloseIdleConnections()
}

// actions turns the faults into actions on the run's timeline; each is
// recorded in the result as an event named after the fault.
func (r *faultRig) actions(faults []scenarios.Fault) []loadgen.Action {
	acts := make([]loadgen.Action, 0, len(faults))
	for _, f := range faults {
		acts = append(acts, loadgen.Action{At: time.Duration(f.At), Name: f.String(), Do: r.do(f)})
	}
	return acts
}

// do is what the fault does when its time comes.
func (r *faultRig) do(f scenarios.Fault) func(context.Context) error {
	switch f.Kind {
	case scenarios.FaultKill:
		return r.proc.Kill
	case scenarios.FaultRestart:
		return r.proc.Restart
	case scenarios.FaultStall:
		return func(ctx context.Context) error {
			if err := r.proc.Pause(); err != nil {
				return err
			}
			hold(ctx, time.Duration(f.For))
			// Resume even when the run ended during the stall: the child
			// must be able to stop.
			return r.proc.Resume()
		}
	case scenarios.FaultDrop:
		return func(ctx context.Context) error { return r.drop(ctx, f.Percent) }
	case scenarios.FaultDelay:
		return func(ctx context.Context) error {
			remove := r.proxy.AddDelay(time.Duration(f.Delay))
			defer remove()
			hold(ctx, time.Duration(f.For))
			return nil
		}
	}
	return func(context.Context) error { return fmt.Errorf("unknown fault %q", f.Kind) }
}

// hold waits for d or until ctx ends.
func hold(ctx context.Context, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
	case <-ctx.Done():
	}
}

// drop asks the server's admin endpoint to close percent of its subscriber
// connections.
func (r *faultRig) drop(ctx context.Context, percent float64) error {
	endpoint := strings.TrimSuffix(r.adminBase, "/") + "/admin/drop?percent=" + strconv.FormatFloat(percent, 'g', -1, 64)
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, endpoint, nil)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+r.adminToken)
	resp, err := r.client.Do(req)
	if err != nil {
		return fmt.Errorf("POST %s: %w", endpoint, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 4096))
	if err != nil {
		return fmt.Errorf("POST %s: read answer: %w", endpoint, err)
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("POST %s: %s: %s", endpoint, resp.Status, strings.TrimSpace(string(body)))
	}
	return nil
}
