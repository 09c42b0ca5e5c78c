package cluster

import (
	"context"
	"os"
	"testing"
	"time"

	"github.com/pushbench/pushbench/loadgen"
)

// TestWatchServerOnCoordinatorClock: the server's window is placed by the
// plan on the coordinator's clock, however far it is from this process's
// wall clock; a run cut short ends the window where it stopped, and one cut
// before the window records no CPU.
func TestWatchServerOnCoordinatorClock(t *testing.T) {
	skewed := func() time.Time { return time.Now().Add(time.Hour) }
	plan := func() loadgen.Plan {
		return loadgen.Plan{Start: skewed().Add(50 * time.Millisecond), Warmup: 50 * time.Millisecond, Duration: 300 * time.Millisecond}
	}
	tests := []struct {
		name    string
		cutAt   time.Duration // after the watch starts; 0: never
		wantCPU bool
		wantRSS bool
	}{
		{"whole window", 0, true, true},
		{"cut in the window's first half", 200 * time.Millisecond, true, false},
		{"cut before the window", 10 * time.Millisecond, false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			meter := loadgen.NewServerMeter(loadgen.Config{ServerPID: os.Getpid()})
			meter.Before()
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			w := watchServer(ctx, meter, plan(), true, skewed)
			if tt.cutAt > 0 {
				time.AfterFunc(tt.cutAt, cancel)
			}
			burnUntil := time.Now().Add(500 * time.Millisecond) // past the window: CPU to read
			for time.Now().Before(burnUntil) && ctx.Err() == nil {
			}
			select {
			case <-w.done:
			case <-time.After(10 * time.Second):
				t.Fatal("the watch did not end with the plan's window: not on the coordinator's clock")
			}
			w.stop()
			meter.Finish()
			res := meter.Resources()
			if (res.CPU != nil) != tt.wantCPU || (res.CPU != nil && res.CPU.Run < res.CPU.Window) {
				t.Errorf("CPU %+v, want known %v", res.CPU, tt.wantCPU)
			}
			if (res.RSSHeld > 0 && res.RSSBefore > 0) != tt.wantRSS {
				t.Errorf("RSS before %d, held %d; want read %v", res.RSSBefore, res.RSSHeld, tt.wantRSS)
			}
		})
	}
}

// TestWatchServerWithoutServer: without a server to read the watch does nothing.
func TestWatchServerWithoutServer(t *testing.T) {
	w := watchServer(context.Background(), nil, loadgen.Plan{Start: time.Now().Add(time.Hour)}, true, time.Now)
	done := make(chan struct{})
	go func() { w.stop(); close(done) }()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("stop of an empty watch blocked")
	}
}
