//go:build unix

package servers

import (
	"errors"
	"syscall"
)

// nonBlockingWriter makes single write(2) calls to the socket behind a
// RawConn, which Go keeps non-blocking: the hub can write to thousands of
// connections from one goroutine without a slow one holding it up. Its
// callback is made once, so a write allocates nothing; one writer serves one
// connection, and its caller serialises the calls.
type nonBlockingWriter struct {
	rc  syscall.RawConn
	b   []byte
	n   int
	err error
	f   func(fd uintptr) bool
}

func newNonBlockingWriter(rc syscall.RawConn) *nonBlockingWriter {
	w := &nonBlockingWriter{rc: rc}
	w.f = func(fd uintptr) bool {
		w.n, w.err = syscall.Write(int(fd), w.b)
		return true // never wait for the socket to drain: the flusher does
	}
	return w
}

// write makes one write of b and returns how much it took: 0 with no error
// when the socket buffer is full.
func (w *nonBlockingWriter) write(b []byte) (int, error) {
	w.b, w.n, w.err = b, 0, nil
	err := w.rc.Write(w.f)
	w.b = nil
	if err != nil {
		return 0, err
	}
	switch {
	case errors.Is(w.err, syscall.EAGAIN), errors.Is(w.err, syscall.EINTR):
		return 0, nil
	case w.err != nil:
		return 0, w.err
	}
	return max(w.n, 0), nil
}

// nonBlockingWrites reports whether nonBlockingWriter works on this platform.
const nonBlockingWrites = true
