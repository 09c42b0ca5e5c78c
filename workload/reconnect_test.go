package workload

import (
	"strings"
	"testing"
	"time"
)

func jitter(v float64) *float64 { return &v }

// TestReconnectDelay is socket.io-client's backoff without a clock: the
// delay doubles per attempt, jitter moves it by rand x jitter x delay, down
// when floor(rand x 10) is even and up when odd, and the ceiling caps it.
func TestReconnectDelay(t *testing.T) {
	ms := func(n float64) time.Duration { return time.Duration(n * float64(time.Millisecond)) }
	noJitter := Reconnect{Backoff: Duration(500 * time.Millisecond), MaxBackoff: Duration(5 * time.Second), Jitter: jitter(0)}
	half := Reconnect{Backoff: Duration(500 * time.Millisecond), MaxBackoff: Duration(5 * time.Second), Jitter: jitter(0.5)}
	tests := []struct {
		name    string
		p       Reconnect
		attempt int
		rand    float64
		want    time.Duration
	}{
		{"first attempt", noJitter, 0, 0.7, ms(500)},
		{"doubles", noJitter, 1, 0.7, ms(1000)},
		{"doubles again", noJitter, 3, 0.7, ms(4000)},
		{"capped", noJitter, 4, 0.7, ms(5000)},
		{"huge attempt capped", noJitter, 1000, 0.7, ms(5000)},
		{"negative attempt is the first", noJitter, -3, 0.7, ms(500)},
		{"jitter down (floor(0.2*10)=2 even)", half, 0, 0.2, ms(450)},
		{"jitter up (floor(0.3*10)=3 odd)", half, 0, 0.3, ms(575)},
		{"jitter zero rand", half, 2, 0, ms(2000)},
		{"jitter up then capped", half, 3, 0.9, ms(5000)},
		{"jitter down below the cap (8s - 3.2s)", half, 4, 0.8, ms(4800)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.p.Delay(tt.attempt, tt.rand); got != tt.want {
				t.Fatalf("Delay(%d, %g) = %s, want %s", tt.attempt, tt.rand, got, tt.want)
			}
		})
	}
}

func TestReconnectDefaultsAndLimits(t *testing.T) {
	w := Workload{Reconnect: &Reconnect{}}.WithDefaults()
	p := *w.Reconnect
	if p.Backoff != DefaultReconnectBackoff || p.MaxBackoff != DefaultReconnectMaxBackoff || *p.Jitter != DefaultReconnectJitter || p.Max != 0 {
		t.Fatalf("defaults %+v", p)
	}
	if (Workload{}).WithDefaults().Reconnect != nil {
		t.Fatal("no reconnect: section must stay no policy")
	}
	if p.Exhausted(1000) {
		t.Fatal("max 0 must not limit attempts")
	}
	if lim := (Reconnect{Max: 3}); lim.Exhausted(2) || !lim.Exhausted(3) {
		t.Fatal("max 3: exhausted after 3 failed attempts only")
	}
	if big := (Reconnect{Backoff: Duration(time.Minute)}).withDefaults(); big.MaxBackoff != big.Backoff {
		t.Fatalf("a backoff above the default ceiling raises the ceiling: %+v", big)
	}
	bad := []struct {
		p    Reconnect
		want string
	}{
		{Reconnect{Jitter: jitter(1.5)}, "reconnect.jitter: 1.5 must be between 0 and 1"},
		{Reconnect{Max: -1}, "reconnect.max: -1 must not be negative"},
		{Reconnect{Backoff: Duration(time.Second), MaxBackoff: Duration(time.Millisecond)}, "reconnect.max_backoff: 1ms is below backoff 1s"},
	}
	for _, b := range bad {
		err := Workload{Reconnect: &b.p}.Validate()
		if err == nil || !strings.HasPrefix(err.Error(), b.want) {
			t.Errorf("Validate(%+v) = %v, want %q", b.p, err, b.want)
		}
	}
}

func TestParseReconnect(t *testing.T) {
	good := map[string]Reconnect{
		"on":          {},
		"1s":          {Backoff: Duration(time.Second)},
		"200ms,2s":    {Backoff: Duration(200 * time.Millisecond), MaxBackoff: Duration(2 * time.Second)},
		"200ms,2s,10": {Backoff: Duration(200 * time.Millisecond), MaxBackoff: Duration(2 * time.Second), Max: 10},
	}
	for in, want := range good {
		got, err := ParseReconnect(in)
		if err != nil || got.Backoff != want.Backoff || got.MaxBackoff != want.MaxBackoff || got.Max != want.Max {
			t.Errorf("ParseReconnect(%q) = %+v, %v; want %+v", in, got, err, want)
		}
	}
	for _, in := range []string{"", "x", "1s,2s,3s", "1s,2s,3,4", "-1s", "2s,1s"} {
		if _, err := ParseReconnect(in); err == nil {
			t.Errorf("ParseReconnect(%q) accepted", in)
		}
	}
}
