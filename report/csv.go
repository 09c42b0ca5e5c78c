package report

import (
	"encoding/csv"
	"fmt"
	"io"
	"strconv"
	"time"
)

var csvHeader = []string{
	"transport", "pattern", "conn_ready", "conn_failed", "conn_dropped",
	"connect_p50_us", "connect_p99_us", "latency_p50_us", "latency_p90_us", "latency_p99_us", "latency_p999_us", "latency_max_us",
	"deliveries_per_s", "lost", "loss_ratio", "duplicated", "out_of_order", "errors", "generator_saturated",
}

// WriteSummaryCSV writes one row per summary with plain numbers (latencies in
// microseconds), for spreadsheets and scripts.
func WriteSummaryCSV(w io.Writer, rows []Summary) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(csvHeader); err != nil {
		return fmt.Errorf("write csv: %w", err)
	}
	us := func(d time.Duration) string { return strconv.FormatInt(d.Microseconds(), 10) }
	for _, s := range rows {
		if err := cw.Write([]string{
			s.Transport, s.Pattern, itoa(s.Ready), itoa(s.Failed), itoa(s.Dropped),
			us(s.ConnectP50), us(s.ConnectP99), us(s.LatencyP50), us(s.LatencyP90), us(s.LatencyP99), us(s.LatencyP999), us(s.LatencyMax),
			strconv.FormatFloat(s.PerSecond, 'f', 1, 64), itoa(s.Lost), strconv.FormatFloat(s.LossRatio, 'g', 6, 64),
			itoa(s.Duplicated), itoa(s.OutOfOrder), itoa(s.Errors), strconv.FormatBool(s.Saturated),
		}); err != nil {
			return fmt.Errorf("write csv: %w", err)
		}
	}
	cw.Flush()
	return cw.Error()
}
