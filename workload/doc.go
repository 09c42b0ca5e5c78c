// Package workload is the one definition of a load: which pattern, how many
// connections, how fast, for how long. Scenario files decode into it, the run
// command's flags take their defaults from its constants, and the load
// generator runs it as given. Defaults are applied in exactly one place,
// WithDefaults, so a result file records the values that were used.
package workload
