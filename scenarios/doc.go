// Package scenarios loads scenario files: YAML that says what load to apply and
// what counts as a pass. Decoding is strict (unknown keys are errors) and every
// error names file:line:column and the key, so a CI log points at the line to
// fix. A Scenario turns into loadgen.Options per transport; its thresholds are
// evaluated on the merged results of a run.
package scenarios
