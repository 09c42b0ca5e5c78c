package servers_test

import (
	"io"
	"net/http"
	"strings"
	"testing"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/pushbench/pushbench/servers"
)

// scrape GETs base/metrics and parses the Prometheus text it answers.
func scrape(t *testing.T, base string) map[string]*dto.MetricFamily {
	t.Helper()
	resp, err := client.Get(base + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/plain") {
		t.Fatalf("GET /metrics: %s %q", resp.Status, resp.Header.Get("Content-Type"))
	}
	p := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := p.TextToMetricFamilies(resp.Body)
	if err != nil {
		t.Fatalf("parse /metrics: %v", err)
	}
	return fams
}

// metricValue is the value of the metric name (with the label pair, if
// given) in fams; -1 when there is none.
func metricValue(fams map[string]*dto.MetricFamily, name string, label ...string) float64 {
	f, ok := fams[name]
	if !ok {
		return -1
	}
	for _, m := range f.GetMetric() {
		if len(label) == 2 && !hasLabel(m, label[0], label[1]) {
			continue
		}
		switch {
		case m.GetCounter() != nil:
			return m.GetCounter().GetValue()
		case m.GetGauge() != nil:
			return m.GetGauge().GetValue()
		case m.GetUntyped() != nil:
			return m.GetUntyped().GetValue()
		}
	}
	return -1
}

func hasLabel(m *dto.Metric, name, value string) bool {
	for _, l := range m.GetLabel() {
		if l.GetName() == name && l.GetValue() == value {
			return true
		}
	}
	return false
}

// connections scrapes the open connections of every transport.
func connections(t *testing.T, base string) map[string]float64 {
	t.Helper()
	fams := scrape(t, base)
	got := map[string]float64{}
	for _, tr := range []string{"chunked", "sse", "ws", "socketio-ws", "socketio-polling"} {
		got[tr] = metricValue(fams, "pushbench_server_connections", "transport", tr)
	}
	return got
}

func sameCounts(got, want map[string]float64) bool {
	for k, v := range want {
		if got[k] != v {
			return false
		}
	}
	return true
}

// TestMetricsCountConnectionsAndMessages: /metrics shows each transport's
// open connections (and their end), what was published and enqueued, the
// Go and process collectors, and answers only to allowed Host names.
func TestMetricsCountConnectionsAndMessages(t *testing.T) {
	_, base := start(t, servers.Config{})
	chunked, _ := openStream(t, base+"/chunked", nil)
	sse, _ := openStream(t, base+"/sse", nil)
	ws := dialWS(t, wsURL(base)+"/ws", nil)
	sioWS := dialWS(t, wsURL(base)+"/socket.io/?EIO=4&transport=websocket", nil)
	openPolling(t, base)
	all := map[string]float64{"chunked": 1, "sse": 1, "ws": 1, "socketio-ws": 1, "socketio-polling": 1}
	var got map[string]float64
	eventually(t, "one connection of each transport", func() bool { got = connections(t, base); return sameCounts(got, all) })

	for range 3 {
		publish(t, base, `{"data":"x"}`)
	}
	fams := scrape(t, base)
	for _, c := range []struct {
		name string
		want float64
	}{
		{"pushbench_server_messages_published_total", 3},
		{"pushbench_server_messages_enqueued_total", 9}, // chunked, sse, ws; no Socket.IO namespace joined
		{"pushbench_server_subscribers", 3},
		{"pushbench_server_eio_sessions", 2},
		{"pushbench_server_eio_refused_total", 0},
		{"pushbench_server_messages_dropped_total", 0},
		{"pushbench_server_replay_buffered_messages", 3},
	} {
		if v := metricValue(fams, c.name); v != c.want {
			t.Errorf("%s = %v, want %v", c.name, v, c.want)
		}
	}
	for _, name := range []string{"go_goroutines", "process_cpu_seconds_total", "pushbench_server_queued_bytes",
		"pushbench_server_kicked_total", "pushbench_server_write_timeouts_total", "pushbench_server_admin_dropped_total",
		"pushbench_server_messages_dropped_over_queue_bytes_total", "pushbench_server_replay_buffered_bytes",
		"pushbench_server_replay_resumes_total", "pushbench_server_replay_gaps_total", "pushbench_server_replay_replayed_total"} {
		if metricValue(fams, name) < 0 {
			t.Errorf("/metrics has no %s", name)
		}
	}

	chunked.Body.Close()
	sse.Body.Close()
	ws.Close()
	sioWS.Close()
	eventually(t, "stream and socket connections end", func() bool {
		got = connections(t, base)
		return sameCounts(got, map[string]float64{"chunked": 0, "sse": 0, "ws": 0, "socketio-ws": 0})
	})

	req, _ := http.NewRequest("GET", base+"/metrics", nil)
	req.Host = "evil.example"
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusForbidden {
		t.Fatalf("GET /metrics with Host evil.example: %s, want 403", resp.Status)
	}
}

// TestMetricsShowDropsKicksAndAdminDrops: a subscriber that does not read
// loses a message and, under the disconnect policy, is kicked; an admin drop
// is counted too.
func TestMetricsShowDropsKicksAndAdminDrops(t *testing.T) {
	srv, base := start(t, servers.Config{QueueLen: 1, SlowPolicy: servers.SlowDisconnect, AdminToken: "tok"})
	if srv.Hub().Subscribe() == nil { // never reads
		t.Fatal("subscribe refused")
	}
	publish(t, base, `{"data":"1"}`)
	publish(t, base, `{"data":"2"}`)
	ws := dialWS(t, wsURL(base)+"/ws", nil)
	defer ws.Close()
	waitSubscribers(t, srv, 1)
	if status, body := adminDrop(t, base, "?percent=100", "Bearer tok"); status != 200 {
		t.Fatalf("admin drop: %d %q", status, body)
	}
	eventually(t, "the drop, kick and admin drop counted", func() bool {
		fams := scrape(t, base)
		return metricValue(fams, "pushbench_server_messages_dropped_total") == 1 &&
			metricValue(fams, "pushbench_server_kicked_total") == 1 &&
			metricValue(fams, "pushbench_server_admin_dropped_total") == 1
	})
}

// TestMetricsRegistryIsPerServer: two servers in one process each export
// their own figures, and neither registry clashes with the other's.
func TestMetricsRegistryIsPerServer(t *testing.T) {
	a, baseA := start(t, servers.Config{})
	_, baseB := start(t, servers.Config{})
	publish(t, baseA, `{"data":"x"}`)
	publish(t, baseA, `{"data":"x"}`)
	if v := metricValue(scrape(t, baseA), "pushbench_server_messages_published_total"); v != 2 {
		t.Fatalf("server A published %v, want 2", v)
	}
	if v := metricValue(scrape(t, baseB), "pushbench_server_messages_published_total"); v != 0 {
		t.Fatalf("server B published %v, want 0", v)
	}
	fams, err := a.Metrics().Gather()
	if err != nil || len(fams) == 0 {
		t.Fatalf("gather server A: %d families, %v", len(fams), err)
	}
}

// TestBytesWrittenCountsEveryWritePath: the bytes written to client sockets
// count the hub's direct writes (chunked, SSE, WebSocket) and what net/http
// writes through the tracked connection (here a /stats answer), and
// /metrics shows the same counter. Three 10 KB broadcasts to three
// subscribers are at least 90 KB whatever the framing; the publishes' own
// answers are a few hundred bytes, so an uncounted write path fails.
func TestBytesWrittenCountsEveryWritePath(t *testing.T) {
	srv := servers.New(servers.Config{}, quiet)
	addr, stop := serveLoopback(t, srv) // Serve's own listener, which counts what net/http writes
	defer stop()
	base := "http://" + addr
	chunked, _ := openStream(t, base+"/chunked", nil)
	defer chunked.Body.Close()
	sse, _ := openStream(t, base+"/sse", nil)
	defer sse.Body.Close()
	ws := dialWS(t, wsURL(base)+"/ws", nil)
	defer ws.Close()
	eventually(t, "three subscribers", func() bool { return srv.Stats().Subscribers == 3 })
	before := srv.Stats().BytesWritten
	payload := strings.Repeat("p", 10_000)
	for range 3 {
		publish(t, base, `{"data":"`+payload+`"}`)
	}
	const atLeast = 3 * 3 * 10_000
	eventually(t, "90 KB written", func() bool { return srv.Stats().BytesWritten-before >= atLeast })

	before = srv.Stats().BytesWritten
	resp, err := client.Get(base + "/stats")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	// The server counts a write once the write returns, which may be after
	// the client has read it.
	eventually(t, "the /stats answer counted", func() bool { return srv.Stats().BytesWritten-before >= int64(len(body)) })
	if got := metricValue(scrape(t, base), "pushbench_server_bytes_written_total"); got < float64(before) {
		t.Errorf("pushbench_server_bytes_written_total = %v, want at least %d", got, before)
	}
}
