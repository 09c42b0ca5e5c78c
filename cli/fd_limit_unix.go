//go:build unix

package cli

import "syscall"

// descriptorLimit is this process's hard limit on open files (0: unknown).
func descriptorLimit() uint64 {
	var rl syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &rl); err != nil {
		return 0
	}
	return rl.Max
}
