package k8s

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// dockerfilePath is the image the Jobs run, built by make image.
var dockerfilePath = filepath.Join("..", "..", "Dockerfile")

// instruction is one Dockerfile instruction, continuation lines joined.
type instruction struct {
	keyword string // upper case
	rest    string
}

// readDockerfile splits the Dockerfile into stages of instructions.
func readDockerfile(t *testing.T) [][]instruction {
	t.Helper()
	b, err := os.ReadFile(dockerfilePath)
	if err != nil {
		t.Fatal(err)
	}
	var stages [][]instruction
	var line string
	for _, raw := range strings.Split(string(b), "\n") {
		trimmed := strings.TrimSpace(raw)
		if line == "" && (trimmed == "" || strings.HasPrefix(trimmed, "#")) {
			continue
		}
		if cont, ok := strings.CutSuffix(trimmed, "\\"); ok {
			line += cont + " "
			continue
		}
		line += trimmed
		keyword, rest, _ := strings.Cut(line, " ")
		in := instruction{keyword: strings.ToUpper(keyword), rest: strings.TrimSpace(rest)}
		line = ""
		if in.keyword == "FROM" {
			stages = append(stages, nil)
		}
		if len(stages) == 0 {
			continue // ARG before the first FROM
		}
		stages[len(stages)-1] = append(stages[len(stages)-1], in)
	}
	if len(stages) == 0 {
		t.Fatalf("%s: no FROM", dockerfilePath)
	}
	return stages
}

// imageEntrypoint returns the final stage's ENTRYPOINT (JSON form), which a
// container without command runs with its args.
func imageEntrypoint(t *testing.T) []string {
	t.Helper()
	stages := readDockerfile(t)
	var entrypoint []string
	for _, in := range stages[len(stages)-1] {
		if in.keyword == "ENTRYPOINT" {
			entrypoint = nil
			if err := json.Unmarshal([]byte(in.rest), &entrypoint); err != nil {
				t.Fatalf("%s: ENTRYPOINT %s: want the JSON (exec) form, which needs no shell: %v", dockerfilePath, in.rest, err)
			}
		}
	}
	if len(entrypoint) == 0 {
		t.Fatalf("%s: the final stage has no ENTRYPOINT", dockerfilePath)
	}
	return entrypoint
}

func TestImageEntrypointIsTheStaticBinary(t *testing.T) {
	stages := readDockerfile(t)
	if len(stages) < 2 {
		t.Fatalf("%s: want a build stage and a final stage", dockerfilePath)
	}
	final := stages[len(stages)-1]
	base := strings.Fields(final[0].rest)
	if !slices.ContainsFunc(base, func(f string) bool {
		return f == "scratch" || strings.HasPrefix(f, "gcr.io/distroless/static")
	}) {
		t.Errorf("final stage FROM %s: want scratch or distroless static (no libc, no shell)", final[0].rest)
	}
	entrypoint := imageEntrypoint(t)
	if len(entrypoint) != 1 {
		t.Errorf("ENTRYPOINT %q: want the binary alone, so the Jobs' args are pushbench's arguments", entrypoint)
	}
	// The entrypoint is copied from the build stage's output, built static.
	var copied string
	for _, in := range final {
		if f := strings.Fields(in.rest); in.keyword == "COPY" && len(f) >= 2 && f[len(f)-1] == entrypoint[0] {
			copied = f[len(f)-2]
		}
	}
	if copied == "" {
		t.Fatalf("final stage: nothing is copied to %s", entrypoint[0])
	}
	built := false
	for _, in := range stages[0] {
		if in.keyword == "RUN" && strings.Contains(in.rest, "go build") && strings.Contains(in.rest, "-o "+copied+" ") {
			built = true
			if !strings.Contains(in.rest, "CGO_ENABLED=0") {
				t.Errorf("build stage %q: want CGO_ENABLED=0, a static binary for a base without libc", in.rest)
			}
		}
	}
	if !built {
		t.Errorf("build stage: no go build -o %s", copied)
	}
}
