// Package results is the result model of a pushbench run and everything that
// works on its numbers: the run and per-transport results, the exact histogram
// codec, the result.json codec, metrics and their units, merging of results
// from several load-generator workers, and comparing runs. The load generator
// only produces Run values; merges and comparisons work from the saved files
// without re-running load. Rendering results for people and other tools
// (tables, CSV, charts, pages) lives in package report.
package results
