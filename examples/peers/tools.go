package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"text/template"
	"time"

	"github.com/pushbench/pushbench/results"
)

// workload is one echo workload: clients each sending sends messages at rate
// per second to an echo server.
type workload struct {
	name    string // ws or socketio
	server  string // the .mjs echo server in the peers folder
	clients int
	sends   int
	rate    float64
	payload string
}

// messages is how many round trips the workload owes.
func (w workload) messages() int { return w.clients * w.sends }

// outcome is what a tool recorded, as one cell, and its medians if it has them.
type outcome struct {
	recorded string
	p50, p99 time.Duration
}

// tool runs one workload against an echo server on port and reports what
// it recorded; ok is false when the tool cannot run this workload.
type tool struct {
	name     string
	supports func(workload) bool
	command  func(ctx context.Context, w workload, port int, dir string) (*exec.Cmd, func() (outcome, error), error)
}

// startServer runs an echo server of the peers folder and returns its port.
func startServer(ctx context.Context, peers, script string) (*exec.Cmd, int, error) {
	cmd := exec.CommandContext(ctx, "node", filepath.Join(peers, script), "0")
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, 0, err
	}
	if err := cmd.Start(); err != nil {
		return nil, 0, err
	}
	line, err := bufio.NewReader(out).ReadString('\n')
	port, perr := strconv.Atoi(strings.TrimPrefix(strings.TrimSpace(line), "listening on "))
	if err != nil || perr != nil {
		cmd.Process.Kill()
		cmd.Wait()
		return nil, 0, fmt.Errorf("%s did not announce its port (%q): %v %v", script, line, err, perr)
	}
	return cmd, port, nil
}

func pushbenchTool(bin string) tool {
	return tool{
		name:     "pushbench",
		supports: func(workload) bool { return true },
		command: func(ctx context.Context, w workload, port int, dir string) (*exec.Cmd, func() (outcome, error), error) {
			base := fmt.Sprintf("http://127.0.0.1:%d", port)
			args := []string{"run", "--target", base, "--pattern", "echo", "--connections", strconv.Itoa(w.clients),
				"--ramp", strconv.Itoa(w.clients), "--rate", fmt.Sprint(w.rate), "--warmup", "0",
				"--duration", (time.Duration(float64(w.sends) / w.rate * float64(time.Second))).String(),
				"--payload", strconv.Itoa(len(w.payload)), "--name", "peers-" + w.name, "--out", dir, "--quiet"}
			switch w.name {
			case "ws":
				args = append(args, "--transports", "ws", "--url", fmt.Sprintf("ws=ws://127.0.0.1:%d/", port))
			case "socketio":
				args = append(args, "--transports", "socketio", "--echo-event", "echo")
			}
			cmd := exec.CommandContext(ctx, bin, args...)
			cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
			return cmd, func() (outcome, error) {
				dirs, _ := filepath.Glob(filepath.Join(dir, "*-peers-"+w.name))
				if len(dirs) != 1 {
					return outcome{}, fmt.Errorf("pushbench result dirs %v", dirs)
				}
				run, err := results.ReadRun(dirs[0])
				if err != nil {
					return outcome{}, err
				}
				tr := run.Transports[0]
				lat := tr.Histograms[results.HistLatency]
				return outcome{
					recorded: fmt.Sprintf("%d of %d round trips, every RTT in a histogram", tr.Counters.Received, tr.Counters.Expected),
					p50:      lat.Quantile(0.5), p99: lat.Quantile(0.99),
				}, nil
			}, nil
		},
	}
}

// artilleryScripts are the Artillery scenarios: every client arrives within
// the first second, then loops send (or acknowledged emit) and think.
var artilleryScripts = map[string]*template.Template{
	"ws": template.Must(template.New("ws").Parse(`config:
  phases:
    - duration: 1
      arrivalCount: {{.Clients}}
scenarios:
  - engine: ws
    flow:
      - loop:
          - send: "{{.Payload}}"
          - think: {{.Think}}
        count: {{.Sends}}
`)),
	"socketio": template.Must(template.New("socketio").Parse(`config:
  phases:
    - duration: 1
      arrivalCount: {{.Clients}}
  socketio:
    transports: ["websocket"]
scenarios:
  - engine: socketio
    flow:
      - loop:
          - emit:
              channel: "echo"
              data: "{{.Payload}}"
            acknowledge:
              data: "{{.Payload}}"
          - think: {{.Think}}
        count: {{.Sends}}
`)),
}

func artilleryTool(peers string) tool {
	bin := filepath.Join(peers, "node_modules", ".bin", "artillery")
	return tool{
		name:     "artillery",
		supports: func(workload) bool { _, err := os.Stat(bin); return err == nil },
		command: func(ctx context.Context, w workload, port int, dir string) (*exec.Cmd, func() (outcome, error), error) {
			script := filepath.Join(dir, "artillery-"+w.name+".yml")
			if err := writeTemplate(script, artilleryScripts[w.name], w); err != nil {
				return nil, nil, err
			}
			report := filepath.Join(dir, "artillery-"+w.name+".json")
			scheme := map[string]string{"ws": "ws", "socketio": "http"}[w.name]
			cmd := exec.CommandContext(ctx, bin, "run", "--quiet", "--target", fmt.Sprintf("%s://127.0.0.1:%d", scheme, port), "--output", report, script)
			cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
			cmd.Env = append(os.Environ(), "ARTILLERY_DISABLE_TELEMETRY=true")
			return cmd, func() (outcome, error) { return artilleryOutcome(report) }, nil
		},
	}
}

// artilleryOutcome reads Artillery's JSON report: its counters and, when it
// timed anything, its response-time summary.
func artilleryOutcome(path string) (outcome, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return outcome{}, err
	}
	var rep struct {
		Aggregate struct {
			Counters  map[string]int64              `json:"counters"`
			Summaries map[string]map[string]float64 `json:"summaries"`
		} `json:"aggregate"`
	}
	if err := json.Unmarshal(b, &rep); err != nil {
		return outcome{}, fmt.Errorf("%s: %w", path, err)
	}
	c := rep.Aggregate.Counters
	var o outcome
	switch {
	case c["socketio.emit"] > 0:
		s := rep.Aggregate.Summaries["socketio.response_time"]
		o.recorded = fmt.Sprintf("%d emits, %.0f acks timed (socketio.response_time summary)", c["socketio.emit"], s["count"])
		o.p50 = time.Duration(s["p50"] * float64(time.Millisecond))
		o.p99 = time.Duration(s["p99"] * float64(time.Millisecond))
	default:
		o.recorded = fmt.Sprintf("%d sent, %d received, no latency", c["websocket.messages_sent"], c["websocket.messages_received"])
	}
	if failed := c["vusers.failed"]; failed > 0 {
		o.recorded += fmt.Sprintf(", %d clients failed", failed)
	}
	return o, nil
}

// tsungScript is the Tsung scenario. Its clients arrive at 100/s rather than
// all in the first second: Tsung's launcher started only 127 of 500 clients in a
// 2 s phase on the 2-core development machine. A client's sends wait for
// each echo, as pushbench's do not, so its rate is at most 10/s.
var tsungScript = template.Must(template.New("tsung").Parse(`<?xml version="1.0"?>
<!DOCTYPE tsung SYSTEM "/usr/share/tsung/tsung-1.0.dtd" []>
<tsung loglevel="error" version="1.0" dumptraffic="false">
  <clients>
    <client host="localhost" use_controller_vm="true" maxusers="{{.Clients}}"/>
  </clients>
  <servers>
    <server host="127.0.0.1" port="{{.Port}}" type="tcp"/>
  </servers>
  <load>
    <arrivalphase phase="1" duration="15" unit="second">
      <users maxnumber="{{.Clients}}" arrivalrate="100" unit="second"/>
    </arrivalphase>
  </load>
  <sessions>
    <session name="echo" probability="100" type="ts_websocket">
      <request><websocket type="connect" path="/"></websocket></request>
      <for from="1" to="{{.Sends}}" incr="1" var="i">
        <request><websocket type="message">{{.Payload}}</websocket></request>
        <thinktime value="{{.Think}}" random="false"/>
      </for>
      <request><websocket type="close"></websocket></request>
    </session>
  </sessions>
</tsung>
`))

func tsungTool() tool {
	return tool{
		name: "tsung",
		supports: func(w workload) bool {
			_, err := exec.LookPath("tsung")
			return err == nil && w.name == "ws" // Tsung speaks WebSocket, not Socket.IO
		},
		command: func(ctx context.Context, w workload, port int, dir string) (*exec.Cmd, func() (outcome, error), error) {
			script := filepath.Join(dir, "tsung-"+w.name+".xml")
			data := struct {
				templateData
				Port int
			}{dataOf(w), port}
			if err := writeTemplate(script, tsungScript, data); err != nil {
				return nil, nil, err
			}
			logs := filepath.Join(dir, "tsung-log")
			cmd := exec.CommandContext(ctx, "tsung", "-f", script, "-l", logs, "start")
			cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
			return cmd, func() (outcome, error) { return tsungOutcome(logs) }, nil
		},
	}
}

// tsungStat is a "stats: request" line of tsung.log: count, mean (ms),
// stddev, max and min of its interval, then the mean and count of the run
// before it.
var tsungStat = regexp.MustCompile(`(?m)^stats: request (\d+) (\S+) \S+ \S+ \S+ (\S+) (\d+)$`)

// tsungUsers is a "stats: users_count" line: users started now and in all.
var tsungUsers = regexp.MustCompile(`(?m)^stats: users_count \d+ (\d+)$`)

// tsungOutcome reads the request count and mean of tsung.log: Tsung keeps
// no percentiles.
func tsungOutcome(logs string) (outcome, error) {
	files, _ := filepath.Glob(filepath.Join(logs, "*", "tsung.log"))
	if len(files) == 0 {
		return outcome{}, fmt.Errorf("no tsung.log under %s", logs)
	}
	b, err := os.ReadFile(files[len(files)-1])
	if err != nil {
		return outcome{}, err
	}
	m := tsungStat.FindAllStringSubmatch(string(b), -1)
	if m == nil {
		return outcome{recorded: "no request stats in tsung.log"}, nil
	}
	last := m[len(m)-1]
	n, _ := strconv.ParseFloat(last[1], 64)
	mean, _ := strconv.ParseFloat(last[2], 64)
	nBefore, _ := strconv.ParseFloat(last[4], 64)
	meanBefore, _ := strconv.ParseFloat(last[3], 64)
	if total := n + nBefore; total > 0 {
		mean = (n*mean + nBefore*meanBefore) / total
	}
	users := "?"
	if u := tsungUsers.FindAllStringSubmatch(string(b), -1); u != nil {
		users = u[len(u)-1][1]
	}
	return outcome{recorded: fmt.Sprintf("%s clients started, %.0f requests timed (its sends, connects and closes), mean %.2f ms, no percentiles", users, n+nBefore, mean)}, nil
}

// templateData is what the tool scripts are written from.
type templateData struct {
	Clients, Sends int
	Think          float64
	Payload        string
}

func dataOf(w workload) templateData {
	return templateData{Clients: w.clients, Sends: w.sends, Think: 1 / w.rate, Payload: w.payload}
}

func writeTemplate(path string, t *template.Template, data any) error {
	if w, ok := data.(workload); ok {
		data = dataOf(w)
	}
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := t.Execute(f, data); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
