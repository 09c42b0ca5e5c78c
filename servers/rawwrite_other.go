//go:build !unix

package servers

import "syscall"

// nonBlockingWriter is not available here: every write of a raw stream goes
// through its flusher, with blocking writes under the write timeout.
type nonBlockingWriter struct{}

func newNonBlockingWriter(syscall.RawConn) *nonBlockingWriter { return nil }

func (*nonBlockingWriter) write([]byte) (int, error) { return 0, nil }

// nonBlockingWrites reports whether nonBlockingWriter works on this platform.
const nonBlockingWrites = false
