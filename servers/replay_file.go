package servers

import (
	"bufio"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/pushbench/pushbench/internal/wire"
)

// replayFile is the on-disk copy of the replay buffer (--replay-file), so a
// server killed outright and started again on the same file resumes its SSE
// clients without loss. Each broadcast is appended and flushed at once (the
// page cache survives SIGKILL, so no fsync); when the file outgrows twice the
// buffer's bounds it is rewritten with just the buffer's content.
type replayFile struct {
	path    string
	f       *os.File
	w       *bufio.Writer
	size    int64 // bytes in the file
	records int   // records in the file
	scratch []byte
}

// loadReplayFile reads the records of path (a missing file is an empty one),
// calling each for every valid record and bad for every skipped line.
func loadReplayFile(path string, maxLine int, each func(*Message), bad func(line int, err error)) error {
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("replay file: %w", err)
	}
	defer f.Close()
	err = readReplayRecords(f, maxLine, func(id uint64, env wire.Envelope) {
		m := NewMessage(env)
		m.ID = id
		each(m)
	}, bad)
	if err != nil {
		return fmt.Errorf("replay file %s: %w", path, err)
	}
	return nil
}

// createReplayFile writes entries to path, replacing it atomically (a new file
// renamed over the old one, so a kill mid-way leaves one or the other), and
// returns it open for appending.
func createReplayFile(path string, entries []replayEntry) (*replayFile, error) {
	tmp, err := os.CreateTemp(filepath.Dir(path), filepath.Base(path)+".*.tmp")
	if err != nil {
		return nil, fmt.Errorf("replay file: %w", err)
	}
	rf := &replayFile{path: path, f: tmp, w: bufio.NewWriterSize(tmp, 64<<10)}
	for _, e := range entries {
		rf.scratch = appendReplayRecord(rf.scratch[:0], e.id, e.json)
		if _, err := rf.w.Write(rf.scratch); err != nil {
			return nil, rf.abandon(tmp, err)
		}
		rf.size += int64(len(rf.scratch))
		rf.records++
	}
	if err := rf.w.Flush(); err != nil {
		return nil, rf.abandon(tmp, err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return nil, rf.abandon(tmp, err)
	}
	return rf, nil
}

func (rf *replayFile) abandon(tmp *os.File, err error) error {
	_ = tmp.Close()
	_ = os.Remove(tmp.Name())
	return fmt.Errorf("replay file %s: %w", rf.path, err)
}

// append writes one record and flushes it to the kernel.
func (rf *replayFile) append(m *Message) error {
	rf.scratch = appendReplayRecord(rf.scratch[:0], m.ID, m.JSON)
	if _, err := rf.w.Write(rf.scratch); err != nil {
		return fmt.Errorf("replay file %s: %w", rf.path, err)
	}
	if err := rf.w.Flush(); err != nil {
		return fmt.Errorf("replay file %s: %w", rf.path, err)
	}
	rf.size += int64(len(rf.scratch))
	rf.records++
	return nil
}

// close flushes and closes the file.
func (rf *replayFile) close() error {
	err := errors.Join(rf.w.Flush(), rf.f.Close())
	if err != nil {
		return fmt.Errorf("replay file %s: %w", rf.path, err)
	}
	return nil
}
