package loadgen

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"hash/fnv"
	"strings"
	"time"

	"github.com/pushbench/pushbench/workload"
)

// Plan is a run's schedule as a plain value: when event 0 is due, how often
// events follow, which of them are measured, and the topic and sequence
// numbers that mark this run's messages. It is made once connections are
// open, or given from outside so that a coordinator can hand one schedule to
// several workers and their measurements line up.
type Plan struct {
	Start    time.Time     `json:"start"`     // instant event 0 is due
	Rate     float64       `json:"rate"`      // events per second
	Warmup   time.Duration `json:"warmup"`    // events before Start+Warmup are not measured
	Duration time.Duration `json:"duration"`  // measured span after the warm-up
	FirstSeq uint64        `json:"first_seq"` // sequence number of event 0
	Topic    string        `json:"topic"`     // envelope topic of this run's messages
}

// planLead is how far ahead of "now" a plan made by the runner starts, so
// every connection goroutine has seen it before event 0 is due.
const planLead = 50 * time.Millisecond

// NewPlan is the plan of workload w (defaults filled) with event 0 at start,
// sequence numbers from 1 and a fresh random topic.
func NewPlan(w workload.Workload, start time.Time) Plan {
	w = w.WithDefaults()
	var b [6]byte
	_, _ = rand.Read(b[:])
	return Plan{
		Start:    start,
		Rate:     float64(w.Rate),
		Warmup:   time.Duration(*w.Warmup),
		Duration: time.Duration(w.Duration),
		FirstSeq: 1,
		Topic:    "pushbench-" + hex.EncodeToString(b[:]),
	}
}

// schedule is a plan placed on this process's clock.
type schedule struct {
	pacer       Pacer  // event i is due at pacer.At(i)
	seq0        uint64 // sequence number of event 0
	first       int64  // index of the first measured event
	measured    int64  // measured events: [first, first+measured)
	windowStart time.Duration
	windowEnd   time.Duration
}

// on places the plan on clock c.
func (p Plan) on(c Clock) schedule {
	s := schedule{pacer: Pacer{Start: c.Reading(p.Start), Rate: p.Rate}, seq0: p.FirstSeq}
	if s.seq0 == 0 {
		s.seq0 = 1
	}
	s.windowStart = s.pacer.Start + p.Warmup
	s.windowEnd = s.windowStart + p.Duration
	s.first, s.measured = s.pacer.Window(s.windowStart, p.Duration)
	return s
}

// total is the number of events, warm-up included.
func (s schedule) total() int64 { return s.first + s.measured }

// seq is the sequence number of event i.
func (s schedule) seq(i int64) uint64 { return s.seq0 + uint64(i) }

// firstSeq is the sequence number of the first measured event.
func (s schedule) firstSeq() uint64 { return s.seq(s.first) }

// markerTag is the tag of this run's markers: the hex of a pushbench topic,
// or a hash of any other topic, so markers carry only hex digits.
func markerTag(topic string) string {
	if rest, ok := strings.CutPrefix(topic, "pushbench-"); ok && rest != "" && strings.Trim(rest, "0123456789abcdef") == "" {
		return rest
	}
	h := fnv.New32a()
	h.Write([]byte(topic))
	return fmt.Sprintf("%08x", h.Sum32())
}
