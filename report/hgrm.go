package report

import (
	"fmt"
	"io"

	"github.com/pushbench/pushbench/results"
)

// WriteHGRM writes h as HdrHistogram's standard percentile distribution text
// (the .hgrm format the HdrHistogram plotter loads), values in milliseconds.
func WriteHGRM(w io.Writer, h *results.Histogram) error {
	if _, err := h.Raw().PercentilesPrint(w, 5, 1000); err != nil {
		return fmt.Errorf("write hgrm: %w", err)
	}
	return nil
}
