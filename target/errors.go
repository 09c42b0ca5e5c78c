package target

import (
	"errors"
	"fmt"
)

// Phases of a child's lifecycle, named in a PhaseError.
const (
	PhaseStart    = "start"
	PhaseAnnounce = "announce address"
	PhaseStop     = "stop"
	PhaseKill     = "kill"
	PhasePause    = "pause"
	PhaseResume   = "resume"
	PhaseRestart  = "restart"
)

// ErrNotRunning reports a control (pause, resume) sent to a child that has
// exited.
var ErrNotRunning = errors.New("not running")

// errExitedEarly reports a child that exited before announcing its address;
// Restart retries it (the previous child's port may still be held).
var errExitedEarly = errors.New("exited before announcing its address")

// PhaseError is a child-process failure, naming the command and the phase of
// its lifecycle so the user knows which server failed and when.
type PhaseError struct {
	Command string
	Phase   string
	Err     error
}

func (e *PhaseError) Error() string { return fmt.Sprintf("%s: %s: %v", e.Command, e.Phase, e.Err) }
func (e *PhaseError) Unwrap() error { return e.Err }
