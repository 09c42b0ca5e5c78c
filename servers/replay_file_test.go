package servers

import (
	"bytes"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/pushbench/pushbench/internal/wire"
)

var replayT0 = time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)

// openReplayLog opens a replay log on path as a server started at now would,
// logging to logBuf.
func openReplayLog(t *testing.T, cfg Config, path string, now time.Time, logBuf *bytes.Buffer) *replayLog {
	t.Helper()
	cfg.ReplayFile = path
	cfg = cfg.withDefaults()
	l := newReplayLog(cfg, NewHub(cfg.QueueLen, cfg.QueueBytes, cfg.SlowPolicy), now, slog.New(slog.NewTextHandler(logBuf, nil)))
	if err := l.open(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = l.close() })
	return l
}

func publishN(l *replayLog, from, n int) {
	for i := from; i < from+n; i++ {
		l.publish(NewMessage(wire.Envelope{Seq: uint64(i), TS: int64(i), Data: "payload"}))
	}
}

func seqs(entries []replayEntry) []uint64 {
	out := make([]uint64, len(entries))
	for i, e := range entries {
		env, err := wire.DecodeEnvelope(e.json)
		if err != nil {
			panic(err)
		}
		out[i] = env.Seq
	}
	return out
}

func fileLines(t *testing.T, path string) []string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.SplitAfter(string(b), "\n")
	return lines[:len(lines)-1] // each with its newline
}

// TestReplayFileSurvivesAHardStop: a log that is never closed (as after
// SIGKILL) leaves every broadcast on file; the next one continues from it.
func TestReplayFileSurvivesAHardStop(t *testing.T) {
	path := filepath.Join(t.TempDir(), "replay")
	var logs bytes.Buffer
	first := openReplayLog(t, Config{ReplayLen: 10}, path, replayT0, &logs)
	publishN(first, 1, 25)
	lastID := first.last

	// The next process starts "earlier" by its clock: ids still continue.
	second := openReplayLog(t, Config{ReplayLen: 10}, path, replayT0.Add(-time.Hour), &logs)
	if got := seqs(second.ring.all()); !equalIDs(got, []uint64{16, 17, 18, 19, 20, 21, 22, 23, 24, 25}) {
		t.Fatalf("reloaded seqs %v", got)
	}
	if second.last != lastID || second.ring.newest() != lastID {
		t.Fatalf("last id %d, newest %d, want %d", second.last, second.ring.newest(), lastID)
	}
	for i, e := range second.ring.all() {
		if e.id != lastID-9+uint64(i) || !strings.HasPrefix(string(e.sse), "id: "+idString(e.id)+"\n") {
			t.Fatalf("message %d: id %d frame %q", i, e.id, e.sse)
		}
	}
	publishN(second, 26, 1)
	if second.ring.newest() != lastID+1 {
		t.Fatalf("next id %d, want %d", second.ring.newest(), lastID+1)
	}
	if strings.Contains(logs.String(), "skipped\"") || strings.Contains(logs.String(), "level=WARN") {
		t.Fatalf("warnings on a clean file: %s", logs.String())
	}

	// A later start on the wall clock keeps its own, larger origin.
	third := openReplayLog(t, Config{ReplayLen: 10}, path, replayT0.Add(time.Hour), &logs)
	if third.last != uint64(replayT0.Add(time.Hour).UnixMicro()) {
		t.Fatalf("origin %d, want the start time", third.last)
	}
}

func TestReplayFileSkipsACorruptTail(t *testing.T) {
	path := filepath.Join(t.TempDir(), "replay")
	var logs bytes.Buffer
	first := openReplayLog(t, Config{ReplayLen: 100}, path, replayT0, &logs)
	publishN(first, 1, 5)
	lines := fileLines(t, path)
	// A flipped byte in record 2 and a record torn by a kill mid-write.
	corrupt := lines[0] + strings.Replace(lines[1], "payload", "paYload", 1) + strings.Join(lines[2:], "") + lines[4][:len(lines[4])/2]
	if err := os.WriteFile(path, []byte(corrupt), 0o600); err != nil {
		t.Fatal(err)
	}

	second := openReplayLog(t, Config{ReplayLen: 100}, path, replayT0, &logs)
	if got := seqs(second.ring.all()); !equalIDs(got, []uint64{1, 3, 4, 5}) {
		t.Fatalf("reloaded seqs %v, want 1 3 4 5", got)
	}
	if n := strings.Count(logs.String(), "replay file: line skipped"); n != 2 {
		t.Fatalf("%d skip warnings, want 2:\n%s", n, logs.String())
	}
	// The rewrite at open dropped the torn line, so appends stay readable.
	publishN(second, 6, 1)
	logs.Reset()
	third := openReplayLog(t, Config{ReplayLen: 100}, path, replayT0, &logs)
	if got := seqs(third.ring.all()); !equalIDs(got, []uint64{1, 3, 4, 5, 6}) {
		t.Fatalf("after append, seqs %v", got)
	}
	if strings.Contains(logs.String(), "level=WARN") {
		t.Fatalf("warnings after the rewrite: %s", logs.String())
	}
}

func TestReplayFileStaysBounded(t *testing.T) {
	tests := []struct {
		name     string
		cfg      Config
		maxLines int
		maxBytes int64
	}{
		{"by count", Config{ReplayLen: 10}, 20, 1 << 20},
		{"by bytes", Config{ReplayLen: 100000, ReplayBytes: 8 << 10}, 1 << 20, 2*8<<10 + 256},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "replay")
			var logs bytes.Buffer
			l := openReplayLog(t, tt.cfg, path, replayT0, &logs)
			for i := 1; i <= 2000; i++ {
				publishN(l, i, 1)
				st, err := os.Stat(path)
				if err != nil {
					t.Fatal(err)
				}
				if l.file.records > tt.maxLines || st.Size() > tt.maxBytes || st.Size() != l.file.size {
					t.Fatalf("after %d: %d records, %d bytes on disk (%d counted)", i, l.file.records, st.Size(), l.file.size)
				}
			}
			again := openReplayLog(t, tt.cfg, path, replayT0, &logs)
			if !equalIDs(ringIDs(again.ring.all()), ringIDs(l.ring.all())) {
				t.Fatalf("reloaded %v, ring had %v", ringIDs(again.ring.all()), ringIDs(l.ring.all()))
			}
			if tmps, _ := filepath.Glob(path + ".*.tmp"); len(tmps) > 0 {
				t.Fatalf("temporary files left: %v", tmps)
			}
		})
	}
}

func TestReplayFileInMissingDirectoryFails(t *testing.T) {
	cfg := Config{ReplayFile: filepath.Join(t.TempDir(), "no", "such", "dir", "replay")}.withDefaults()
	l := newReplayLog(cfg, NewHub(1, 0, SlowDrop), replayT0, slog.New(slog.DiscardHandler))
	if err := l.open(); err == nil || !strings.Contains(err.Error(), "replay file") {
		t.Fatalf("open: %v, want a replay file error", err)
	}
}

func idString(id uint64) string { return strconv.FormatUint(id, 10) }

// TestNoFalseGapAcrossARestart: ids jump when a server restarts on its replay
// file, so a client resuming from the old process's last id has missed only
// what the new one published, all of it buffered: no gap. Once the buffer
// has evicted a message newer than the client's id, it is a gap.
func TestNoFalseGapAcrossARestart(t *testing.T) {
	path := filepath.Join(t.TempDir(), "replay")
	var logBuf bytes.Buffer
	cfg := Config{ReplayLen: 3}
	first := openReplayLog(t, cfg, path, replayT0, &logBuf)
	publishN(first, 1, 2)
	last := first.last
	first.close()

	second := openReplayLog(t, cfg, path, replayT0.Add(time.Hour), &logBuf)
	publishN(second, 3, 3) // evicts 1 and 2, the client's last one included
	r := second.since(last, true, "", func(int) bool { return false })
	if r.gap != nil || !slices.Equal(seqs(r.entries), []uint64{3, 4, 5}) {
		t.Fatalf("resume from the old process's last id: gap %+v, entries %v; want no gap and 3, 4, 5", r.gap, seqs(r.entries))
	}
	r = second.since(last-1, true, "", func(int) bool { return false })
	if r.gap == nil {
		t.Fatalf("resume from before an evicted message (2): no gap")
	}
	publishN(second, 6, 1) // evicts 3
	r = second.since(last, true, "", func(int) bool { return false })
	if r.gap == nil {
		t.Fatalf("resume after 3 was evicted: no gap")
	}
}
