//go:build unix

package servers

import (
	"errors"
	"syscall"
)

// writeNonBlocking makes one write(2) of b to the socket behind rc, which Go
// keeps non-blocking, and returns how much it took: 0 with no error when the
// socket buffer is full. It never waits, so the hub can write to thousands
// of connections from one goroutine without a slow one holding it up.
func writeNonBlocking(rc syscall.RawConn, b []byte) (int, error) {
	var n int
	var werr error
	if err := rc.Write(func(fd uintptr) bool {
		n, werr = syscall.Write(int(fd), b)
		return true // never wait for the socket to drain: the flusher does
	}); err != nil {
		return 0, err
	}
	switch {
	case errors.Is(werr, syscall.EAGAIN), errors.Is(werr, syscall.EINTR):
		return 0, nil
	case werr != nil:
		return 0, werr
	}
	return max(n, 0), nil
}

// nonBlockingWrites reports whether writeNonBlocking works on this platform.
const nonBlockingWrites = true
