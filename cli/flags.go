package cli

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
)

// flagSet is a subcommand's flag set with what its --help prints: the
// synopsis and the command's worked examples, written to stdout.
type flagSet struct {
	*flag.FlagSet
	command  string
	synopsis string
	stdout   io.Writer
	// args are the arguments that are not flags, wherever they stood.
	args []string
}

// Args are the arguments that are not flags: "run a.yaml --out x" and
// "run --out x a.yaml" are the same command (after "--", all are arguments).
func (fs *flagSet) Args() []string { return fs.args }

// NArg is len(Args()).
func (fs *flagSet) NArg() int { return len(fs.args) }

// Arg is the i-th argument that is not a flag, or "".
func (fs *flagSet) Arg(i int) string {
	if i < 0 || i >= len(fs.args) {
		return ""
	}
	return fs.args[i]
}

// newFlagSet returns a flag set that reports errors instead of exiting (only
// main exits) and prints nothing by itself: the flag package would print the
// whole usage after every mistake, so parseFlags prints the help only for -h
// and turns a bad flag into one line that names it.
func newFlagSet(name, synopsis string, stdout io.Writer) *flagSet {
	fs := flag.NewFlagSet("pushbench "+name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	return &flagSet{FlagSet: fs, command: name, synopsis: synopsis, stdout: stdout}
}

// parseFlags parses args: -h prints the help to stdout and returns errHelp; a
// bad flag returns a usageError naming the flag and the form it takes.
func parseFlags(fs *flagSet, args []string) error {
	fs.args = nil
	var err error
	for {
		if err = fs.Parse(args); err != nil {
			break
		}
		rest := fs.FlagSet.Args()
		// The flag package stops at the first argument that is not a flag;
		// keep it and go on parsing, unless "--" ended the flags.
		if len(rest) == 0 || (len(args) > len(rest) && args[len(args)-len(rest)-1] == "--") {
			fs.args = append(fs.args, rest...)
			break
		}
		fs.args = append(fs.args, rest[0])
		args = rest[1:]
	}
	switch {
	case err == nil:
		return nil
	case errors.Is(err, flag.ErrHelp):
		fs.printHelp()
		return errHelp
	}
	return usageError{fmt.Errorf("%s\nRun '%s --help' for all flags.", describeFlagError(fs.FlagSet, err), fs.Name())}
}

// printHelp writes the command's help: synopsis, summary, examples, flags.
func (fs *flagSet) printHelp() {
	w := fs.stdout
	fmt.Fprintf(w, "Usage: pushbench %s %s\n\n", fs.command, fs.synopsis)
	if s := commandSummary(fs.command); s != "" {
		fmt.Fprintf(w, "%s.\n\n", strings.ToUpper(s[:1])+s[1:])
	}
	writeExamples(w, commandExamples(fs.command))
	var n int
	fs.VisitAll(func(*flag.Flag) { n++ })
	if n > 0 {
		fmt.Fprintf(w, "Flags:\n")
		fs.SetOutput(w)
		fs.PrintDefaults()
		fs.SetOutput(io.Discard)
	}
}

// listFlag is a comma-separated list flag.
type listFlag []string

func (l *listFlag) String() string { return strings.Join(*l, ",") }
func (l *listFlag) Set(s string) error {
	*l = nil
	for _, v := range strings.Split(s, ",") {
		if v = strings.TrimSpace(v); v != "" {
			*l = append(*l, v)
		}
	}
	return nil
}

// mapFlag collects repeated NAME=VALUE flags.
type mapFlag map[string]string

func (m mapFlag) String() string {
	var parts []string
	for k, v := range m {
		parts = append(parts, k+"="+v)
	}
	return strings.Join(parts, ",")
}

func (m mapFlag) Set(s string) error {
	k, v, ok := strings.Cut(s, "=")
	if !ok || k == "" || v == "" {
		return errors.New("want NAME=VALUE")
	}
	m[k] = v
	return nil
}

// headerFlag collects repeated 'Name: value' flags.
type headerFlag map[string]string

func (h headerFlag) String() string {
	var parts []string
	for k, v := range h {
		parts = append(parts, k+": "+v)
	}
	return strings.Join(parts, ", ")
}

func (h headerFlag) Set(s string) error {
	k, v, ok := strings.Cut(s, ":")
	if k = strings.TrimSpace(k); !ok || k == "" || strings.ContainsAny(k, " \t") {
		return fmt.Errorf("want 'Name: value', got %q", s)
	}
	h[k] = strings.TrimSpace(v)
	return nil
}
