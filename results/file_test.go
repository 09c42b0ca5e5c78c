package results

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
	"time"
)

func TestWriteRunReadRun(t *testing.T) {
	run := runOf("s", `{"name":"s"}`, latencyResult("ws", 0, time.Millisecond, 3*time.Millisecond))
	run.Started = time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	dir := t.TempDir()
	var buf bytes.Buffer
	if err := WriteRun(&buf, run); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, ResultFile), buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct{ name, path string }{
		{"run directory", dir},
		{"result file", filepath.Join(dir, ResultFile)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			back, err := ReadRun(tt.path)
			if err != nil {
				t.Fatal(err)
			}
			got, want := back.Transports[0], run.Transports[0]
			if back.Name != run.Name || !back.Started.Equal(run.Started) || got.Counters != want.Counters ||
				got.Workload != want.Workload || !got.Hist(HistLatency).Equal(want.Hist(HistLatency)) {
				t.Fatalf("did not survive the round trip: %+v", got)
			}
		})
	}
	if !json.Valid(buf.Bytes()) || buf.Bytes()[buf.Len()-1] != '\n' {
		t.Fatalf("result.json is not one JSON document ending in a newline")
	}
}

func TestReadRunRefusesNewerSchema(t *testing.T) {
	path := filepath.Join(t.TempDir(), ResultFile)
	if err := os.WriteFile(path, []byte(`{"schema":99}`), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := ReadRun(path); err == nil {
		t.Fatal("a newer schema was accepted")
	}
}
