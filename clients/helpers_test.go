package clients_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/pushbench/pushbench/clients"
)

// sinceClock is a real clock for tests: the time since it was made.
type sinceClock struct{ epoch time.Time }

func (c sinceClock) Now() time.Duration { return time.Since(c.epoch) }

// dial opens one connection of transport to url with fresh options that are
// released when the test ends.
func dial(t *testing.T, ctx context.Context, transport clients.Name, url string, timeout time.Duration) (clients.Conn, clients.Timings, error) {
	t.Helper()
	entry, err := clients.Lookup(transport)
	if err != nil {
		t.Fatal(err)
	}
	opts := clients.NewDialOptions(sinceClock{time.Now()}, timeout)
	t.Cleanup(opts.Close)
	return entry.New().Dial(ctx, url, opts)
}

func wsURL(httpURL string) string { return "ws" + strings.TrimPrefix(httpURL, "http") }
