package results

// Resources is what one worker's run of one transport cost the load
// generator and, when the server ran on the same machine as a process
// pushbench could read (a builtin target), the server: CPU time, resident
// memory before connecting and while the connections were held, and
// goroutines while held. A server figure pushbench could not read is
// omitted, never 0. A worker of a coordinated run records no server
// figures (it holds only its share of the connections the server holds):
// the coordinator does, in the merged result's ServerResources.
type Resources struct {
	Worker int `json:"worker"`
	// Held is how many connections were open when memory and goroutines
	// were read, in the middle of the measured window (0: not read, e.g. a
	// run interrupted before then, or a pattern that holds none).
	Held int64 `json:"connections_held"`
	// Deliveries are the measured messages received during the measured
	// window (echo: round trips completed), the divisor of CPU per delivery.
	Deliveries int64 `json:"deliveries_in_window,omitempty"`
	// GeneratorCPU is the load generator's own user+system CPU time.
	GeneratorCPU CPUTime `json:"generator_cpu"`
	// ServerCPU is the server process's, read from /proc/PID/stat; absent
	// when the server is not a local process, or was restarted during the
	// run (two processes are not added up).
	ServerCPU *CPUTime `json:"server_cpu,omitempty"`
	// Resident memory before the first connection opened and while they
	// were held. Before is 0 in results from before it was recorded.
	GeneratorRSSBefore int64 `json:"generator_rss_before_bytes,omitempty"`
	GeneratorRSS       int64 `json:"generator_rss_bytes"`
	ServerRSSBefore    int64 `json:"server_rss_before_bytes,omitempty"`
	ServerRSSHeld      int64 `json:"server_rss_held_bytes,omitempty"`
	// Goroutines while held: the generator's own count, and the server's
	// from its GET /stats (a pushbench server only).
	GeneratorGoroutines int64 `json:"generator_goroutines,omitempty"`
	ServerGoroutines    int64 `json:"server_goroutines,omitempty"`
}

// CPUTime is a process's user+system CPU seconds over the measured window
// and over the whole run of one transport (preflight, connecting, warm-up,
// the window, drain and closing).
type CPUTime struct {
	Window float64 `json:"window_seconds"`
	Run    float64 `json:"run_seconds"`
}

// perConn is the growth from before to held per held connection, never
// negative; ok is false when either reading is missing.
func perConn(before, held, conns int64) (float64, bool) {
	if conns <= 0 || before <= 0 || held <= 0 {
		return 0, false
	}
	return float64(max(held-before, 0)) / float64(conns), true
}

// ServerBytesPerConn is the server's resident memory growth per held
// connection, or 0 when unknown.
func (r Resources) ServerBytesPerConn() float64 {
	v, _ := perConn(r.ServerRSSBefore, r.ServerRSSHeld, r.Held)
	return v
}

// GeneratorBytesPerConn is the generator's resident memory growth per held
// connection, or 0 when unknown.
func (r Resources) GeneratorBytesPerConn() float64 {
	v, _ := perConn(r.GeneratorRSSBefore, r.GeneratorRSS, r.Held)
	return v
}

// ResourceTotals are a transport's resource figures over every worker. Each
// worker is its own generator process, so its CPU seconds, connections,
// deliveries, memory growth and goroutines add. The server's figures come
// from two kinds of reading, each counted once: a worker's own (a
// single-process run, or a --worker i/n run that drove its own builtin
// server), and a coordinator's record (ServerResources) of the server all
// the workers of a coordinated run shared, which replaces the server fields
// of the workers it covers. Per-connection and per-delivery figures divide
// the sums by every worker's connections and deliveries. A server figure is
// known only when every reading has it.
type ResourceTotals struct {
	Held       int64
	Deliveries int64

	GeneratorCPU CPUTime
	ServerCPU    CPUTime
	ServerCPUOK  bool

	GeneratorBytesPerConn   float64
	GeneratorBytesPerConnOK bool
	ServerBytesPerConn      float64
	ServerBytesPerConnOK    bool

	GeneratorGoroutines int64 // 0: unknown
	ServerGoroutines    int64 // 0: unknown

	// ServerReadings is how many readings the server's figures add up: 1
	// when one server (or one coordinated run's servers) was read once, so
	// ServerRSSBefore and ServerRSSHeld, the sums read, describe it alone.
	ServerReadings                 int
	ServerRSSBefore, ServerRSSHeld int64
}

// rssGrowth is resident memory growth from before to held, never negative; ok
// is false when either reading is missing.
func rssGrowth(before, held int64) (int64, bool) {
	if before <= 0 || held <= 0 {
		return 0, false
	}
	return max(held-before, 0), true
}

// ResourceTotals adds up the workers' resource figures and the
// coordinator's server records; ok is false when the result records none (a
// result from before they were recorded).
func (r *TransportResult) ResourceTotals() (t ResourceTotals, ok bool) {
	if len(r.Resources) == 0 {
		return t, false
	}
	t.ServerCPUOK, t.GeneratorBytesPerConnOK, t.ServerBytesPerConnOK = true, true, true
	var genGrowth, srvGrowth float64
	server := func(cpu *CPUTime, before, held, goroutines int64, conns bool) {
		t.ServerReadings++
		if cpu != nil {
			t.ServerCPU.Window += cpu.Window
			t.ServerCPU.Run += cpu.Run
		} else {
			t.ServerCPUOK = false
		}
		if g, ok := rssGrowth(before, held); ok && conns {
			srvGrowth += float64(g)
			t.ServerRSSBefore += before
			t.ServerRSSHeld += held
		} else {
			t.ServerBytesPerConnOK = false
		}
		t.ServerGoroutines += goroutines
	}
	for _, w := range r.Resources {
		t.Held += w.Held
		t.Deliveries += w.Deliveries
		t.GeneratorCPU.Window += w.GeneratorCPU.Window
		t.GeneratorCPU.Run += w.GeneratorCPU.Run
		if g, ok := perConn(w.GeneratorRSSBefore, w.GeneratorRSS, w.Held); ok {
			genGrowth += g * float64(w.Held)
		} else {
			t.GeneratorBytesPerConnOK = false
		}
		t.GeneratorGoroutines += w.GeneratorGoroutines
		if !covers(r.ServerResources, w.Worker) {
			server(w.ServerCPU, w.ServerRSSBefore, w.ServerRSSHeld, w.ServerGoroutines, w.Held > 0)
		}
	}
	for _, s := range r.ServerResources {
		server(s.CPU, s.RSSBefore, s.RSSHeld, s.Goroutines, true)
	}
	if t.GeneratorBytesPerConnOK {
		t.GeneratorBytesPerConn = genGrowth / float64(t.Held)
	}
	if t.ServerBytesPerConnOK = t.ServerBytesPerConnOK && t.Held > 0; t.ServerBytesPerConnOK {
		t.ServerBytesPerConn = srvGrowth / float64(t.Held)
	}
	return t, true
}

// GeneratorMicrosPerDelivery is the generator's CPU microseconds per
// delivery received in the measured window; ok is false without deliveries.
func (t ResourceTotals) GeneratorMicrosPerDelivery() (float64, bool) {
	if t.Deliveries == 0 {
		return 0, false
	}
	return 1e6 * t.GeneratorCPU.Window / float64(t.Deliveries), true
}

// ServerMicrosPerDelivery is the server's CPU microseconds per delivery in
// the measured window; ok is false without deliveries or a server reading.
func (t ResourceTotals) ServerMicrosPerDelivery() (float64, bool) {
	if t.Deliveries == 0 || !t.ServerCPUOK {
		return 0, false
	}
	return 1e6 * t.ServerCPU.Window / float64(t.Deliveries), true
}
