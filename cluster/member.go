package cluster

import (
	"errors"
	"fmt"
	"io"
	"net"
	"time"
)

// finishTimeout bounds how long Close waits for a worker to hang up after
// Done.
const finishTimeout = 5 * time.Second

// member is one worker's connection on the coordinator's side.
type member struct {
	index int
	hello Hello
	addr  string
	p     *peer
	pongs chan stampedPong // answers to clock pings, stamped on arrival
	gone  chan struct{}    // closed when the connection's reader has ended
	err   error            // why it ended; read after gone is closed

	pingSeq int // the last ping's number; one clock exchange at a time

	// Under the coordinator's mu:
	clock      ClockEstimate // the estimate the next job uses
	dropReason string        // set when the coordinator ended the connection
	progress   *Progress     // the latest of the running job
}

// stampedPong is a pong and when it arrived on the coordinator's clock.
type stampedPong struct {
	pong *Pong
	at   time.Time
}

func newMember(p *peer, hello Hello, addr string) *member {
	return &member{index: hello.Index, hello: hello, addr: addr, p: p,
		pongs: make(chan stampedPong, ClockRounds), gone: make(chan struct{})}
}

// fault is a WorkerFault about this member.
func (m *member) fault(phase, reason string) *WorkerFault {
	return &WorkerFault{Index: m.index, Host: m.hello.Host, PID: m.hello.PID, Addr: m.addr, Phase: phase, Reason: reason}
}

// finish sends Done (with the run's failure, if it failed), half-closes,
// and waits (bounded) for the worker to hang up, so the Done is read before
// the connection goes.
func (m *member) finish(failure string) {
	_ = m.p.send(&Done{Failure: failure})
	if tc, ok := m.p.conn.(interface{ CloseWrite() error }); ok {
		_ = tc.CloseWrite()
	}
	select {
	case <-m.gone:
	case <-time.After(finishTimeout):
	}
	m.p.conn.Close()
}

// read handles the member's messages until its connection ends, then
// records the loss.
func (c *Coordinator) read(m *member) {
	defer func() {
		close(m.gone)
		c.lost(m)
	}()
	for {
		msg, err := m.p.next()
		if err != nil {
			m.err = err
			return
		}
		if pong, ok := msg.(*Pong); ok {
			select {
			case m.pongs <- stampedPong{pong: pong, at: c.now()}:
			default: // nobody asked for that many
			}
			continue
		}
		if why := c.handle(m, msg); why != "" {
			c.opts.Log.Warn("worker refused", "index", m.index, "host", m.hello.Host, "pid", m.hello.PID, "why", why)
			_ = m.p.send(&ErrorMessage{Message: why})
			c.drop(m, why)
			m.err = errors.New(why)
			return
		}
	}
}

// handle takes one message from a member; a non-empty answer refuses it
// (the member is told why and dropped).
func (c *Coordinator) handle(m *member, msg Message) string {
	c.mu.Lock()
	defer c.mu.Unlock()
	j := c.job
	switch msg := msg.(type) {
	case *Progress:
		if j.current(m, msg.Job) {
			m.progress = msg
		}
	case *Opened:
		if j.current(m, msg.Job) && j.phase == phaseOpening && !j.opened[m.index] {
			j.opened[m.index] = true
			j.counts[m.index] = msg.Opened
			c.notify()
		}
	case *Failed:
		if j.current(m, msg.Job) && !j.done(m.index) {
			j.failed[m.index] = msg.Error
			c.notify()
		}
	case *Result:
		if why := j.refuseResult(m, msg, c.opts.Workers); why != "" {
			return why
		}
		j.results[m.index] = msg.Result
		c.notify()
	default:
		return fmt.Sprintf("worker %d: unexpected %s message", m.index, msg.messageType())
	}
	return ""
}

// drop ends a member's connection for a reason its loss will carry.
func (c *Coordinator) drop(m *member, why string) {
	c.mu.Lock()
	if m.dropReason == "" {
		m.dropReason = why
	}
	c.mu.Unlock()
	m.p.conn.Close()
}

// lost takes a member whose connection ended out of the run, recording why
// for the job it was in and for later messages. A connection that ended by
// itself is named by its process's exit, when Options.ProcessExit knows it.
func (c *Coordinator) lost(m *member) {
	c.mu.Lock()
	ask := m.dropReason == "" && !c.closed && c.members[m.index] == m && c.opts.ProcessExit != nil
	c.mu.Unlock()
	exit := ""
	if ask {
		exit = c.opts.ProcessExit(m.index, processExitWait)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	why := m.dropReason
	if why == "" {
		why = "connection lost: " + describeConnErr(m.err)
		if exit != "" {
			why = exit + " (" + why + ")"
		}
	}
	if c.joining[m.index] == m {
		delete(c.joining, m.index)
	}
	if c.members[m.index] != m {
		return
	}
	delete(c.members, m.index)
	phase := "between transports"
	if !c.joinsClosed {
		phase = "waiting for the other workers to join"
	}
	if j := c.job; j != nil && j.parts[m.index] == m && j.phase != phaseClosed {
		phase = j.phaseName()
		if !j.done(m.index) {
			j.lost[m.index] = why
		}
	}
	if !c.closed {
		c.gone[m.index] = m.fault(phase, why)
		c.opts.Log.Warn("worker lost", "index", m.index, "host", m.hello.Host, "pid", m.hello.PID, "from", m.addr, "phase", phase, "why", why)
	}
	c.notify()
}

// describeConnErr says how a connection ended in words.
func describeConnErr(err error) string {
	switch {
	case err == nil:
		return "closed"
	case errors.Is(err, io.EOF):
		return "closed by the worker"
	case errors.Is(err, io.ErrUnexpectedEOF):
		return "closed by the worker in the middle of a message"
	case errors.Is(err, net.ErrClosed):
		return "closed by the coordinator"
	}
	return err.Error()
}
