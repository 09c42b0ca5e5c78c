package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/gorilla/websocket"
	"github.com/pushbench/pushbench/clients"
)

// probeOptions are the flags of pushbench probe.
type probeOptions struct {
	transport string
	messages  int
	wait      time.Duration
	receive   clients.Receive

	allowRemote bool // --allow-remote: the URL may be another machine
}

// runProbe connects one client to an unknown server and shows what it says:
// the handshake, the first messages as framed with their arrival times, and
// the pushbench run flags that would measure it. What a person does first.
func runProbe(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var o probeOptions
	fs := newFlagSet("probe", "[flags] URL", stderr)
	fs.StringVar(&o.transport, "transport", "", "transport to speak: "+clients.JoinNames(",")+" (default: implied by the URL: ws:// is ws, a /socket.io/ path socketio, else sse or chunked by the answer's Content-Type)")
	fs.IntVar(&o.messages, "messages", 5, "how many messages to show")
	fs.DurationVar(&o.wait, "wait", 5*time.Second, "how long to wait for them")
	headers := headerFlag{}
	fs.Var(headers, "header", "'Name: value' sent with the requests and handshake (repeatable)")
	fs.StringVar(&o.receive.ChunkedFraming, "chunked-framing", "", "chunked: lines (default) or chunks")
	fs.StringVar(&o.receive.SSEEvent, "sse-event", "", "sse: show only events of this type")
	fs.StringVar(&o.receive.SIOEvent, "sio-event", "", "socketio: the event to show (default msg)")
	fs.StringVar(&o.receive.SIONamespace, "sio-namespace", "", "socketio: the namespace to join (default /)")
	sioAuth := fs.String("sio-auth", "", "socketio: the auth object of the CONNECT, as JSON")
	fs.BoolVar(&o.allowRemote, "allow-remote", false, "allow a URL that is not this machine (a host outside 127.0.0.0/8, ::1 and localhost)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if len(headers) > 0 {
		o.receive.Headers = http.Header{}
		for k, v := range headers {
			o.receive.Headers.Set(k, v)
		}
	}
	if *sioAuth != "" {
		o.receive.SIOAuth = json.RawMessage(*sioAuth)
	}
	if err := o.receive.Validate(); err != nil {
		return usageError{err}
	}
	if fs.NArg() != 1 {
		return usageError{errors.New("want one URL, e.g. pushbench probe http://127.0.0.1:8080/sse")}
	}
	target := fs.Arg(0)
	u, err := url.Parse(target)
	if err != nil || u.Host == "" || !slices.Contains([]string{"http", "https", "ws", "wss"}, u.Scheme) {
		return usageError{fmt.Errorf("URL %q: want http(s):// or ws(s)://host:port/path", target)}
	}
	if !o.allowRemote {
		if err := checkLoopbackURL("URL", target); err != nil {
			return usageError{err}
		}
	}
	if o.messages < 1 || o.wait <= 0 {
		return usageError{errors.New("--messages and --wait must be positive")}
	}
	name, err := probeTransport(ctx, o.transport, u)
	if err != nil {
		return err
	}
	entry, err := clients.Lookup(name)
	if err != nil {
		return usageError{err}
	}
	// Connect first: a handshake that goes wrong is then named by the same
	// classifier as in runs, in under a second where the server answered.
	clock := probeClock{start: time.Now()}
	dial := clients.NewDialOptions(clock, 10*time.Second)
	dial.Receive = o.receive
	defer dial.Close()
	cctx, cancel := context.WithCancel(ctx)
	defer cancel()
	conn, tm, err := entry.New().Dial(cctx, target, dial)
	if err != nil {
		return fmt.Errorf("connect: %w", err)
	}
	defer conn.Close()
	got := startReading(cctx, conn)
	fmt.Fprintf(stdout, "%s as %s\n\nhandshake:\n", target, name)
	if err := probeHandshake(ctx, stdout, name, target, o.receive.Headers); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "\nready after %s; first messages (arrival after ready):\n", roundDur(tm.Ready))
	frames := collectFrames(cctx, got, o.messages, o.wait)
	for _, f := range frames {
		fmt.Fprintf(stdout, "  +%-9s %s%s\n", roundDur(f.At-tm.Ready), frameMeta(f), quoteFrame(f.Data))
	}
	if len(frames) == 0 {
		fmt.Fprintf(stdout, "  (none within %s%s)\n", o.wait, silenceHint(name))
		fmt.Fprintf(stdout, "\nto measure it, fan out through its own publish endpoint:\n  %s\n", strings.Join(baseRun(name, u), " ")+" --publish URL --publish-body '...{{marker}}...'")
		return nil
	}
	fmt.Fprintf(stdout, "\nto measure it:\n  %s\n", suggestRun(name, u, frames))
	return nil
}

// roundDur rounds a duration for display.
func roundDur(d time.Duration) string { return d.Round(10 * time.Microsecond).String() }

// probeClock is a clock for one probe connection.
type probeClock struct{ start time.Time }

func (c probeClock) Now() time.Duration { return time.Since(c.start) }

// probeTransport picks the transport: the flag, or what the URL implies; for
// a plain http URL, what the server's Content-Type says.
func probeTransport(ctx context.Context, flagValue string, u *url.URL) (clients.Name, error) {
	if flagValue != "" {
		n, err := clients.Parse(flagValue)
		if err != nil {
			return "", usageError{err}
		}
		return n, nil
	}
	switch {
	case u.Scheme == "ws" || u.Scheme == "wss":
		return clients.WS, nil
	case strings.Contains(u.Path, "/socket.io"):
		return clients.SocketIO, nil
	}
	resp, err := probeGet(ctx, u.String(), nil)
	if err != nil {
		return "", err
	}
	resp.Body.Close()
	if strings.HasPrefix(resp.Header.Get("Content-Type"), "text/event-stream") {
		return clients.SSE, nil
	}
	return clients.Chunked, nil
}

// probeGet sends one GET and returns as soon as the headers arrive.
func probeGet(ctx context.Context, target string, headers http.Header) (*http.Response, error) {
	rctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	req, err := http.NewRequestWithContext(rctx, http.MethodGet, target, nil)
	if err != nil {
		cancel()
		return nil, err
	}
	req.Header.Set("Accept", "text/event-stream, application/x-ndjson, */*")
	for k, v := range headers {
		req.Header[k] = v
	}
	resp, err := clients.NewStreamTransport(1).RoundTrip(req)
	if err != nil {
		cancel()
		return nil, fmt.Errorf("%s: %w", target, err)
	}
	resp.Body = readCloser{resp.Body, cancel}
	return resp, nil
}

type readCloser struct {
	io.ReadCloser
	cancel context.CancelFunc
}

func (r readCloser) Close() error { r.cancel(); return r.ReadCloser.Close() }

// probeHandshake shows how the server answers a connect: status and headers,
// the accepted subprotocol, the Engine.IO open packet.
func probeHandshake(ctx context.Context, w io.Writer, name clients.Name, target string, headers http.Header) error {
	switch name {
	case clients.WS:
		d := websocket.Dialer{HandshakeTimeout: 10 * time.Second}
		conn, resp, err := d.DialContext(ctx, target, headers)
		if resp != nil {
			printResponse(w, resp)
		}
		if err != nil {
			return fmt.Errorf("websocket handshake: %w", err)
		}
		fmt.Fprintf(w, "  subprotocol: %q\n", conn.Subprotocol())
		conn.Close()
	case clients.SocketIO, clients.SocketIOPolling:
		sep := "?"
		if strings.Contains(target, "?") {
			sep = "&"
		}
		resp, err := probeGet(ctx, target+sep+"EIO=4&transport=polling", headers)
		if err != nil {
			return err
		}
		defer resp.Body.Close()
		fmt.Fprintf(w, "  (an Engine.IO polling handshake, for its open packet)\n")
		printResponse(w, resp)
		body, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
		fmt.Fprintf(w, "  Engine.IO open packet: %s\n", body)
	default:
		resp, err := probeGet(ctx, target, headers)
		if err != nil {
			return err
		}
		printResponse(w, resp)
		resp.Body.Close()
	}
	return nil
}

func printResponse(w io.Writer, resp *http.Response) {
	fmt.Fprintf(w, "  %s %s\n", resp.Proto, resp.Status)
	keys := make([]string, 0, len(resp.Header))
	for k := range resp.Header {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		fmt.Fprintf(w, "  %s: %s\n", k, strings.Join(resp.Header[k], ", "))
	}
}

// startReading reads frames as they arrive, so each is stamped when its bytes
// came in even while the probe is still printing the handshake.
func startReading(ctx context.Context, conn clients.Conn) <-chan clients.Frame {
	got := make(chan clients.Frame, 1024)
	go func() {
		defer close(got)
		for {
			f, err := conn.Read()
			if err != nil {
				return
			}
			f.Data = bytes.Clone(f.Data) // valid only until the next Read
			select {
			case got <- f:
			case <-ctx.Done():
				return
			}
		}
	}()
	return got
}

// collectFrames takes up to n frames from got, waiting at most wait.
func collectFrames(ctx context.Context, got <-chan clients.Frame, n int, wait time.Duration) []clients.Frame {
	var frames []clients.Frame
	timer := time.NewTimer(wait)
	defer timer.Stop()
	for len(frames) < n {
		select {
		case f, ok := <-got:
			if !ok {
				return frames
			}
			frames = append(frames, f)
		case <-timer.C:
			return frames
		case <-ctx.Done():
			return frames
		}
	}
	return frames
}

func frameMeta(f clients.Frame) string {
	var parts []string
	if f.Event != "" {
		parts = append(parts, "event="+f.Event)
	}
	if f.ID != "" {
		parts = append(parts, "id="+f.ID)
	}
	if len(parts) == 0 {
		return ""
	}
	return "[" + strings.Join(parts, " ") + "] "
}

func quoteFrame(b []byte) string {
	const max = 120
	if len(b) > max {
		return fmt.Sprintf("%s… (%d bytes)", b[:max], len(b))
	}
	return string(b)
}

// baseRun is the start of a run command for the probed URL: target, transport
// and, where the path is not pushbench's, the URL.
func baseRun(name clients.Name, u *url.URL) []string {
	base := (&url.URL{Scheme: strings.Replace(strings.Replace(u.Scheme, "wss", "https", 1), "ws", "http", 1), Host: u.Host}).String()
	cmd := []string{"pushbench run", "--target " + base, "--transports " + string(name)}
	entry, _ := clients.Lookup(name)
	if entry.Endpoint(base) != u.String() {
		cmd = append(cmd, "--url "+string(name)+"="+u.String())
	}
	return cmd
}

// silenceHint says where else messages may be when none arrived.
func silenceHint(name clients.Name) string {
	switch name {
	case clients.SSE:
		return "; with --sse-event, events of other types are not shown"
	case clients.SocketIO, clients.SocketIOPolling:
		return "; only the event --sio-event (default msg) on --sio-namespace (default /) is shown: an app's own events need both"
	}
	return ": the server pushes nothing here on its own"
}
