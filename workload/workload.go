package workload

import (
	"fmt"
	"time"
)

// Defaults for zero values. The run command's flags take their defaults from
// these constants, and WithDefaults is the only place they are applied.
const (
	DefaultPattern        = Fanout
	DefaultConnections    = 1000
	DefaultRamp           = Rate(1000)
	DefaultWarmup         = Duration(2 * time.Second)
	DefaultDuration       = Duration(10 * time.Second)
	DefaultRate           = Rate(10)
	DefaultPayload        = Size(64)
	DefaultConnectTimeout = Duration(10 * time.Second)
	DefaultDrain          = Duration(2 * time.Second)
)

// MaxChurnConnects bounds a churn run's connects by the ephemeral ports one
// address pair has (about 28,000 here), with a margin for other traffic: each
// closed connection holds its port in TIME_WAIT for 60 s.
const MaxChurnConnects = 20000

// Workload is the load applied to one transport. Zero values take the
// defaults above; Warmup and Drain are optional durations whose zero is a
// real choice ("no warm-up", "do not wait for late messages"), so they are
// pointers: nil takes the default, a pointer to 0 means none.
type Workload struct {
	Pattern        Pattern   `yaml:"pattern" json:"pattern"`
	Connections    int       `yaml:"connections" json:"connections"`
	Ramp           Rate      `yaml:"ramp" json:"ramp"`
	Warmup         *Duration `yaml:"warmup" json:"warmup"`
	Duration       Duration  `yaml:"duration" json:"duration"`
	Rate           Rate      `yaml:"rate" json:"rate"`
	Payload        Size      `yaml:"payload" json:"payload_bytes"`
	ConnectTimeout Duration  `yaml:"connect_timeout" json:"connect_timeout"`
	Drain          *Duration `yaml:"drain" json:"drain"`
	// BaselineCheck, when set, makes the run check that it left nothing
	// behind: after every connection has closed it waits up to this long
	// for the generator's and a local server's file descriptors, goroutines
	// and resident memory to return to where they were before the run, and
	// records how far they stayed above (the *_growth threshold metrics).
	// Zero: no check. A soak run uses it to prove it does not leak.
	BaselineCheck Duration `yaml:"baseline_check" json:"baseline_check,omitempty"`
	// Reconnect, when set, redials held connections the server ends or
	// drops before the run ends (reconnect.go); nil keeps them lost.
	Reconnect *Reconnect `yaml:"reconnect" json:"reconnect,omitempty"`
}

// WithDefaults returns w with every unset value filled with its default.
func (w Workload) WithDefaults() Workload {
	if w.Pattern == "" {
		w.Pattern = DefaultPattern
	}
	if w.Connections == 0 {
		w.Connections = DefaultConnections
	}
	if w.Ramp == 0 {
		w.Ramp = DefaultRamp
	}
	if w.Warmup == nil {
		w.Warmup = DefaultWarmup.Ptr()
	}
	if w.Duration == 0 {
		w.Duration = DefaultDuration
	}
	if w.Rate == 0 {
		w.Rate = DefaultRate
	}
	if w.Payload == 0 {
		w.Payload = DefaultPayload
	}
	if w.ConnectTimeout == 0 {
		w.ConnectTimeout = DefaultConnectTimeout
	}
	if w.Drain == nil {
		w.Drain = DefaultDrain.Ptr()
	}
	if w.Reconnect != nil {
		p := w.Reconnect.withDefaults()
		w.Reconnect = &p
	}
	return w
}

// WarmupTime is the warm-up as a time.Duration (the default when unset).
func (w Workload) WarmupTime() time.Duration { return time.Duration(*w.WithDefaults().Warmup) }

// DrainTime is the drain as a time.Duration (the default when unset).
func (w Workload) DrainTime() time.Duration { return time.Duration(*w.WithDefaults().Drain) }

// FieldError names an invalid setting by its scenario key; callers map it to a
// flag name or a file position.
type FieldError struct {
	Key string // scenario key, e.g. "connections"
	Err error
}

func (e *FieldError) Error() string { return e.Key + ": " + e.Err.Error() }
func (e *FieldError) Unwrap() error { return e.Err }

// Validate checks values that decode but make no sense, naming the key.
func (w Workload) Validate() error {
	bad := func(key, format string, args ...any) error {
		return &FieldError{Key: key, Err: fmt.Errorf(format, args...)}
	}
	if w.Pattern != "" {
		if _, err := ParsePattern(string(w.Pattern)); err != nil {
			return &FieldError{Key: "pattern", Err: err}
		}
	}
	switch {
	case w.Connections < 0:
		return bad("connections", "%d must be positive", w.Connections)
	case w.Ramp < 0:
		return bad("ramp", "%g/s must be positive", float64(w.Ramp))
	case w.Rate < 0:
		return bad("rate", "%g/s must be positive", float64(w.Rate))
	case w.Duration < 0:
		return bad("duration", "%s must be positive", w.Duration)
	case w.Warmup != nil && *w.Warmup < 0:
		return bad("warmup", "%s must not be negative", *w.Warmup)
	case w.Drain != nil && *w.Drain < 0:
		return bad("drain", "%s must not be negative", *w.Drain)
	case w.ConnectTimeout < 0:
		return bad("connect_timeout", "%s must be positive", w.ConnectTimeout)
	case w.BaselineCheck < 0:
		return bad("baseline_check", "%s must not be negative", w.BaselineCheck)
	case w.Payload < 0:
		return bad("payload", "%d bytes must not be negative", w.Payload)
	}
	if w.Reconnect != nil {
		if err := w.Reconnect.validate(); err != nil {
			return err
		}
	}
	if full := w.WithDefaults(); full.Pattern == Churn {
		span := time.Duration(*full.Warmup) + time.Duration(full.Duration)
		if total := float64(full.Rate) * span.Seconds(); total > MaxChurnConnects {
			return bad("rate", "churn at %g/s for %s opens %.0f connections: each leaves a TIME_WAIT socket holding an ephemeral port for 60s, "+
				"and about 28,000 exist per address pair; keep rate x (warmup + duration) under %d", float64(full.Rate), span, total, MaxChurnConnects)
		}
	}
	return nil
}
