package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// usage is what one tool's run cost: CPU seconds (user+sys) of the process
// and every descendant it waited for (Artillery's workers, Erlang's VM), and
// the peak of the summed RSS of its process tree, sampled every 50 ms.
type usage struct {
	cpu     time.Duration
	peakRSS int64
	wall    time.Duration
}

// measured runs cmd to its end (or ctx's) and reports what it cost.
func measured(ctx context.Context, cmd *exec.Cmd) (usage, error) {
	start := time.Now()
	if err := cmd.Start(); err != nil {
		return usage{}, err
	}
	done := make(chan struct{})
	peak := make(chan int64, 1)
	go func() {
		var max int64
		tick := time.NewTicker(50 * time.Millisecond)
		defer tick.Stop()
		for {
			if rss := treeRSS(cmd.Process.Pid); rss > max {
				max = rss
			}
			select {
			case <-done:
				peak <- max
				return
			case <-tick.C:
			}
		}
	}()
	err := cmd.Wait()
	close(done)
	u := usage{peakRSS: <-peak, wall: time.Since(start)}
	if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
		u.cpu = time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
		// A single process's peak can exceed the sampled sum between ticks.
		u.peakRSS = max(u.peakRSS, ru.Maxrss<<10)
	}
	if ctx.Err() != nil {
		return u, fmt.Errorf("%s: stopped after %s: %w", cmd.Path, u.wall.Round(time.Second), ctx.Err())
	}
	return u, err
}

// treeRSS sums the resident memory of pid and its descendants now.
func treeRSS(root int) int64 {
	parent := map[int]int{}
	rss := map[int]int64{}
	dirs, _ := filepath.Glob("/proc/[0-9]*")
	for _, d := range dirs {
		pid, err := strconv.Atoi(filepath.Base(d))
		if err != nil {
			continue
		}
		b, err := os.ReadFile(d + "/stat")
		if err != nil {
			continue
		}
		// Fields after the command name, which is in parentheses and may hold spaces.
		i := strings.LastIndexByte(string(b), ')')
		if i < 0 {
			continue
		}
		f := strings.Fields(string(b[i+1:]))
		if len(f) < 22 {
			continue
		}
		ppid, _ := strconv.Atoi(f[1])
		pages, _ := strconv.ParseInt(f[21], 10, 64)
		parent[pid], rss[pid] = ppid, pages*int64(os.Getpagesize())
	}
	var sum int64
	for pid, r := range rss {
		for p := pid; p > 1; p = parent[p] {
			if p == root {
				sum += r
				break
			}
		}
	}
	return sum
}
