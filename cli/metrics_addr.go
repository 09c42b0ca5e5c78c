package cli

import (
	"fmt"
	"log/slog"
	"net"
	"net/http"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/pushbench/pushbench/loadgen"
)

// checkMetricsAddr refuses a --metrics-addr off loopback unless --allow-remote
// says this run may leave the machine: the listener shows the run's figures
// and, on loopback, pprof.
func checkMetricsAddr(addr string, allowRemote bool) error {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("--metrics-addr %q: want HOST:PORT, e.g. 127.0.0.1:9100: %w", addr, err)
	}
	if !allowRemote && !isLoopbackHost(host) {
		return fmt.Errorf("--metrics-addr %q: host %q is not loopback (127.0.0.0/8, ::1, localhost): the run's metrics listen on loopback only; %s",
			addr, host, allowRemoteHint)
	}
	return nil
}

// newGeneratorRegistry is the run's own Prometheus registry: the load
// generator's live view and the Go and process collectors.
func newGeneratorRegistry(m *loadgen.Metrics) *prometheus.Registry {
	reg := prometheus.NewRegistry()
	reg.MustRegister(
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		m,
	)
	return reg
}

// metricsMux serves GET /metrics from reg, and pprof under /debug/pprof/ when
// the listener is on loopback (pprof shows the process's memory and command
// line, so --allow-remote opens only /metrics).
func metricsMux(reg *prometheus.Registry, pprof bool) *http.ServeMux {
	mux := http.NewServeMux()
	if pprof {
		mux = debugMux()
	}
	mux.Handle("/metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{Registry: reg}))
	return mux
}

// startMetricsServer listens on addr (checked by checkMetricsAddr) and serves
// m there until stop, which waits at most debugShutdownGrace for requests in
// flight.
func startMetricsServer(addr string, allowRemote bool, m *loadgen.Metrics, log *slog.Logger) (stop func(), err error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("--metrics-addr: listen: %w", err)
	}
	tcp, ok := ln.Addr().(*net.TCPAddr)
	loopback := ok && tcp.IP.IsLoopback()
	if !loopback && !allowRemote {
		ln.Close()
		return nil, usageError{fmt.Errorf("--metrics-addr %q: bound %s, which is not loopback; %s", addr, ln.Addr(), allowRemoteHint)}
	}
	endpoints := "/metrics"
	if loopback {
		endpoints += " /debug/pprof/"
	}
	log.Info("serving metrics", "metrics_addr", ln.Addr().String(), "endpoints", endpoints)
	return serveSideListener(ln, metricsMux(newGeneratorRegistry(m), loopback), "metrics listener", log), nil
}

// progressTo is the Progress callback that feeds the progress line and the
// live metrics, whichever are on; nil when neither is.
func progressTo(p *progressPrinter, m *loadgen.Metrics) func(loadgen.Progress) {
	print := p.callback()
	switch {
	case m == nil:
		return print
	case print == nil:
		return m.Observe
	}
	return func(s loadgen.Progress) {
		print(s)
		m.Observe(s)
	}
}
