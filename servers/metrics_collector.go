package servers

import "github.com/prometheus/client_golang/prometheus"

// metricDesc is one server figure as a Prometheus metric: how it is described
// and how its value is read from a Stats snapshot.
type metricDesc struct {
	desc  *prometheus.Desc
	kind  prometheus.ValueType
	value func(Stats) float64
}

// serverCollector exports the server's figures; it reads them at scrape time
// from the hub's, the replay buffer's and the transports' own counters.
type serverCollector struct {
	srv         *Server
	connections *prometheus.Desc
	figures     []metricDesc
}

func newServerCollector(s *Server) *serverCollector {
	fig := func(name, help string, kind prometheus.ValueType, value func(Stats) float64) metricDesc {
		return metricDesc{desc: prometheus.NewDesc(metricsPrefix+name, help, nil, nil), kind: kind, value: value}
	}
	counter, gauge := prometheus.CounterValue, prometheus.GaugeValue
	return &serverCollector{
		srv: s,
		connections: prometheus.NewDesc(metricsPrefix+"connections",
			"Open subscriber connections by transport (socketio-ws and socketio-polling: Engine.IO sessions by their current transport).",
			[]string{"transport"}, nil),
		figures: []metricDesc{
			fig("subscribers", "Hub subscribers now (every transport).", gauge, func(st Stats) float64 { return float64(st.Subscribers) }),
			fig("messages_published_total", "Messages broadcast through the hub.", counter, func(st Stats) float64 { return float64(st.Published) }),
			fig("messages_enqueued_total", "Messages queued to subscribers (one per subscriber per broadcast that had room).", counter, func(st Stats) float64 { return float64(st.Enqueued) }),
			fig("messages_dropped_total", "Messages not delivered to a slow client (hub queues and Engine.IO reply queues).", counter, func(st Stats) float64 { return float64(st.Dropped) }),
			fig("messages_dropped_over_queue_bytes_total", "Dropped messages that met a full byte budget rather than a full message count.", counter, func(st Stats) float64 { return float64(st.OverBytes) }),
			fig("bytes_written_total", "Bytes written to client sockets, all transports, framing and HTTP headers included.", counter, func(st Stats) float64 { return float64(st.BytesWritten) }),
			fig("queued_bytes", "Bytes of messages enqueued to subscribers and not yet written.", gauge, func(st Stats) float64 { return float64(st.QueuedBytes) }),
			fig("kicked_total", "Clients disconnected by the slow-subscriber policy.", counter, func(st Stats) float64 { return float64(st.Kicked) }),
			fig("write_timeouts_total", "Clients ended because a write did not finish within the write timeout.", counter, func(st Stats) float64 { return float64(st.WriteTimeouts) }),
			fig("admin_dropped_total", "Connections closed by POST /admin/drop (fault injection).", counter, func(st Stats) float64 { return float64(st.AdminDropped) }),
			fig("eio_sessions", "Engine.IO sessions open.", gauge, func(st Stats) float64 { return float64(st.EIOSessions) }),
			fig("eio_refused_total", "Engine.IO handshakes refused for the session limit.", counter, func(st Stats) float64 { return float64(st.EIORefused) }),
			fig("replay_buffered_messages", "Messages kept in the SSE replay buffer.", gauge, func(st Stats) float64 { return float64(st.Replay.Buffered) }),
			fig("replay_buffered_bytes", "Bytes kept in the SSE replay buffer.", gauge, func(st Stats) float64 { return float64(st.Replay.Bytes) }),
			fig("replay_resumes_total", "SSE requests that resumed with Last-Event-ID.", counter, func(st Stats) float64 { return float64(st.Replay.Resumes) }),
			fig("replay_gaps_total", "pushbench-gap events sent to resuming SSE clients (messages no longer kept).", counter, func(st Stats) float64 { return float64(st.Replay.Gaps) }),
			fig("replay_replayed_total", "Messages written again to resuming SSE clients.", counter, func(st Stats) float64 { return float64(st.Replay.Replayed) }),
		},
	}
}

// Describe sends every metric's description.
func (c *serverCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- c.connections
	for _, f := range c.figures {
		ch <- f.desc
	}
}

// Collect reads the figures now.
func (c *serverCollector) Collect(ch chan<- prometheus.Metric) {
	st := c.srv.Stats()
	for _, f := range c.figures {
		ch <- prometheus.MustNewConstMetric(f.desc, f.kind, f.value(st))
	}
	for transport, n := range c.srv.connectionsByTransport() {
		ch <- prometheus.MustNewConstMetric(c.connections, prometheus.GaugeValue, float64(n), transport)
	}
}
