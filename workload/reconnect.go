package workload

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// Defaults of a reconnect policy, as socket.io-client's reconnectionDelay,
// reconnectionDelayMax and randomizationFactor (with a shorter first delay),
// and no limit on attempts within the run.
const (
	DefaultReconnectBackoff    = Duration(500 * time.Millisecond)
	DefaultReconnectMaxBackoff = Duration(5 * time.Second)
	DefaultReconnectJitter     = 0.5
)

// Reconnect is the policy under which a held connection that the server ends
// or drops before the run ends is dialled again. No policy (a nil
// Workload.Reconnect) keeps a lost connection lost. Jitter is optional with
// a meaningful zero (no jitter), so it is a pointer: nil takes the default.
type Reconnect struct {
	// Backoff is the delay before the first attempt; each further attempt
	// in a row doubles it, up to MaxBackoff.
	Backoff    Duration `yaml:"backoff" json:"backoff"`
	MaxBackoff Duration `yaml:"max_backoff" json:"max_backoff"`
	// Jitter spreads each delay by up to this fraction either way (0..1),
	// so connections dropped together do not redial together.
	Jitter *float64 `yaml:"jitter" json:"jitter"`
	// Max is how many attempts in a row one connection makes before it
	// gives up; 0 is no limit within the run.
	Max int `yaml:"max" json:"max"`
}

// withDefaults fills the policy's unset values; Workload.WithDefaults calls it.
func (p Reconnect) withDefaults() Reconnect {
	if p.Backoff == 0 {
		p.Backoff = DefaultReconnectBackoff
	}
	if p.MaxBackoff == 0 {
		p.MaxBackoff = max(DefaultReconnectMaxBackoff, p.Backoff)
	}
	if p.Jitter == nil {
		j := DefaultReconnectJitter
		p.Jitter = &j
	}
	return p
}

// validate checks the policy, naming the key.
func (p Reconnect) validate() error {
	bad := func(key, format string, args ...any) error {
		return &FieldError{Key: "reconnect." + key, Err: fmt.Errorf(format, args...)}
	}
	switch {
	case p.Backoff < 0:
		return bad("backoff", "%s must not be negative", p.Backoff)
	case p.MaxBackoff < 0:
		return bad("max_backoff", "%s must not be negative", p.MaxBackoff)
	case p.MaxBackoff != 0 && p.MaxBackoff < p.Backoff:
		return bad("max_backoff", "%s is below backoff %s", p.MaxBackoff, p.Backoff)
	case p.Jitter != nil && (*p.Jitter < 0 || *p.Jitter > 1 || math.IsNaN(*p.Jitter)):
		return bad("jitter", "%g must be between 0 and 1", *p.Jitter)
	case p.Max < 0:
		return bad("max", "%d must not be negative (0 is no limit)", p.Max)
	}
	return nil
}

// Delay is how long to wait before attempt (0 for the first attempt after a
// loss) as socket.io-client's backoff computes it: Backoff x 2^attempt,
// moved by up to Jitter of itself down or up (rand, in [0, 1), picks both
// how far and which way), then capped at MaxBackoff. It reads no clock and
// no random source, so it is tested as a table; call it on a policy with
// defaults filled.
func (p Reconnect) Delay(attempt int, rand float64) time.Duration {
	base := float64(p.Backoff)
	ceiling := float64(p.MaxBackoff)
	ms := base * math.Pow(2, float64(min(max(attempt, 0), 62)))
	if p.Jitter != nil && *p.Jitter > 0 {
		deviation := math.Floor(rand * *p.Jitter * ms)
		if int(math.Floor(rand*10))&1 == 0 {
			ms -= deviation
		} else {
			ms += deviation
		}
	}
	return time.Duration(min(ms, ceiling))
}

// Exhausted reports whether a connection that has failed attempts redials in
// a row must give up.
func (p Reconnect) Exhausted(attempts int) bool { return p.Max > 0 && attempts >= p.Max }

// ParseReconnect reads the --reconnect flag: BACKOFF[,MAX_BACKOFF[,MAX]],
// e.g. 500ms, 500ms,5s or 1s,10s,20; "on" takes every default.
func ParseReconnect(s string) (Reconnect, error) {
	var p Reconnect
	if strings.TrimSpace(s) == "on" {
		return p, nil
	}
	parts := strings.Split(s, ",")
	if len(parts) > 3 {
		return p, fmt.Errorf("reconnect %q: want BACKOFF[,MAX_BACKOFF[,ATTEMPTS]], e.g. 500ms,5s,10", s)
	}
	for i, part := range parts {
		part = strings.TrimSpace(part)
		if i == 2 {
			n, err := strconv.Atoi(part)
			if err != nil || n < 0 {
				return p, fmt.Errorf("reconnect %q: attempts %q: want a count (0 for no limit)", s, part)
			}
			p.Max = n
			continue
		}
		d, err := time.ParseDuration(part)
		if err != nil || d <= 0 {
			return p, fmt.Errorf("reconnect %q: %q: want a duration like 500ms or 5s", s, part)
		}
		if i == 0 {
			p.Backoff = Duration(d)
		} else {
			p.MaxBackoff = Duration(d)
		}
	}
	return p, p.validate()
}
