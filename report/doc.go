// Package report renders pushbench results for people and for other tools:
// text and Markdown tables, CSV, the latency chart (SVG), HdrHistogram .hgrm
// files, the Markdown report, the published page and run directories. It exists
// so the result model in package results stays free of presentation: results
// holds the numbers and their exact encoding, report decides how they look, and
// only this package depends on a table library.
package report
