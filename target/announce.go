package target

import (
	"bytes"
	"fmt"
	"net/url"
	"strings"
	"sync"
)

// announcePrefix starts the first stdout line of a child that is ready.
const announcePrefix = "listening on "

// maxAnnounce bounds the first line kept; a longer one is cut there.
const maxAnnounce = 4096

// announceWriter is a child's stdout: it keeps the first line, hands it over
// once, and discards the rest, so a chatty child never blocks on a full pipe.
type announceWriter struct {
	mu    sync.Mutex
	buf   []byte
	first chan string // receives the first line, once
	sent  bool
}

func newAnnounceWriter() *announceWriter { return &announceWriter{first: make(chan string, 1)} }

func (w *announceWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.sent {
		return len(p), nil
	}
	w.buf = append(w.buf, p...)
	end := bytes.IndexByte(w.buf, '\n')
	if end < 0 && len(w.buf) >= maxAnnounce {
		end = maxAnnounce
	}
	if end >= 0 {
		w.buf = w.buf[:end]
		w.first <- strings.TrimSuffix(string(w.buf), "\r")
		w.sent = true
	}
	return len(p), nil
}

// printed is what the child wrote before its first newline, for errors.
func (w *announceWriter) printed() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return strings.TrimSuffix(string(w.buf), "\r")
}

// parseAnnouncement returns the base URL of a "listening on URL" line.
func parseAnnouncement(line string) (string, error) {
	raw, ok := strings.CutPrefix(line, announcePrefix)
	if !ok {
		return "", fmt.Errorf("first stdout line %q does not start with %q", line, announcePrefix)
	}
	raw = strings.TrimSpace(raw)
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return "", fmt.Errorf("first stdout line %q: want %shttp://host:port", line, announcePrefix)
	}
	return strings.TrimSuffix(raw, "/"), nil
}
