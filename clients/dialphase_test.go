package clients

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"syscall"
	"testing"
	"time"
)

func TestDialPhase(t *testing.T) {
	refused := &net.OpError{Op: "dial", Net: "tcp", Err: syscall.ECONNREFUSED}
	reset := &net.OpError{Op: "read", Net: "tcp", Err: syscall.ECONNRESET}
	tests := []struct {
		name     string
		step     string
		timedOut bool
		err      error
		want     string
	}{
		{"refused while connecting", PhaseHandshake, false, fmt.Errorf("get: %w", refused), PhaseTCP},
		{"reset during the handshake", PhaseHandshake, false, reset, PhaseHandshake},
		{"timeout wins over tcp", PhaseHandshake, true, refused, PhaseTimeout},
		{"timeout in a later step", PhaseSIOConnect, true, context.Canceled, PhaseTimeout},
		{"read deadline passed", PhaseEIOOpen, false, fmt.Errorf("read: %w", os.ErrDeadlineExceeded), PhaseTimeout},
		{"a later step keeps its name", PhaseEIOOpen, false, refused, PhaseEIOOpen},
		{"status", PhaseStatus, false, errors.New("expected 200"), PhaseStatus},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := dialPhase(tt.step, tt.timedOut, tt.err); got != tt.want {
				t.Fatalf("dialPhase(%s, %v, %v) = %s, want %s", tt.step, tt.timedOut, tt.err, got, tt.want)
			}
		})
	}
}

func TestDialAttemptTimedOutOnlyByItsTimer(t *testing.T) {
	t.Run("ended by end", func(t *testing.T) {
		a := startDial(context.Background(), "http://x", time.Hour)
		a.end()
		if a.timedOut() || a.fail(PhaseStatus, errors.New("404")).Phase != PhaseStatus {
			t.Fatal("end counted as a timeout")
		}
	})
	t.Run("caller cancelled", func(t *testing.T) {
		parent, cancel := context.WithCancel(context.Background())
		a := startDial(parent, "http://x", time.Hour)
		cancel()
		defer a.end()
		if a.timedOut() {
			t.Fatal("the caller's cancel counted as a timeout")
		}
	})
	t.Run("timer fired", func(t *testing.T) {
		a := startDial(context.Background(), "http://x", time.Nanosecond)
		defer a.end()
		select {
		case <-a.ctx.Done():
		case <-time.After(5 * time.Second):
			t.Fatal("timeout did not end the dial's context")
		}
		if a.settle() {
			t.Fatal("settle reported success after the timeout fired")
		}
		de := a.fail(PhaseHandshake, context.Canceled)
		if de.Phase != PhaseTimeout || de.URL != "http://x" {
			t.Fatalf("fail = %v, want a timeout naming the URL", de)
		}
	})
}
