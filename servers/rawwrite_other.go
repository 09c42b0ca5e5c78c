//go:build !unix

package servers

import "syscall"

// writeNonBlocking is not available here: every write of a raw stream goes
// through its flusher, with blocking writes under the write timeout.
func writeNonBlocking(syscall.RawConn, []byte) (int, error) { return 0, nil }

// nonBlockingWrites reports whether writeNonBlocking works on this platform.
const nonBlockingWrites = false
