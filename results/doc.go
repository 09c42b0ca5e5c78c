// Package results is the result model of a pushbench run and everything that
// re-reads it: the exact histogram codec, merging of results from several
// load-generator workers, summaries, and rendered tables. The load generator only
// produces Result values; reports, merges and comparisons work from the saved
// files without re-running load.
package results
