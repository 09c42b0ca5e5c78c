package scenarios

import (
	"github.com/goccy/go-yaml/ast"
	"github.com/pushbench/pushbench/workload"
)

// PosError is an error at a place in a scenario file: file:line:column, the
// key, and what is wrong.
type PosError = workload.PosError

// nodeError places an error at node; Load fills in the file name.
func nodeError(node ast.Node, format string, args ...any) error {
	return workload.NodeError(node, format, args...)
}

// keyPath turns goccy's "$.thresholds.all" into "thresholds.all".
func keyPath(p string) string { return workload.KeyPath(p) }
