//go:build !linux

package clients

import "syscall"

// bindWithoutPort does nothing off Linux: the kernel there picks a bound
// socket's port at bind.
func bindWithoutPort(string, string, syscall.RawConn) error { return nil }
