package loadgen

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/pushbench/pushbench/clients"
	"github.com/pushbench/pushbench/results"
	"github.com/pushbench/pushbench/workload"
)

// Config is one transport's run: the workload, where it goes, and what only
// the caller knows at run time. The workload's own defaults come from
// workload.WithDefaults; Config adds none of its own.
type Config struct {
	Workload   workload.Workload
	Transport  clients.Name
	URL        string // subscriber endpoint, e.g. http://127.0.0.1:8080/sse
	PublishURL string // fan-out publisher endpoint (ws:// or http://)
	// URLs, when set, are several servers of one target (processes or
	// machines that together hold the load): connection k dials
	// URLs[k % len(URLs)] (routes, targets.go) and URL is URLs[0].
	URLs []string
	// PublishURLs, when set, are where the fan-out publisher publishes: every
	// message to each, over a connection of its own; a message counts as
	// sent once every one took it. PublishURL is then PublishURLs[0].
	PublishURLs []string
	// SourceAddrs are local IPs the connections leave from, in turn among
	// each target's connections (with one target, connection k takes
	// SourceAddrs[k % len]). Empty: chosen automatically, spreading over
	// 127.0.0.1, 127.0.0.2, ... when a loopback destination would get more
	// connections than one address pair has ephemeral ports
	// (sourceaddrs.go). The publisher is never bound.
	SourceAddrs []string
	// PortsPerSourceAddr is how many ephemeral ports the automatic choice
	// counts per source/destination pair; 0 reads ip_local_port_range.
	PortsPerSourceAddr int
	// Worker is this process's slice of a distributed run; zero is 0 of 1.
	Worker results.Worker
	// ServerPID, when the server runs on this machine, lets the idle pattern
	// read the server's memory before and while it holds the connections.
	ServerPID int
	// ServerProcess, when set, returns the server's process id now: a fault
	// that restarts the server changes it, and the leak check must not
	// compare two different processes. Unset: ServerPID throughout.
	ServerProcess func() int
	// ServerPIDs, when set, returns the process ids of several local
	// server processes now (a target of several servers); their CPU and
	// memory are summed. It takes the place of ServerPID and ServerProcess.
	ServerPIDs func() []int
	// ServerStats, when set, is a pushbench server's GET /stats URL: the
	// leak check reads the server's goroutines there (only its descriptors
	// and memory show in /proc).
	ServerStats string
	// Plan, when set, is the schedule to run (a coordinator hands the same plan
	// to several workers); otherwise one is made once connections are open.
	Plan *Plan
	// AwaitPlan, when set, is called once the held connections are open and
	// returns the plan to run: a coordinator's barrier, so every worker has
	// its connections ready before the first event and all run one plan.
	AwaitPlan PlanSource
	// NoPublish: another worker of a coordinated run publishes the fan-out
	// plan; this one only receives. Its result counts nothing scheduled or
	// sent, so the merged result counts the one publisher's sends once.
	NoPublish bool
	// ClockOffset is the coordinator's clock minus this process's: every
	// wall-clock instant (a plan's start, an envelope's timestamp) is read on
	// the coordinator's clock, so latency across machines is measured on one
	// clock, to within the offset's uncertainty.
	ClockOffset time.Duration
	// Timeline lists actions run at fixed offsets on the run's timeline, e.g.
	// faults injected into the target.
	Timeline []Action
	// Payload says where listen finds a foreign message's own timestamp and
	// sequence number.
	Payload Payload
	// Body, when set, is the body of every message sent (fan-out publishes,
	// echo sends) in the target's own format: a template with {{marker}}
	// (template.go). Empty: pushbench's envelope.
	Body string
	// PublishEvent, when set, makes the fan-out publisher a Socket.IO client
	// of PublishURL (http://host/socket.io/) that emits each message as this
	// event, as the app's own clients do.
	PublishEvent string
	// Receive says how to speak to a server pushbench did not write: headers,
	// framing, event filters, Socket.IO namespace and auth.
	Receive clients.Receive
	// Progress, when set, is called once a second with a snapshot of the run.
	Progress func(Progress)
}

// serverPIDs are the local server processes now, sorted (none: no server,
// or not local): ServerPIDs, else ServerProcess, else ServerPID.
func (c Config) serverPIDs() []int {
	var pids []int
	switch {
	case c.ServerPIDs != nil:
		for _, pid := range c.ServerPIDs() {
			if pid > 0 {
				pids = append(pids, pid)
			}
		}
		slices.Sort(pids)
	case c.ServerProcess != nil:
		if pid := c.ServerProcess(); pid > 0 {
			pids = []int{pid}
		}
	case c.ServerPID > 0:
		pids = []int{c.ServerPID}
	}
	return pids
}

// withRuntime fills what the caller may leave out: the workload's defaults
// and the worker slice.
func (c Config) withRuntime() Config {
	c.Workload = c.Workload.WithDefaults()
	if len(c.URLs) > 0 {
		c.URL = c.URLs[0]
	}
	if len(c.PublishURLs) > 0 {
		c.PublishURL = c.PublishURLs[0]
	}
	if c.Worker.Count == 0 {
		c.Worker.Count = 1
	}
	return c
}

func (c Config) validate() error {
	var errs []error
	entry, err := clients.Lookup(c.Transport)
	if err != nil {
		errs = append(errs, err)
	}
	errs = append(errs, c.validateTargets()...)
	if err := c.Workload.Validate(); err != nil {
		errs = append(errs, err)
	}
	if info, known := c.Workload.Pattern.Info(); known {
		if info.Publishes && c.PublishURL == "" {
			errs = append(errs, fmt.Errorf("pattern %s needs a publish URL", info.Name))
		}
		if info.Bidirectional && err == nil && !entry.Bidirectional {
			errs = append(errs, fmt.Errorf("pattern %s needs a bidirectional transport; %s only pushes", info.Name, c.Transport))
		}
	}
	if c.Worker.Index < 0 || c.Worker.Index >= c.Worker.Count {
		errs = append(errs, fmt.Errorf("worker %d of %d: index must be in [0, count)", c.Worker.Index, c.Worker.Count))
	}
	if c.Plan != nil {
		errs = append(errs, c.checkPlan(*c.Plan)...)
	}
	if c.Plan != nil && c.AwaitPlan != nil {
		errs = append(errs, errors.New("both a plan and a plan source (AwaitPlan): give one"))
	}
	if err := c.Receive.Validate(); err != nil {
		errs = append(errs, err)
	}
	if _, err := newExtractor(c.Payload); err != nil {
		errs = append(errs, err)
	}
	if c.Body != "" {
		if _, err := parseTemplate(c.Body); err != nil {
			errs = append(errs, fmt.Errorf("message body: %w", err))
		}
	}
	warmup, span := time.Duration(*c.Workload.Warmup), time.Duration(c.Workload.Duration)
	for _, a := range c.Timeline {
		switch {
		case a.Do == nil || a.Name == "":
			errs = append(errs, fmt.Errorf("timeline action %q at %s: needs a name and a function", a.Name, a.At))
		case a.At < -warmup || a.At > span:
			errs = append(errs, fmt.Errorf("timeline action %q at %s: outside the run (from -%s, the warm-up, to %s)", a.Name, a.At, warmup, span))
		}
	}
	return errors.Join(errs...)
}

// resultWorkload is the results form of the workload as run, with the URLs
// and topic the run used, so a result file says exactly how it was produced.
func (c Config) resultWorkload(topic string) results.Workload {
	w := c.Workload
	rw := results.Workload{
		Pattern:        string(w.Pattern),
		Connections:    w.Connections,
		RampPerSec:     float64(w.Ramp),
		Warmup:         results.Duration(*w.Warmup),
		Duration:       results.Duration(w.Duration),
		Rate:           float64(w.Rate),
		PayloadBytes:   int(w.Payload),
		ConnectTimeout: results.Duration(w.ConnectTimeout),
		Drain:          results.Duration(*w.Drain),
		Topic:          topic,
		Timestamp:      c.Payload.Timestamp,
		Seq:            c.Payload.Seq,
		BaselineCheck:  results.Duration(w.BaselineCheck),
	}
	if info, _ := w.Pattern.Info(); info.Publishes {
		rw.PublishURL = strings.Join(c.publishURLs(), " ")
	}
	if p := w.Reconnect; p != nil {
		rw.Reconnect = &results.ReconnectPolicy{Backoff: results.Duration(p.Backoff), MaxBackoff: results.Duration(p.MaxBackoff), Jitter: *p.Jitter, Max: p.Max}
	}
	return rw
}

// checkPlan refuses a plan handed in from outside that would make the run
// differ from its workload: the result records the workload, so the two must
// agree on the schedule. Start, first sequence number and topic are the
// plan's own.
func (c Config) checkPlan(p Plan) []error {
	var errs []error
	w := c.Workload
	if p.Topic == "" {
		errs = append(errs, errors.New("plan: no topic (receivers would count every message as foreign)"))
	}
	if p.Start.IsZero() {
		errs = append(errs, errors.New("plan: no start instant"))
	}
	if p.Rate != float64(w.Rate) || p.Warmup != time.Duration(*w.Warmup) || p.Duration != time.Duration(w.Duration) {
		errs = append(errs, fmt.Errorf("plan: rate %g/s, warm-up %s, duration %s differ from the workload's %g/s, %s, %s (make the plan with NewPlan from the same workload)",
			p.Rate, p.Warmup, p.Duration, float64(w.Rate), time.Duration(*w.Warmup), time.Duration(w.Duration)))
	}
	return errs
}
