package results

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
)

// ResultFile is the name of the result inside a run directory.
const ResultFile = "result.json"

// WriteRun encodes run as result.json: everything, histograms exactly encoded,
// indented so a person can read it and a diff can show it.
func WriteRun(w io.Writer, run *Run) error {
	b, err := json.MarshalIndent(run, "", "  ")
	if err != nil {
		return fmt.Errorf("encode %s result: %w", run.Name, err)
	}
	if _, err := w.Write(append(b, '\n')); err != nil {
		return fmt.Errorf("write %s result: %w", run.Name, err)
	}
	return nil
}

// ReadRun reads a result.json, or the result.json inside a run directory.
func ReadRun(path string) (*Run, error) {
	if fi, err := os.Stat(path); err == nil && fi.IsDir() {
		path = filepath.Join(path, ResultFile)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read result: %w", err)
	}
	var run Run
	if err := json.Unmarshal(b, &run); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if run.Schema < 1 || run.Schema > SchemaVersion {
		return nil, fmt.Errorf("%s: result schema %d, this pushbench reads 1..%d", path, run.Schema, SchemaVersion)
	}
	return &run, nil
}
