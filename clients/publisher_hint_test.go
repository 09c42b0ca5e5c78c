package clients_test

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/pushbench/pushbench/clients"
)

// publishFailure dials a publisher at url and returns its dial error or, for
// an HTTP publisher, the error of its first publish.
func publishFailure(t *testing.T, url string) error {
	t.Helper()
	opts := clients.NewDialOptions(sinceClock{time.Now()}, 5*time.Second)
	t.Cleanup(opts.Close)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	failed := make(chan error, 1)
	pub, err := clients.DialPublisher(ctx, url, opts, func(err error) {
		select {
		case failed <- err:
		default:
		}
	})
	if err != nil {
		return err
	}
	defer pub.Close()
	if err := pub.Publish([]byte(`{"seq":1}`)); err != nil {
		return err
	}
	select {
	case err := <-failed:
		return err
	case <-time.After(5 * time.Second):
		t.Fatal("the first publish neither failed nor reported within 5s")
	}
	return nil
}

// TestPublisherSaysWhenTheTargetHasNoPublishEndpoint: a publish URL the
// server does not serve fails with ErrNoPublishEndpoint and the flags that
// help; other failures do not claim it.
func TestPublisherSaysWhenTheTargetHasNoPublishEndpoint(t *testing.T) {
	page := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		io.WriteString(w, "<html>chat</html>")
	})
	status := func(code int) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			http.Error(w, http.StatusText(code), code)
		})
	}
	tests := []struct {
		name     string
		handler  http.Handler
		scheme   string
		phase    string // for a WebSocket publisher's DialError
		want     string
		wantHint bool
	}{
		{"POST answered 404", http.NotFoundHandler(), "http", "", "got 404 Not Found", true},
		{"POST answered 405", status(http.StatusMethodNotAllowed), "http", "", "got 405 Method Not Allowed", true},
		{"POST answered 401", status(http.StatusUnauthorized), "http", "", "got 401 Unauthorized", false},
		{"WebSocket answered with a page", page, "ws", clients.PhaseStatus, `got 200 OK: "<html>chat</html>"`, true},
		{"WebSocket answered 404", http.NotFoundHandler(), "ws", clients.PhaseStatus, "got 404 Not Found", true},
		{"WebSocket answered 503", status(http.StatusServiceUnavailable), "ws", clients.PhaseStatus, "got 503", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ts := httptest.NewServer(tt.handler)
			defer ts.Close()
			url := tt.scheme + strings.TrimPrefix(ts.URL, "http") + "/publish"
			err := publishFailure(t, url)
			checkPublishHint(t, err, url, tt.phase, tt.want, tt.wantHint)
		})
	}
	t.Run("WebSocket closed without an answer", func(t *testing.T) {
		addr, _ := rawServer(t, func(net.Conn, *http.Request, <-chan struct{}) {})
		url := "ws://" + addr + "/publish"
		checkPublishHint(t, publishFailure(t, url), url, clients.PhaseHandshake, "without answering", true)
	})
}

func checkPublishHint(t *testing.T, err error, url, phase, want string, wantHint bool) {
	t.Helper()
	if err == nil || !strings.Contains(err.Error(), want) || !strings.Contains(err.Error(), url) {
		t.Fatalf("error %v: want %q and the URL %s", err, want, url)
	}
	if phase != "" {
		var de *clients.DialError
		if !errors.As(err, &de) || de.Phase != phase || de.URL != url {
			t.Fatalf("error %v: want a DialError in phase %s for %s", err, phase, url)
		}
	}
	hinted := errors.Is(err, clients.ErrNoPublishEndpoint) &&
		strings.Contains(err.Error(), "pass --publish URL") && strings.Contains(err.Error(), "--pattern listen")
	if hinted != wantHint {
		t.Fatalf("error %v: hint given %v, want %v", err, hinted, wantHint)
	}
}
