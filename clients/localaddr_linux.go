package clients

import "syscall"

// ipBindAddressNoPort is Linux's IP_BIND_ADDRESS_NO_PORT (include/uapi/linux/in.h),
// missing from syscall on most architectures.
const ipBindAddressNoPort = 0x18

// bindWithoutPort asks the kernel to choose a bound socket's port at connect,
// from the whole 4-tuple, rather than at bind from the local address alone:
// otherwise every connection from one source address would need a port of
// its own across all destinations. Best effort: a kernel without the option
// (before 4.2) binds as usual.
func bindWithoutPort(_, _ string, c syscall.RawConn) error {
	return c.Control(func(fd uintptr) {
		_ = syscall.SetsockoptInt(int(fd), syscall.IPPROTO_IP, ipBindAddressNoPort, 1)
	})
}
