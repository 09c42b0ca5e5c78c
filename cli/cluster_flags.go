package cli

import (
	"cmp"
	"errors"
	"flag"
	"fmt"
	"net"
	"slices"
	"strconv"
	"strings"

	"github.com/pushbench/pushbench/results"
	"github.com/pushbench/pushbench/scenarios"
)

// clusterFlags are the flags of a coordinated run: the scenario's
// connections split over worker processes that run one plan with one
// publisher, merged into one result (package cluster).
type clusterFlags struct {
	procs      int    // --procs: local worker processes
	workers    int    // --workers: workers started elsewhere, which join at --listen
	listen     string // --listen: where workers connect
	coordinate bool   // the command is pushbench coordinate

	settings scenarios.Workers // resolved by check: the scenarios' workers block and the flags
}

func (f *clusterFlags) register(fs *flagSet) {
	if !f.coordinate { // pushbench coordinate waits for workers started elsewhere
		fs.IntVar(&f.procs, "procs", 0, "split each transport's connections over N local worker processes under one coordinator: one plan, one publisher, one merged result (scenarios: workers.procs; default 0: no workers, this process loads the target)")
	}
	fs.IntVar(&f.workers, "workers", 0, "coordinate N workers started elsewhere (pushbench worker --coordinator HOST:PORT --index I) instead of loading the target from this process; needs --listen")
	fs.StringVar(&f.listen, "listen", "", "with --workers: the address workers connect to, e.g. 127.0.0.1:7000, or :7000 on every interface (needs --allow-remote)")
}

// coordinated reports whether the run is split over workers.
func (f *clusterFlags) coordinated() bool { return f.settings.Procs > 0 || f.workers > 0 }

// count is how many workers the run has.
func (f *clusterFlags) count() int {
	if f.workers > 0 {
		return f.workers
	}
	return f.settings.Procs
}

// check resolves and validates the coordinated-run settings of the flags and
// the scenarios' workers blocks: one set for all scenarios (they share the
// workers), nothing a coordinated run cannot do, a listen address on
// loopback unless allowed. pushbench coordinate's --target replaces the
// scenarios' target.
func (f *clusterFlags) check(fs *flagSet, scs []*scenarios.Scenario, worker results.Worker, target []string, allowRemote bool) error {
	set := map[string]bool{}
	fs.Visit(func(fl *flag.Flag) { set[fl.Name] = true })
	var blocks []scenarios.Workers
	var from []string // the scenario each distinct block came from
	for _, sc := range scs {
		w := sc.Workers
		if set["procs"] || f.coordinate {
			w.Procs = 0 // the flag, or workers started elsewhere, decide
		}
		if !slices.Contains(blocks, w) {
			blocks = append(blocks, w)
			from = append(from, cmp.Or(sc.File, sc.Name))
		}
	}
	if len(blocks) > 1 {
		return fmt.Errorf("the workers blocks of %s (%s) and %s (%s) differ: one run's scenarios share its workers; run them separately",
			from[0], blocks[0], from[1], blocks[1])
	}
	if len(blocks) == 1 {
		f.settings = blocks[0]
	}
	if set["procs"] {
		f.settings.Procs = f.procs
	}
	switch {
	case set["procs"] && (f.procs < 1 || f.procs > scenarios.MaxProcs):
		return fmt.Errorf("--procs %d: want 1 to %d local worker processes", f.procs, scenarios.MaxProcs)
	case f.procs < 0 || f.procs > scenarios.MaxProcs:
		return fmt.Errorf("--procs %d: want 1 to %d local worker processes", f.procs, scenarios.MaxProcs)
	case f.workers < 0:
		return fmt.Errorf("--workers %d: must not be negative", f.workers)
	case f.coordinate && f.workers == 0:
		return errors.New("--workers N is required: how many workers will join")
	case f.workers > 0 && f.settings.Procs > 0:
		return fmt.Errorf("--workers %d waits for workers started elsewhere, --procs (or workers.procs) %d starts local ones: give one", f.workers, f.settings.Procs)
	case f.workers > 0 && f.listen == "":
		return fmt.Errorf("--workers %d needs --listen HOST:PORT: where the workers connect", f.workers)
	case f.listen != "" && f.workers == 0:
		return errors.New("--listen applies to --workers N (local --procs workers connect to an address of their own)")
	}
	if !f.coordinated() {
		return nil
	}
	if worker.Count > 1 {
		return fmt.Errorf("--worker %d/%d labels one process of a run merged later; a coordinated run (--procs, --workers) splits and merges by itself: drop --worker", worker.Index, worker.Count)
	}
	if f.listen != "" {
		if err := checkListenAddr(f.listen, allowRemote); err != nil {
			return err
		}
	}
	for _, sc := range scs {
		if err := f.checkScenario(sc, set["target"], target); err != nil {
			return scenarioError(sc, err)
		}
	}
	return nil
}

// checkScenario refuses what a coordinated run cannot do with sc, and
// applies coordinate's --target.
func (f *clusterFlags) checkScenario(sc *scenarios.Scenario, targetSet bool, target []string) error {
	switch {
	case sc.FindMax != nil:
		return errors.New("find_max runs in one process (each step's rate depends on the last outcome): not in a coordinated run (--procs, --workers, workers.procs)")
	case len(sc.Faults) > 0:
		return errors.New("faults run on one process's timeline: not in a coordinated run (--procs, --workers, workers.procs)")
	}
	if f.coordinate && targetSet && sc.File != "" {
		builtin := len(target) == 1 && target[0] == builtinTarget
		sc.Target.Builtin, sc.Target.URL = builtin, scenarios.URLList(target)
		if builtin {
			sc.Target.URL = nil
		}
		if err := sc.Check(); err != nil {
			return fmt.Errorf("--target %s: %w", strings.Join(target, ","), err)
		}
	}
	if host, _, err := net.SplitHostPort(f.listen); err == nil && f.listen != "" && !isLoopbackHost(host) && sc.WithDefaults().Target.Builtin {
		return fmt.Errorf("target builtin starts the server on this machine's loopback, which workers on other machines (--listen %s) cannot reach: give the server's address (--target URL, target.url)", f.listen)
	}
	return nil
}

// checkListenAddr refuses a listen address that is not HOST:PORT, or one
// other machines can reach without --allow-remote: anyone who can connect
// may join as a worker, and the protocol is not authenticated.
func checkListenAddr(addr string, allowRemote bool) error {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("--listen %q: want HOST:PORT, e.g. 127.0.0.1:7000: %w", addr, err)
	}
	if n, err := strconv.ParseUint(port, 10, 16); err != nil || (n == 0 && port != "0") {
		return fmt.Errorf("--listen %q: port %q: want a number from 0 to 65535 (0: any free port)", addr, port)
	}
	if !allowRemote && !isLoopbackHost(host) {
		where := fmt.Sprintf("host %q is not loopback", host)
		if host == "" {
			where = "it listens on every interface"
		}
		return fmt.Errorf("--listen %q: %s: workers on other machines could join, and the protocol is not authenticated; add --allow-remote if this network is yours", addr, where)
	}
	return nil
}
