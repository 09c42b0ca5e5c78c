package servers

import (
	"log/slog"
	"sync"
	"sync/atomic"
	"time"
)

// replayLog numbers every broadcast with the server's event id, keeps the
// recent ones in a bounded ring (and, with a replay file, on disk), and hands
// them to the hub, all under one lock: ids reach every subscriber in
// increasing order, and a resuming client can take a snapshot of the ring and
// subscribe in the same critical section, so replay and live traffic meet
// with neither a gap nor a duplicate.
//
// Event ids are decimal and strictly increasing: they count up from the
// process start in Unix microseconds (or from the last id in the replay file,
// if that is larger), so a restarted server's ids are all larger than its
// predecessor's unless that one averaged more than a million broadcasts a
// second.
type replayLog struct {
	hub *Hub
	log *slog.Logger

	mu   sync.Mutex
	ring *replayRing
	last uint64 // the last id assigned (the origin before the first)
	file *replayFile

	path       string // replay file; "" for none
	maxRecords int    // rewrite the file past this many records
	maxBytes   int64  // or past this many bytes
	maxLine    int    // longest record worth reading back

	// resumes, gaps and replayed count SSE requests with a Last-Event-ID,
	// the pushbench-gap events sent and the events replayed, for /stats.
	resumes, gaps, replayed atomic.Int64

	// floor is the last id before this server's known history: its origin,
	// or the id before the first one loaded from the replay file. A client
	// whose last id is below it asks about events this server never knew.
	floor uint64
}

// ReplayStats are the replay buffer's figures in /stats.
type ReplayStats struct {
	Buffered int   `json:"buffered"`
	Bytes    int64 `json:"bytes"`
	Resumes  int64 `json:"resumes"`
	Gaps     int64 `json:"gaps"`
	Replayed int64 `json:"replayed"`
}

// stats reads the buffer's figures.
func (l *replayLog) stats() ReplayStats {
	l.mu.Lock()
	n, b := l.ring.len(), l.ring.bytes
	l.mu.Unlock()
	return ReplayStats{Buffered: n, Bytes: b, Resumes: l.resumes.Load(), Gaps: l.gaps.Load(), Replayed: l.replayed.Load()}
}

// newReplayLog returns the log of a server started at now.
func newReplayLog(cfg Config, hub *Hub, now time.Time, log *slog.Logger) *replayLog {
	l := &replayLog{
		hub:   hub,
		log:   log,
		ring:  newReplayRing(cfg.ReplayLen, cfg.ReplayBytes),
		last:  uint64(now.UnixMicro()),
		floor: uint64(now.UnixMicro()),
		path:  cfg.ReplayFile,
	}
	if cfg.ReplayLen > 0 {
		l.maxRecords = 2 * cfg.ReplayLen
		l.maxBytes = 2 * cfg.ReplayBytes
		l.maxLine = int(min(cfg.ReplayBytes, 1<<30)) + 64
	}
	return l
}

// open loads the replay file into the ring, continues the ids after the last
// one on file, and rewrites the file with what the ring kept (which also
// drops a torn last line, so appends start on a line of their own). Lines it
// cannot read are skipped with a warning.
func (l *replayLog) open() error {
	if l.path == "" {
		return nil
	}
	if l.maxRecords == 0 {
		l.log.Warn("replay file ignored: the replay buffer is disabled (--replay 0)", "file", l.path)
		return nil
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	skipped := 0
	loaded := false
	err := loadReplayFile(l.path, l.maxLine, func(m *Message) {
		if !loaded {
			loaded = true
			l.floor = min(l.floor, m.ID-1)
		}
		if m.ID <= l.ring.newest() {
			skipped++
			l.log.Warn("replay file: record out of order skipped", "file", l.path, "id", m.ID)
			return
		}
		l.ring.push(m)
		l.last = max(l.last, m.ID)
	}, func(line int, err error) {
		skipped++
		l.log.Warn("replay file: line skipped", "file", l.path, "line", line, "err", err)
	})
	if err != nil {
		return err
	}
	f, err := createReplayFile(l.path, l.ring.all())
	if err != nil {
		return err
	}
	l.file = f
	l.log.Info("replay file loaded", "file", l.path, "events", l.ring.len(), "skipped", skipped, "next_id", l.last+1)
	return nil
}

// close flushes and closes the replay file.
func (l *replayLog) close() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.file == nil {
		return nil
	}
	err := l.file.close()
	l.file = nil
	return err
}

// publish gives m the next event id, records it, and broadcasts it. A failing
// replay file is logged and abandoned; broadcasting goes on.
func (l *replayLog) publish(m *Message) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.last++
	m.ID = l.last
	l.ring.push(m)
	if l.file != nil {
		l.persist(m)
	}
	l.hub.Publish(m)
}

// persist appends m to the replay file, rewriting the file from the ring once
// it exceeds twice the ring's bounds.
func (l *replayLog) persist(m *Message) {
	err := l.file.append(m)
	if err == nil && (l.file.records > l.maxRecords || l.file.size > l.maxBytes) {
		err = l.file.close()
		if err == nil {
			l.file, err = createReplayFile(l.path, l.ring.all())
		}
	}
	if err != nil {
		l.log.Error("replay file abandoned: events are no longer persisted", "err", err)
		if l.file != nil {
			_ = l.file.close()
		}
		l.file = nil
	}
}

// replayGap is what a resuming client can no longer get: the events after
// LastEventID and before OldestID.
type replayGap struct {
	LastEventID string // as the client sent it
	OldestID    uint64 // the first id the client gets next
}

// replayRound is one step of a resume: the gap (nil: none) and the buffered
// entries after the client's position, the new position, and, once the
// remainder is small, the hub subscription taken in the same critical
// section (subscribed reports the attempt; sub is nil when the hub is closed).
type replayRound struct {
	gap        *replayGap
	entries    []replayEntry
	pos        uint64
	subscribed bool
	sub        *Subscriber
}

// since is one resume step from position pos (the last id the client has),
// where known is false when the client's id is not one of this server's. It
// subscribes when final says the messages to send are few enough.
func (l *replayLog) since(pos uint64, known bool, lastEventID string, final func(n int) bool) replayRound {
	l.mu.Lock()
	defer l.mu.Unlock()
	var r replayRound
	oldest := l.ring.oldest()
	if oldest == 0 {
		oldest = l.last + 1
	}
	// Ids jump across a restart, so a gap is not "pos+1 below the oldest":
	// it is an id this server cannot place, or one below a message the ring
	// has evicted or below what the server ever knew.
	if !known || pos > l.last || pos < l.ring.evicted || pos < l.floor {
		r.gap = &replayGap{LastEventID: lastEventID, OldestID: oldest}
		r.entries = l.ring.all()
	} else {
		r.entries = l.ring.after(pos)
	}
	r.pos = l.last
	if final(len(r.entries)) {
		r.subscribed, r.sub = true, l.hub.Subscribe()
	}
	return r
}

// Broadcast sends m to every subscriber of every transport under the next
// event id, and keeps it for SSE clients that resume (and in the replay file).
// Every publish path goes through here, not through Hub.Publish.
func (s *Server) Broadcast(m *Message) { s.replay.publish(m) }
