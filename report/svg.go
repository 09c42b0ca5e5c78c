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
	svgWidth, svgHeight     = 760, 420
	plotLeft, plotRight     = 70, 600
	plotTop, plotBottom     = 40, 370
	spectrumDecades         = 4 // 0% .. 99.99%
	spectrumPointsPerDecade = 50
)

var svgColors = []string{"#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#17becf", "#7f7f7f"}

// WriteLatencySVG draws the latency percentile spectrum of every transport in
// the run: percentile on a log "nines" axis from 0% to 99.99%, latency on a
// linear axis, one line per transport, in the style of HdrHistogram's plotter.
func WriteLatencySVG(w io.Writer, run *results.Run) error {
	type series struct {
		name   string
		points [][2]float64 // x in decades, y in ns
	}
	var all []series
	maxY := 0.0
	for _, t := range run.Transports {
		h := t.Hist(results.HistLatency)
		if h.Count() == 0 {
			continue
		}
		s := series{name: t.Transport}
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
	fmt.Fprintf(&b, `<text x="%d" y="22" font-size="15" font-weight="bold">%s: latency by percentile</text>`+"\n", plotLeft, html.EscapeString(run.Name))
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
	for i, s := range all {
		color := svgColors[i%len(svgColors)]
		pts := make([]string, len(s.points))
		for j, p := range s.points {
			pts[j] = fmt.Sprintf("%.1f,%.1f", px(p[0]), py(p[1]))
		}
		fmt.Fprintf(&b, `<polyline fill="none" stroke="%s" stroke-width="2" points="%s"/>`+"\n", color, strings.Join(pts, " "))
		ly := plotTop + 10 + 20*i
		fmt.Fprintf(&b, `<line x1="%d" y1="%d" x2="%d" y2="%d" stroke="%s" stroke-width="3"/>`+"\n", plotRight+14, ly, plotRight+34, ly, color)
		fmt.Fprintf(&b, `<text x="%d" y="%d">%s</text>`+"\n", plotRight+40, ly+4, html.EscapeString(s.name))
	}
	if len(all) == 0 {
		fmt.Fprintf(&b, `<text x="%d" y="%d" text-anchor="middle">no latency samples</text>`+"\n", (plotLeft+plotRight)/2, (plotTop+plotBottom)/2)
	}
	b.WriteString("</svg>\n")
	_, err := io.WriteString(w, b.String())
	return err
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
