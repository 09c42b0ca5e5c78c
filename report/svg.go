package report

import (
	"fmt"
	"html"
	"io"
	"math"
	"strings"
	"time"

	"github.com/pushbench/pushbench/results"
)

// Chart geometry, in SVG user units.
const (
	svgWidth, svgHeight     = 800, 420
	plotLeft, plotRight     = 70, 600
	plotTop, plotBottom     = 50, 370
	spectrumDecades         = 4 // 0% .. 99.99%
	spectrumPointsPerDecade = 50
)

var svgColors = []string{"#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#17becf", "#7f7f7f"}

// svgWarning is the colour of the legend notes that say a line is not the
// whole story (loss, saturation, no samples).
const svgWarning = "#d00000"

// WriteLatencySVG draws the latency percentile spectrum of every transport in
// the run: percentile on a log "nines" axis from 0% to 99.99%, latency on a
// linear axis, one line per transport, in the style of HdrHistogram's plotter.
// The title names the workload, and the legend notes in red, per transport,
// lost messages, a saturated generator and the absence of samples: lost
// messages are no latency samples, so without the note a run that lost most of
// its messages would draw as a healthy line.
func WriteLatencySVG(w io.Writer, run *results.Run) error {
	type series struct {
		name   string
		notes  []string
		points [][2]float64 // x in decades, y in ns
	}
	var all []series
	maxY := 0.0
	for _, t := range run.Transports {
		h := t.Hist(results.HistLatency)
		s := series{name: t.Transport, notes: chartNotes(Summarize(t))}
		if h.Count() == 0 {
			all = append(all, s)
			continue
		}
		for i := 0; i <= spectrumDecades*spectrumPointsPerDecade; i++ {
			x := float64(i) / spectrumPointsPerDecade
			q := 1 - math.Pow(10, -x)
			y := float64(h.Quantile(q))
			s.points = append(s.points, [2]float64{x, y})
			maxY = math.Max(maxY, y)
		}
		all = append(all, s)
	}
	step, top := niceScale(maxY)
	px := func(x float64) float64 { return plotLeft + x/spectrumDecades*(plotRight-plotLeft) }
	py := func(y float64) float64 { return plotBottom - y/top*(plotBottom-plotTop) }

	var b strings.Builder
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d" font-family="sans-serif" font-size="12">`+"\n", svgWidth, svgHeight, svgWidth, svgHeight)
	fmt.Fprintf(&b, `<rect width="100%%" height="100%%" fill="white"/>`+"\n")
	fmt.Fprintf(&b, `<text x="%d" y="20" font-size="15" font-weight="bold">%s: latency by percentile</text>`+"\n", plotLeft, html.EscapeString(run.Name))
	if wl := DescribeWorkload(run); wl != "" {
		fmt.Fprintf(&b, `<text x="%d" y="38" fill="#444">%s</text>`+"\n", plotLeft, html.EscapeString(wl))
	}
	for x := 0; x <= spectrumDecades; x++ {
		label := "0%"
		if x > 0 {
			label = strings.TrimSuffix(fmt.Sprintf("%.*f", max(x-2, 0), 100*(1-math.Pow(10, -float64(x)))), ".") + "%"
		}
		fmt.Fprintf(&b, `<line x1="%.1f" y1="%d" x2="%.1f" y2="%d" stroke="#ddd"/>`+"\n", px(float64(x)), plotTop, px(float64(x)), plotBottom)
		fmt.Fprintf(&b, `<text x="%.1f" y="%d" text-anchor="middle">%s</text>`+"\n", px(float64(x)), plotBottom+18, label)
	}
	for y := 0.0; y <= top+step/2 && step > 0; y += step {
		fmt.Fprintf(&b, `<line x1="%d" y1="%.1f" x2="%d" y2="%.1f" stroke="#ddd"/>`+"\n", plotLeft, py(y), plotRight, py(y))
		fmt.Fprintf(&b, `<text x="%d" y="%.1f" text-anchor="end">%s</text>`+"\n", plotLeft-6, py(y)+4, results.FormatDuration(time.Duration(y)))
	}
	fmt.Fprintf(&b, `<text x="%d" y="%d" text-anchor="middle">percentile</text>`+"\n", (plotLeft+plotRight)/2, plotBottom+40)
	fmt.Fprintf(&b, `<text x="16" y="%d" text-anchor="middle" transform="rotate(-90 16 %d)">latency</text>`+"\n", (plotTop+plotBottom)/2, (plotTop+plotBottom)/2)
	fmt.Fprintf(&b, `<rect x="%d" y="%d" width="%d" height="%d" fill="none" stroke="#444"/>`+"\n", plotLeft, plotTop, plotRight-plotLeft, plotBottom-plotTop)
	plotted := 0
	ly := plotTop + 10
	for i, s := range all {
		color := svgColors[i%len(svgColors)]
		if len(s.points) > 0 {
			plotted++
			pts := make([]string, len(s.points))
			for j, p := range s.points {
				pts[j] = fmt.Sprintf("%.1f,%.1f", px(p[0]), py(p[1]))
			}
			fmt.Fprintf(&b, `<polyline fill="none" stroke="%s" stroke-width="2" points="%s"/>`+"\n", color, strings.Join(pts, " "))
			fmt.Fprintf(&b, `<line x1="%d" y1="%d" x2="%d" y2="%d" stroke="%s" stroke-width="3"/>`+"\n", plotRight+14, ly, plotRight+34, ly, color)
		}
		fmt.Fprintf(&b, `<text x="%d" y="%d">%s</text>`+"\n", plotRight+40, ly+4, html.EscapeString(s.name))
		for _, n := range s.notes {
			ly += 14
			fmt.Fprintf(&b, `<text x="%d" y="%d" font-size="11" fill="%s">%s</text>`+"\n", plotRight+40, ly+4, svgWarning, html.EscapeString(n))
		}
		ly += 22
	}
	if plotted == 0 {
		fmt.Fprintf(&b, `<text x="%d" y="%d" text-anchor="middle">no latency samples</text>`+"\n", (plotLeft+plotRight)/2, (plotTop+plotBottom)/2)
	}
	b.WriteString("</svg>\n")
	_, err := io.WriteString(w, b.String())
	return err
}

// chartNotes are the legend notes of one transport: what its line does not
// show.
func chartNotes(s Summary) []string {
	var notes []string
	if s.LatencySamples == 0 {
		notes = append(notes, "no latency samples")
	}
	if s.Lost > 0 {
		notes = append(notes, "lost "+lossPercent(s.LossRatio)+" of messages")
	}
	if s.Saturated {
		notes = append(notes, "* generator saturated")
	}
	return notes
}

// lossPercent writes a loss ratio as a percentage that is never 0.00% when
// something was lost.
func lossPercent(ratio float64) string {
	if p := 100 * ratio; p >= 0.01 {
		return fmt.Sprintf("%.2f%%", p)
	}
	return "<0.01%"
}

// niceScale picks a round tick step (1, 2 or 5 x 10^n) and the axis top for a
// maximum value.
func niceScale(maxY float64) (step, top float64) {
	if maxY <= 0 {
		return float64(time.Millisecond), float64(time.Millisecond)
	}
	raw := maxY / 5
	mag := math.Pow(10, math.Floor(math.Log10(raw)))
	for _, m := range []float64{1, 2, 5, 10} {
		if m*mag >= raw {
			step = m * mag
			break
		}
	}
	return step, math.Ceil(maxY/step) * step
}
