package cluster

import (
	"fmt"
	"time"

	"github.com/pushbench/pushbench/clients"
	"github.com/pushbench/pushbench/loadgen"
	"github.com/pushbench/pushbench/results"
	"github.com/pushbench/pushbench/workload"
)

// Job is one transport's run as a worker receives it: everything its
// loadgen.Config needs that can cross the wire. The coordinator fills the
// per-worker part (ID, Worker, NoPublish, ClockOffset) for each worker.
// Timeline actions and server process ids do not cross: a coordinated run
// injects no faults, and no worker reads the server's resources (each sees
// only its share of the connections): the coordinator does, once for all
// of them (Coordinator.RunWithServer).
type Job struct {
	ID         int               `json:"id"`
	Scenario   string            `json:"scenario"`
	Transport  clients.Name      `json:"transport"`
	Workload   workload.Workload `json:"workload"`
	URL        string            `json:"url"`
	PublishURL string            `json:"publish_url,omitempty"`
	// Targets and PublishTargets are several servers of one service
	// (loadgen.Config.URLs, PublishURLs): connection k of the run dials
	// Targets[k % len], and the publisher publishes to each.
	Targets        []string `json:"targets,omitempty"`
	PublishTargets []string `json:"publish_targets,omitempty"`
	// SourceAddrs and PortsPerSourceAddr are loadgen's: the local addresses
	// connections leave from (empty: chosen by each worker from the run's
	// whole connection count, the same on every worker of one machine).
	SourceAddrs        []string        `json:"source_addrs,omitempty"`
	PortsPerSourceAddr int             `json:"ports_per_source_addr,omitempty"`
	Body               string          `json:"body,omitempty"`
	PublishEvent       string          `json:"publish_event,omitempty"`
	Receive            clients.Receive `json:"receive"`
	Payload            loadgen.Payload `json:"payload"`

	Worker      results.Worker `json:"worker"`
	NoPublish   bool           `json:"no_publish,omitempty"`
	ClockOffset time.Duration  `json:"clock_offset"`
}

// JobFromConfig is the job of a transport's run as the coordinator built
// its loadgen.Config (the same fields a single-process run would use).
func JobFromConfig(scenario string, cfg loadgen.Config) Job {
	return Job{
		Scenario:           scenario,
		Transport:          cfg.Transport,
		Workload:           cfg.Workload.WithDefaults(), // every value set: a zero rate does not decode
		URL:                cfg.URL,
		PublishURL:         cfg.PublishURL,
		Targets:            cfg.URLs,
		PublishTargets:     cfg.PublishURLs,
		SourceAddrs:        cfg.SourceAddrs,
		PortsPerSourceAddr: cfg.PortsPerSourceAddr,
		Body:               cfg.Body,
		PublishEvent:       cfg.PublishEvent,
		Receive:            cfg.Receive,
		Payload:            cfg.Payload,
	}
}

// Config is the loadgen configuration a worker runs the job with (without
// AwaitPlan and Progress, which the worker adds).
func (j Job) Config() loadgen.Config {
	return loadgen.Config{
		Workload:           j.Workload,
		Transport:          j.Transport,
		URL:                j.URL,
		PublishURL:         j.PublishURL,
		URLs:               j.Targets,
		PublishURLs:        j.PublishTargets,
		SourceAddrs:        j.SourceAddrs,
		PortsPerSourceAddr: j.PortsPerSourceAddr,
		Worker:             j.Worker.Slice(),
		NoPublish:          j.NoPublish,
		ClockOffset:        j.ClockOffset,
		Body:               j.Body,
		PublishEvent:       j.PublishEvent,
		Receive:            j.Receive,
		Payload:            j.Payload,
	}
}

// check refuses a job whose workload lacks what a coordinator always
// fills (JobFromConfig): a zero rate or ramp would mean "the default" to
// loadgen but cannot be written back on the wire. It also turns the JSON
// null of an absent Socket.IO auth object back into none.
func (j *Job) check() error {
	if string(j.Receive.SIOAuth) == "null" {
		j.Receive.SIOAuth = nil
	}
	if j.Workload.Rate <= 0 || j.Workload.Ramp <= 0 {
		return fmt.Errorf("job %d: workload rate %v and ramp %v: want both positive (the coordinator fills every default)", j.ID, j.Workload.Rate, j.Workload.Ramp)
	}
	return nil
}

// URLs are every URL the job sends traffic to, for the worker's
// loopback guard.
func (j Job) URLs() []string {
	urls := []string{j.URL}
	if j.PublishURL != "" {
		urls = append(urls, j.PublishURL)
	}
	urls = append(urls, j.Targets...)
	return append(urls, j.PublishTargets...)
}
