package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"time"

	"github.com/pushbench/pushbench/scenarios"
)

// allowRemoteHint is what a refused remote target is told to do.
const allowRemoteHint = "add --allow-remote (target.allow_remote: true in a scenario) if this server is yours to load"

// isLoopbackHost reports whether host (a name or an IP, without port or
// brackets) is this machine by definition: localhost, 127.0.0.0/8 or ::1.
// Any other name may resolve anywhere, so it counts as remote.
func isLoopbackHost(host string) bool {
	// Exactly "localhost": Go's resolver answers it from /etc/hosts, while
	// "localhost." (fully qualified) may be asked of a DNS server.
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// checkLoopbackURL refuses rawURL when its host is not loopback, naming the
// host, the URL and the flag that allows it; what is the URL ("--target",
// "--url sse", ...).
func checkLoopbackURL(what, rawURL string) error {
	u, err := url.Parse(rawURL)
	if err != nil || u.Host == "" {
		return nil // the scenario check names a malformed URL
	}
	if host := u.Hostname(); !isLoopbackHost(host) {
		return fmt.Errorf("%s %s: host %q is not loopback (127.0.0.0/8, ::1, localhost): pushbench loads only this machine unless told to; %s",
			what, rawURL, host, allowRemoteHint)
	}
	return nil
}

// checkTargetLoopback refuses a scenario any of whose target URLs,
// per-transport URLs or publish endpoints leaves this machine, naming that
// one, unless allowed by the flag or the scenario's target.allow_remote.
func checkTargetLoopback(t scenarios.Target, allowFlag bool) error {
	// A builtin target is on loopback, but --url and --publish may still
	// point elsewhere.
	if allowFlag || t.AllowRemote {
		return nil
	}
	for _, u := range t.URL {
		if err := checkLoopbackURL("--target", u); err != nil {
			return err
		}
	}
	names := make([]string, 0, len(t.URLs))
	for name := range t.URLs {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		for _, u := range t.URLs[name] {
			if err := checkLoopbackURL("--url "+name, u); err != nil {
				return err
			}
		}
	}
	for _, u := range t.Publish {
		if err := checkLoopbackURL("--publish", u); err != nil {
			return err
		}
	}
	return nil
}

// statsShape is what pushbench's reference server answers at GET /stats;
// both fields must be present for a server to count as one.
type statsShape struct {
	Subscribers *int64 `json:"subscribers"`
	Published   *int64 `json:"published"`
}

// checkPushbenchServer makes sure a user's server whose publish endpoint
// pushbench would guess (TARGET/publish) is a pushbench server, by its GET
// /stats answer: pushbench never posts test messages to a foreign server it
// was not told to post to. A server that cannot be reached passes: nothing
// can be published there, and the run reports the failed connects.
func checkPushbenchServer(ctx context.Context, base string, timeout time.Duration) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	statsURL := strings.TrimSuffix(base, "/") + "/stats"
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, statsURL, nil)
	if err != nil {
		return nil // the scenario check names a malformed URL
	}
	req.Header.Set("Accept", "application/json")
	resp, err := (&http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}).Do(req)
	if err != nil {
		var op *net.OpError
		if errors.As(err, &op) && op.Op == "dial" {
			return nil
		}
		return foreignServerError(base, fmt.Sprintf("GET /stats: %v", err))
	}
	defer resp.Body.Close()
	mt, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Type"))
	if resp.StatusCode != http.StatusOK || mt != "application/json" {
		return foreignServerError(base, fmt.Sprintf("GET /stats answered %s, %s", resp.Status, orNone(resp.Header.Get("Content-Type"))))
	}
	var s statsShape
	if err := json.NewDecoder(io.LimitReader(resp.Body, 64<<10)).Decode(&s); err != nil || s.Subscribers == nil || s.Published == nil {
		return foreignServerError(base, "GET /stats is not pushbench's (no subscribers and published counts)")
	}
	return nil
}

func orNone(contentType string) string {
	if contentType == "" {
		return "no Content-Type"
	}
	return contentType
}

// foreignServerError refuses to guess the publish endpoint of a server that
// is not pushbench's.
func foreignServerError(base, why string) error {
	return fmt.Errorf("target %s does not look like a pushbench server (%s): pushbench will not post test messages to "+
		"%s/publish on a server it does not know; name the publish endpoint with --publish (target.publish in a scenario), "+
		"or use --pattern listen for a server that pushes on its own", base, why, strings.TrimSuffix(base, "/"))
}
