package loadgen

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"time"

	"github.com/pushbench/pushbench/clients"
	"github.com/pushbench/pushbench/results"
)

// Patterns of load.
const (
	PatternFanout = "fanout" // one publisher broadcasts to every connection
	PatternEcho   = "echo"   // every connection sends and times the echo
	PatternIdle   = "idle"   // hold connections open and measure what they cost
	PatternChurn  = "churn"  // open and close connections at a rate, timing each connect
)

// Options describe one transport's run. Zero values take the defaults noted.
type Options struct {
	Transport      string        // chunked, sse or ws
	URL            string        // subscriber endpoint, e.g. http://127.0.0.1:8080/sse
	PublishURL     string        // fanout publisher endpoint (ws:// or http://)
	Pattern        string        // fanout (default) or echo
	Connections    int           // default 100
	Ramp           float64       // connections opened per second; default 1000
	Warmup         time.Duration // excluded from results; default 2s, <0 for none
	Duration       time.Duration // measured; default 10s
	Rate           float64       // broadcasts/s (fanout) or sends/s per connection (echo); default 10
	PayloadBytes   int           // envelope data size; default 64
	ConnectTimeout time.Duration // per dial; default 10s
	Drain          time.Duration // wait for late messages after the last send; default 2s
	Topic          string        // envelope topic that marks this run's messages; default random
	Worker         results.Worker
	// ServerPID, when the server runs on this machine, lets the idle pattern
	// read the server's memory before and while it holds the connections.
	ServerPID int
}

func (o Options) withDefaults() Options {
	if o.Pattern == "" {
		o.Pattern = PatternFanout
	}
	if o.Connections == 0 {
		o.Connections = 100
	}
	if o.Ramp == 0 {
		o.Ramp = 1000
	}
	switch {
	case o.Warmup == 0:
		o.Warmup = 2 * time.Second
	case o.Warmup < 0:
		o.Warmup = 0
	}
	if o.Duration == 0 {
		o.Duration = 10 * time.Second
	}
	if o.Rate == 0 {
		o.Rate = 10
	}
	if o.PayloadBytes == 0 {
		o.PayloadBytes = 64
	}
	if o.ConnectTimeout == 0 {
		o.ConnectTimeout = 10 * time.Second
	}
	if o.Drain == 0 {
		o.Drain = 2 * time.Second
	}
	if o.Topic == "" {
		var b [6]byte
		_, _ = rand.Read(b[:])
		o.Topic = "pushbench-" + hex.EncodeToString(b[:])
	}
	if o.Worker.Count == 0 {
		o.Worker.Count = 1
	}
	return o
}

func (o Options) validate() error {
	var errs []error
	entry, err := clients.Lookup(clients.Name(o.Transport))
	if err != nil {
		errs = append(errs, err)
	}
	if o.URL == "" {
		errs = append(errs, errors.New("no target URL"))
	}
	switch o.Pattern {
	case PatternFanout:
		if o.PublishURL == "" {
			errs = append(errs, errors.New("fanout needs a publish URL"))
		}
	case PatternEcho:
		if err == nil && !entry.Bidirectional {
			errs = append(errs, fmt.Errorf("pattern echo needs a bidirectional transport; %s only pushes", o.Transport))
		}
	case PatternIdle, PatternChurn:
	default:
		errs = append(errs, fmt.Errorf("pattern %q: want fanout, echo, idle or churn", o.Pattern))
	}
	if o.Connections < 1 {
		errs = append(errs, fmt.Errorf("connections %d: want at least 1", o.Connections))
	}
	if o.Ramp < 0 || o.Rate < 0 || o.Duration < 0 || o.PayloadBytes < 0 || o.ConnectTimeout < 0 || o.Drain < 0 {
		errs = append(errs, errors.New("ramp, rate, duration, payload, connect timeout and drain must not be negative"))
	}
	if o.Worker.Index < 0 || o.Worker.Index >= o.Worker.Count {
		errs = append(errs, fmt.Errorf("worker %d of %d: index must be in [0, count)", o.Worker.Index, o.Worker.Count))
	}
	return errors.Join(errs...)
}

// Workload is the results form of the options.
func (o Options) Workload() results.Workload {
	return results.Workload{
		Pattern:      o.Pattern,
		Connections:  o.Connections,
		RampPerSec:   o.Ramp,
		Warmup:       results.Duration(o.Warmup),
		Duration:     results.Duration(o.Duration),
		Rate:         o.Rate,
		PayloadBytes: o.PayloadBytes,
	}
}
