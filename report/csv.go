package report

import (
	"encoding/csv"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"
)

var csvHeader = []string{
	"transport", "pattern", "conn_ready", "conn_failed", "conn_dropped",
	"connect_p50_us", "connect_p99_us", "latency_p50_us", "latency_p90_us", "latency_p99_us", "latency_p999_us", "latency_max_us",
	"deliveries_per_s", "lost", "loss_ratio", "duplicated", "out_of_order", "errors", "generator_saturated",
	"reconnects", "reconnect_failed", "lost_across_reconnect", "resume_gaps", "reconnect_p99_us",
	"connections_held", "deliveries_in_window",
	"server_cpu_window_s", "server_cpu_run_s", "generator_cpu_window_s", "generator_cpu_run_s",
	"server_cpu_per_delivery_us", "generator_cpu_per_delivery_us",
	"server_rss_per_conn_bytes", "generator_rss_per_conn_bytes", "server_goroutines", "generator_goroutines",
	"p99_x_tcp", "server_cpu_x_tcp",
	"workers", "worker_count", "partial", "missing_workers",
}

// WriteSummaryCSV writes one row per summary with plain numbers (latencies in
// microseconds), for spreadsheets and scripts. A statistic without samples is
// an empty cell, which spreadsheets read as missing rather than as 0. The
// last columns say which workers of a coordinated run a row holds: how
// many, of how many, whether it is a partial merge, and the indexes of
// those it lacks (space-separated).
func WriteSummaryCSV(w io.Writer, rows []Summary) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(csvHeader); err != nil {
		return fmt.Errorf("write csv: %w", err)
	}
	us := func(n int64, d time.Duration) string {
		if n == 0 {
			return ""
		}
		return strconv.FormatInt(d.Microseconds(), 10)
	}
	unless := func(known bool, v string) string {
		if !known {
			return ""
		}
		return v
	}
	for _, s := range rows {
		cs, ls := s.ConnectSamples, s.LatencySamples
		if err := cw.Write(append([]string{
			s.Transport, s.Pattern, itoa(s.Ready), itoa(s.Failed), itoa(s.Dropped),
			us(cs, s.ConnectP50), us(cs, s.ConnectP99),
			us(ls, s.LatencyP50), us(ls, s.LatencyP90), us(ls, s.LatencyP99), us(ls, s.LatencyP999), us(ls, s.LatencyMax),
			unless(s.hasMessages(), strconv.FormatFloat(s.PerSecond, 'f', 1, 64)),
			unless(s.Expected > 0, itoa(s.Lost)), unless(s.Expected > 0, strconv.FormatFloat(s.LossRatio, 'g', 6, 64)),
			unless(s.Received > 0, itoa(s.Duplicated)), unless(s.Received > 0, itoa(s.OutOfOrder)),
			itoa(s.Errors), strconv.FormatBool(s.Saturated),
			itoa(s.Reconnects), itoa(s.ReconnectFailed), unless(s.Expected > 0, itoa(s.LostAcrossReconnect)), itoa(s.ResumeGaps),
			us(s.ReconnectSamples, s.ReconnectP99),
		}, slices.Concat(resourceCSV(s), workersCSV(s))...)); err != nil {
			return fmt.Errorf("write csv: %w", err)
		}
	}
	cw.Flush()
	return cw.Error()
}

// resourceCSV is a row's resource cells: empty where not known.
func resourceCSV(s Summary) []string {
	r, has := s.Res, s.HasResources
	num := func(known bool, v float64, prec int) string {
		if !known {
			return ""
		}
		return strconv.FormatFloat(v, 'f', prec, 64)
	}
	srvUS, srvOK := s.ServerMicros()
	genUS, genOK := s.GeneratorMicros()
	return []string{
		unlessEmpty(has, itoa(r.Held)), unlessEmpty(has, itoa(r.Deliveries)),
		num(r.ServerCPUOK, r.ServerCPU.Window, 3), num(r.ServerCPUOK, r.ServerCPU.Run, 3),
		num(has, r.GeneratorCPU.Window, 3), num(has, r.GeneratorCPU.Run, 3),
		num(srvOK, srvUS, 2), num(genOK, genUS, 2),
		num(r.ServerBytesPerConnOK, r.ServerBytesPerConn, 0), num(r.GeneratorBytesPerConnOK, r.GeneratorBytesPerConn, 0),
		num(r.ServerGoroutines > 0, float64(r.ServerGoroutines), 0), num(r.GeneratorGoroutines > 0, float64(r.GeneratorGoroutines), 0),
		num(s.P99xTCP > 0, s.P99xTCP, 3), num(s.ServerCPUxTCP > 0, s.ServerCPUxTCP, 3),
	}
}

func unlessEmpty(known bool, v string) string {
	if !known {
		return ""
	}
	return v
}

// workersCSV is a row's worker cells: held, of how many, partial, missing.
func workersCSV(s Summary) []string {
	missing := make([]string, len(s.MissingWorkers))
	for i, w := range s.MissingWorkers {
		missing[i] = strconv.Itoa(w)
	}
	return []string{strconv.Itoa(len(s.Workers)), strconv.Itoa(s.WorkerCount), strconv.FormatBool(s.Partial), strings.Join(missing, " ")}
}
