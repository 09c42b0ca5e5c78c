package scenarios

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/pushbench/pushbench/workload"
)

func TestParseFindMax(t *testing.T) {
	sc, err := Parse("s.yaml", []byte(`name: x
transports: [ws]
connections: 200
find_max: {metric: latency.p99, below: 50ms, loss_below: 0.5%, start: 2000/s, step: 1.5x, max_steps: 5, bisect: 2, retries: 0, step_duration: 3s, time_limit: 2m}
`))
	if err != nil {
		t.Fatal(err)
	}
	f := sc.WithDefaults().FindMax
	if f == nil || f.Below != float64(50*time.Millisecond) || *f.LossBelow != 0.005 || f.Start != 2000 || f.Factor != 1.5 ||
		f.MaxSteps != 5 || *f.Bisect != 2 || *f.Retries != 0 || f.StepDuration != workload.Duration(3*time.Second) || f.TimeLimit != workload.Duration(2*time.Minute) {
		t.Errorf("decoded %+v", f)
	}
	s := f.Search()
	if s.Start != 2000 || s.Factor != 1.5 || s.MaxSteps != 5 || s.Bisect != 2 || s.Retries != 0 || s.TimeLimit != 2*time.Minute {
		t.Errorf("search %+v", s)
	}
}

func TestFindMaxDefaults(t *testing.T) {
	sc, err := Parse("s.yaml", []byte("name: x\nfind_max: {}\n"))
	if err != nil {
		t.Fatal(err)
	}
	f := sc.WithDefaults().FindMax
	c := f.Criteria()
	if c.Metric != "latency.p99" || c.Below != float64(100*time.Millisecond) || c.LossBelow != 0.001 {
		t.Errorf("criteria %+v", c)
	}
	s := f.Search()
	if s.Start != 1000 || s.Factor != 2 || s.MaxSteps != 8 || s.Bisect != 3 || s.Retries != 1 || s.TimeLimit != 15*time.Minute {
		t.Errorf("search %+v", s)
	}
	if sc.WithDefaults().FindMax.StepDuration != workload.Duration(10*time.Second) {
		t.Errorf("step duration %s", f.StepDuration)
	}
	add, err := ParseFindMaxFlag("step=+500/s")
	if err != nil || add.WithDefaults().Search().Add != 500 || add.WithDefaults().Search().Factor != 0 {
		t.Errorf("additive step: %+v %v", add, err)
	}
}

// TestFindMaxErrorsNameFileAndLine: a bad find_max value is refused at its
// file:line:column, naming the key.
func TestFindMaxErrorsNameFileAndLine(t *testing.T) {
	tests := []struct {
		line string
		want string
	}{
		{"find_max: {below: fast}", `s.yaml:3:19: find_max.below: below: "fast": want a duration`},
		{"find_max: {below: -5ms}", `s.yaml:3:19: find_max.below: below: "-5ms" must be positive`},
		{"find_max: {loss_below: 150%}", `s.yaml:3:24: find_max.loss_below: loss_below: "150%"`},
		{"find_max: {start: -1/s}", `s.yaml:3:19: find_max.start: start: rate "-1/s"`},
		{"find_max: {step: 1x}", `s.yaml:3:18: find_max.step: step: "1x": a factor must be above 1x`},
		{"find_max: {step: fast}", `s.yaml:3:18: find_max.step: step: "fast": want a factor`},
		{"find_max: {max_steps: 0}", `s.yaml:3:23: find_max.max_steps: max_steps: "0": want a whole number from 1 to 30`},
		{"find_max: {max_steps: 1000}", `s.yaml:3:23: find_max.max_steps:`},
		{"find_max: {bisect: -1}", `s.yaml:3:20: find_max.bisect:`},
		{"find_max: {retries: 9}", `s.yaml:3:21: find_max.retries:`},
		{"find_max: {step_duration: 0s}", `s.yaml:3:27: find_max.step_duration: step_duration: "0s": want a positive duration`},
		{"find_max: {time_limit: soon}", `s.yaml:3:24: find_max.time_limit:`},
		{"find_max: {metric: latency.p1000}", `s.yaml:3:20: find_max.metric: metric:`},
		{"find_max: {metric: latency.p50}", `s.yaml:3:20: find_max.metric: latency.p50: set below`},
		{"find_max: {rate: 5}", `s.yaml:3:12: find_max.rate: find_max: unknown key "rate"`},
		{"find_max: [1, 2]", `s.yaml:3:11: find_max: want a mapping`},
		{"pattern: idle\nfind_max: {}", `s.yaml:4:11: find_max: applies to patterns fanout and echo`},
		{"faults: [{at: 1s, kill: true}]\nfind_max: {}", `s.yaml:4:11: find_max: cannot be combined with faults`},
	}
	for _, tt := range tests {
		t.Run(tt.line, func(t *testing.T) {
			_, err := Parse("s.yaml", []byte("name: x\ntransports: [sse]\n"+tt.line+"\n"))
			var pe *PosError
			if !errors.As(err, &pe) || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Parse: %v, want a PosError containing %q", err, tt.want)
			}
		})
	}
}

func TestParseFindMaxFlag(t *testing.T) {
	tests := []struct {
		flag string
		want string // error substring; "" for none
	}{
		{"on", ""},
		{"below=50ms,start=5000/s,step=2x,max_steps=4,bisect=2,step_duration=5s", ""},
		{"metric=throughput,below=10/s", ""},
		{"below", "want on, or KEY=VALUE"},
		{"speed=9", "want on, or KEY=VALUE"},
		{"below=fast", `below: "fast"`},
		{"max_steps=0", "max_steps"},
	}
	for _, tt := range tests {
		t.Run(tt.flag, func(t *testing.T) {
			f, err := ParseFindMaxFlag(tt.flag)
			switch {
			case tt.want == "" && (err != nil || f == nil):
				t.Fatalf("ParseFindMaxFlag: %v", err)
			case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
				t.Fatalf("ParseFindMaxFlag: %v, want an error containing %q", err, tt.want)
			}
		})
	}
}
