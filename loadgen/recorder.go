package loadgen

import (
	"sync"
	"time"

	"github.com/pushbench/pushbench/results"
)

// recorder collects samples from thousands of connection goroutines without one
// shared lock on the hot path: connections are spread over shards, each with its
// own histograms and per-second series, merged once at the end.
type recorder struct {
	shards []*shard
	errs   errorLog
}

type shard struct {
	mu       sync.Mutex
	hists    map[string]*results.Histogram
	received []int64 // measured deliveries per second since the window start
}

func newRecorder(shards int) *recorder {
	r := &recorder{errs: errorLog{classes: map[string]*results.ErrorClass{}}}
	for range shards {
		r.shards = append(r.shards, &shard{hists: map[string]*results.Histogram{}})
	}
	return r
}

func (r *recorder) shard(i int) *shard { return r.shards[i%len(r.shards)] }

func (s *shard) record(name string, d time.Duration) {
	s.mu.Lock()
	h := s.hists[name]
	if h == nil {
		h = results.NewHistogram()
		s.hists[name] = h
	}
	h.Record(d)
	s.mu.Unlock()
}

// delivered records one measured delivery: its latency and the second (since
// the measured window began) it arrived in.
func (s *shard) delivered(latency, sinceWindow time.Duration) {
	sec := int(sinceWindow / time.Second)
	if sec < 0 {
		sec = 0
	}
	s.mu.Lock()
	h := s.hists[results.HistLatency]
	if h == nil {
		h = results.NewHistogram()
		s.hists[results.HistLatency] = h
	}
	h.Record(latency)
	for len(s.received) <= sec {
		s.received = append(s.received, 0)
	}
	s.received[sec]++
	s.mu.Unlock()
}

// arrived counts one measured message without a latency (listen without a
// timestamp) in the second it arrived.
func (s *shard) arrived(sinceWindow time.Duration) {
	sec := int(max(sinceWindow, 0) / time.Second)
	s.mu.Lock()
	for len(s.received) <= sec {
		s.received = append(s.received, 0)
	}
	s.received[sec]++
	s.mu.Unlock()
}

// snapshot merges one histogram across shards and counts the measured
// messages so far, for progress reports while the run goes on.
func (r *recorder) snapshot(name string) (*results.Histogram, int64) {
	h := results.NewHistogram()
	var n int64
	for _, s := range r.shards {
		s.mu.Lock()
		if sh := s.hists[name]; sh != nil {
			h.Merge(sh)
		}
		for _, c := range s.received {
			n += c
		}
		s.mu.Unlock()
	}
	return h, n
}

// merge folds every shard into one set of histograms and one series.
func (r *recorder) merge() (map[string]*results.Histogram, []int64) {
	hists := map[string]*results.Histogram{}
	var series []int64
	for _, s := range r.shards {
		s.mu.Lock()
		for name, h := range s.hists {
			if hists[name] == nil {
				hists[name] = results.NewHistogram()
			}
			hists[name].Merge(h)
		}
		for i, n := range s.received {
			for len(series) <= i {
				series = append(series, 0)
			}
			series[i] += n
		}
		s.mu.Unlock()
	}
	return hists, series
}

// errorLog counts errors by class and keeps the first of each whole.
type errorLog struct {
	mu      sync.Mutex
	classes map[string]*results.ErrorClass
}

func (l *errorLog) add(class string, err error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	e := l.classes[class]
	if e == nil {
		e = &results.ErrorClass{First: err.Error()}
		l.classes[class] = e
	}
	e.Count++
}

func (l *errorLog) snapshot() map[string]*results.ErrorClass {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := make(map[string]*results.ErrorClass, len(l.classes))
	for k, v := range l.classes {
		c := *v
		out[k] = &c
	}
	return out
}
