package target

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// servingPIDs are the process ids of the children that printed "child:
// serving pid N" to stderr.
func servingPIDs(t *testing.T, stderr string) []int {
	t.Helper()
	var pids []int
	for _, m := range regexp.MustCompile(`child: serving pid (\d+)`).FindAllStringSubmatch(stderr, -1) {
		pid, err := strconv.Atoi(m[1])
		if err != nil {
			t.Fatal(err)
		}
		pids = append(pids, pid)
	}
	return pids
}

// alive reports whether process pid exists (a reaped child does not).
func alive(pid int) bool { return syscall.Kill(pid, 0) == nil }

func TestStartGroupStartsEachOnItsOwnPortAndStopsAll(t *testing.T) {
	stderr := newSyncBuffer("")
	cfgs := make([]ProcessConfig, 3)
	for i := range cfgs {
		cfgs[i] = childConfig(t, "serve", stderr)
		cfgs[i].Name = fmt.Sprintf("member %d", i+1)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	g, err := StartGroup(ctx, cfgs)
	if err != nil {
		t.Fatal(err)
	}
	bases, pids := g.Bases(), g.PIDs()
	if len(g.Members()) != 3 || len(slices.Compact(slices.Sorted(slices.Values(bases)))) != 3 || len(slices.Compact(slices.Sorted(slices.Values(pids)))) != 3 {
		t.Fatalf("members %d, bases %q, pids %v: want three distinct", len(g.Members()), bases, pids)
	}
	for i, b := range bases {
		if pids[i] <= 0 {
			t.Errorf("member %d pid %d", i+1, pids[i])
		}
		if err := healthz(b, 5*time.Second); err != nil {
			t.Errorf("member %d at %s: %v", i+1, b, err)
		}
	}
	if err := g.Stop(ctx); err != nil {
		t.Fatalf("stop: %v", err)
	}
	for i, pid := range g.PIDs() {
		if pid != 0 {
			t.Errorf("member %d still has pid %d after Stop", i+1, pid)
		}
	}
	if n := strings.Count(stderr.String(), "child: graceful shutdown"); n != 3 {
		t.Errorf("%d graceful shutdowns, want 3:\n%s", n, stderr.String())
	}
}

// TestStartGroupStopsTheOthersWhenOneFails: a member that exits before
// announcing fails the start, the error names it, and no other member is
// left running.
func TestStartGroupStopsTheOthersWhenOneFails(t *testing.T) {
	stderr := newSyncBuffer("")
	modes := []string{"serve", "exit", "serve", "serve"}
	cfgs := make([]ProcessConfig, len(modes))
	for i, mode := range modes {
		cfgs[i] = childConfig(t, mode, stderr)
		cfgs[i].Name = fmt.Sprintf("member %d", i+1)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	g, err := StartGroup(ctx, cfgs)
	if err == nil {
		_ = g.Stop(ctx)
		t.Fatal("started a group with a member that exits")
	}
	pe := phaseError(t, err)
	if pe.Command != "member 2" || pe.Phase != PhaseAnnounce || !errors.Is(err, errExitedEarly) {
		t.Fatalf("error %v: want member 2 failing to announce", err)
	}
	if strings.Contains(err.Error(), "context canceled") {
		t.Errorf("error %q names members cancelled because of the failure", err)
	}
	for _, pid := range servingPIDs(t, stderr.String()) {
		if alive(pid) {
			t.Errorf("child %d still runs after the failed start", pid)
			_ = syscall.Kill(pid, syscall.SIGKILL)
		}
	}
}

func TestStartGroupOfNoneIsRefused(t *testing.T) {
	if _, err := StartGroup(context.Background(), nil); err == nil {
		t.Fatal("started an empty group")
	}
}

// TestStartBuiltinsNamesEachServer: several builtin servers are named "builtin
// server I of N" in errors; one is the single "builtin server" it always was.
func TestStartBuiltinsNamesEachServer(t *testing.T) {
	for _, tc := range []struct {
		n    int
		want string
	}{
		{1, "builtin server: announce address"},
		{2, " of 2: announce address"},
	} {
		t.Run(strconv.Itoa(tc.n), func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			o := BuiltinOptions{Executable: testBinary(t), Env: []string{childEnv + "=exit", raceExitNow}}
			g, err := StartBuiltins(ctx, o, tc.n)
			if err == nil {
				_ = g.Stop(ctx)
				t.Fatal("started builtin servers that exit")
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %q lacks %q", err, tc.want)
			}
		})
	}
}

func TestStartBuiltinsServesEach(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	o := BuiltinOptions{Executable: testBinary(t), Env: []string{childEnv + "=serve", raceExitNow}, Stderr: newSyncBuffer("")}
	g, err := StartBuiltins(ctx, o, 2)
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		if err := g.Stop(ctx); err != nil {
			t.Errorf("stop: %v", err)
		}
	}()
	if b := g.Bases(); len(b) != 2 || b[0] == b[1] {
		t.Fatalf("bases %q", b)
	}
	for _, b := range g.Bases() {
		if err := healthz(b, 5*time.Second); err != nil {
			t.Errorf("%s: %v", b, err)
		}
	}
}
