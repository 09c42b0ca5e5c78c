package target

import (
	"bytes"
	"fmt"
	"net/url"
	"sort"
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

// parseAnnouncement returns the URLs of a "listening on URL [NAME=URL ...]"
// line: the base URL, then the URL of each transport on a listener of its
// own (pushbench serve announces "tcp=tcp://HOST:PORT"), which a child that
// has none leaves out.
func parseAnnouncement(line string) (URLs, error) {
	raw, ok := strings.CutPrefix(line, announcePrefix)
	if !ok {
		return URLs{}, fmt.Errorf("first stdout line %q does not start with %q", line, announcePrefix)
	}
	fields := strings.Fields(raw)
	if len(fields) == 0 {
		return URLs{}, fmt.Errorf("first stdout line %q: want %shttp://host:port", line, announcePrefix)
	}
	u, err := url.Parse(fields[0])
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return URLs{}, fmt.Errorf("first stdout line %q: want %shttp://host:port", line, announcePrefix)
	}
	urls := URLs{Base: strings.TrimSuffix(fields[0], "/")}
	for _, f := range fields[1:] {
		name, raw, ok := strings.Cut(f, "=")
		tu, err := url.Parse(raw)
		if !ok || name == "" || err != nil || tu.Scheme == "" || tu.Host == "" {
			return URLs{}, fmt.Errorf("first stdout line %q: %q is not NAME=SCHEME://host:port", line, f)
		}
		if urls.Transports == nil {
			urls.Transports = map[string]string{}
		}
		urls.Transports[name] = raw
	}
	return urls, nil
}

// Announcement is the first stdout line a child prints once it accepts
// connections at urls (pushbench serve prints it), as Start reads it.
func Announcement(urls URLs) string {
	line := announcePrefix + urls.Base
	names := make([]string, 0, len(urls.Transports))
	for name := range urls.Transports {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		line += " " + name + "=" + urls.Transports[name]
	}
	return line
}
