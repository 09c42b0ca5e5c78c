package report

import (
	"fmt"
	"html"
	"io"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/pushbench/pushbench/results"
)

// FindMaxSVGFile is the saturation curve's file in a run directory, next to
// latency.svg.
const FindMaxSVGFile = "find-max.svg"

// svgGeneratorLimited is the colour of a generator-limited step's marker:
// grey, since it says nothing about the server.
const svgGeneratorLimited = "#888888"

// WriteFindMaxSVG draws the saturation curve of every searched transport:
// deliveries/s asked on a linear x axis, p99 on a log y axis (the p99 of a
// failing step is often orders of magnitude above a passing one), one line
// per transport through its steps in rate order. A passing step is a filled
// dot, a failing one a cross, a generator-limited one a grey square; a red
// ring and label mark a step that lost messages; a dashed vertical line marks
// each transport's maximum and a dashed horizontal one the p99 limit.
func WriteFindMaxSVG(w io.Writer, run *results.Run) error {
	type searched struct {
		name string
		fm   *results.FindMax
	}
	var all []searched
	maxX, minY, maxY := 0.0, math.Inf(1), 0.0
	for _, t := range run.Transports {
		if t.FindMax == nil {
			continue
		}
		all = append(all, searched{t.Transport, t.FindMax})
		for _, st := range t.FindMax.Steps {
			maxX = math.Max(maxX, st.Deliveries)
			if p := float64(st.P99); p > 0 {
				minY, maxY = math.Min(minY, p), math.Max(maxY, p)
			}
		}
		if t.FindMax.Metric == "latency.p99" && t.FindMax.Below > 0 {
			minY, maxY = math.Min(minY, t.FindMax.Below), math.Max(maxY, t.FindMax.Below)
		}
	}
	xStep, xTop := niceScale(maxX * 1.05)
	if maxY == 0 {
		minY, maxY = float64(time.Millisecond), float64(time.Second)
	}
	loDecade, hiDecade := math.Floor(math.Log10(minY)), math.Ceil(math.Log10(maxY))
	if hiDecade <= loDecade {
		hiDecade = loDecade + 1
	}
	px := func(x float64) float64 { return plotLeft + x/xTop*(plotRight-plotLeft) }
	py := func(y float64) float64 {
		if y <= 0 {
			return plotBottom
		}
		f := (math.Log10(y) - loDecade) / (hiDecade - loDecade)
		return plotBottom - math.Max(0, math.Min(1, f))*(plotBottom-plotTop)
	}

	var b strings.Builder
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d" font-family="sans-serif" font-size="12">`+"\n", svgWidth, svgHeight, svgWidth, svgHeight)
	fmt.Fprintf(&b, `<rect width="100%%" height="100%%" fill="white"/>`+"\n")
	fmt.Fprintf(&b, `<text x="%d" y="20" font-size="15" font-weight="bold">%s: p99 by deliveries/s (saturation search)</text>`+"\n", plotLeft, html.EscapeString(run.Name))
	if wl := DescribeWorkload(run); wl != "" {
		fmt.Fprintf(&b, `<text x="%d" y="38" fill="#444">%s</text>`+"\n", plotLeft, html.EscapeString(wl+" (rate varied per step)"))
	}
	for x := 0.0; x <= xTop+xStep/2 && xStep > 0; x += xStep {
		fmt.Fprintf(&b, `<line x1="%.1f" y1="%d" x2="%.1f" y2="%d" stroke="#ddd"/>`+"\n", px(x), plotTop, px(x), plotBottom)
		fmt.Fprintf(&b, `<text x="%.1f" y="%d" text-anchor="middle">%s</text>`+"\n", px(x), plotBottom+18, rateText(x))
	}
	for d := loDecade; d <= hiDecade; d++ {
		y := math.Pow(10, d)
		fmt.Fprintf(&b, `<line x1="%d" y1="%.1f" x2="%d" y2="%.1f" stroke="#ddd"/>`+"\n", plotLeft, py(y), plotRight, py(y))
		fmt.Fprintf(&b, `<text x="%d" y="%.1f" text-anchor="end">%s</text>`+"\n", plotLeft-6, py(y)+4, results.FormatDuration(time.Duration(y)))
	}
	fmt.Fprintf(&b, `<text x="%d" y="%d" text-anchor="middle">deliveries/s</text>`+"\n", (plotLeft+plotRight)/2, plotBottom+40)
	fmt.Fprintf(&b, `<text x="16" y="%d" text-anchor="middle" transform="rotate(-90 16 %d)">latency p99 (log)</text>`+"\n", (plotTop+plotBottom)/2, (plotTop+plotBottom)/2)
	fmt.Fprintf(&b, `<rect x="%d" y="%d" width="%d" height="%d" fill="none" stroke="#444"/>`+"\n", plotLeft, plotTop, plotRight-plotLeft, plotBottom-plotTop)

	ly := plotTop + 10
	for i, s := range all {
		color := svgColors[i%len(svgColors)]
		steps := slices.Clone(s.fm.Steps)
		slices.SortStableFunc(steps, func(a, b results.FindMaxStep) int {
			if a.Deliveries != b.Deliveries {
				return cmpFloat(a.Deliveries, b.Deliveries)
			}
			return a.N - b.N
		})
		if s.fm.Metric == "latency.p99" && s.fm.Below > 0 {
			fmt.Fprintf(&b, `<line class="limit" x1="%d" y1="%.1f" x2="%d" y2="%.1f" stroke="%s" stroke-dasharray="6 4"/>`+"\n",
				plotLeft, py(s.fm.Below), plotRight, py(s.fm.Below), color)
		}
		if s.fm.MaxDeliveries > 0 {
			fmt.Fprintf(&b, `<line class="max" x1="%.1f" y1="%d" x2="%.1f" y2="%d" stroke="%s" stroke-dasharray="2 3"/>`+"\n",
				px(s.fm.MaxDeliveries), plotTop, px(s.fm.MaxDeliveries), plotBottom, color)
		}
		var pts []string
		for _, st := range steps {
			if st.P99 > 0 {
				pts = append(pts, fmt.Sprintf("%.1f,%.1f", px(st.Deliveries), py(float64(st.P99))))
			}
		}
		if len(pts) > 1 {
			fmt.Fprintf(&b, `<polyline fill="none" stroke="%s" stroke-width="1.5" points="%s"/>`+"\n", color, strings.Join(pts, " "))
		}
		for _, st := range steps {
			writeStepMarker(&b, st, px(st.Deliveries), py(float64(st.P99)), color)
		}
		fmt.Fprintf(&b, `<line x1="%d" y1="%d" x2="%d" y2="%d" stroke="%s" stroke-width="3"/>`+"\n", plotRight+14, ly, plotRight+34, ly, color)
		fmt.Fprintf(&b, `<text x="%d" y="%d">%s</text>`+"\n", plotRight+40, ly+4, html.EscapeString(s.name))
		ly += 14
		fmt.Fprintf(&b, `<text x="%d" y="%d" font-size="11">%s</text>`+"\n", plotRight+40, ly+4, html.EscapeString(maxLabel(*s.fm)))
		ly += 22
	}
	ly += 6
	for _, l := range []struct{ mark, text string }{
		{fmt.Sprintf(`<circle cx="%d" cy="%d" r="4" fill="#444"/>`, plotRight+24, ly), "pass"},
		{crossPath(plotRight+24, float64(ly), "#444"), "fail"},
		{fmt.Sprintf(`<rect x="%d" y="%d" width="8" height="8" fill="%s"/>`, plotRight+20, ly-4, svgGeneratorLimited), "generator-limited"},
		{fmt.Sprintf(`<circle cx="%d" cy="%d" r="7" fill="none" stroke="%s"/>`, plotRight+24, ly, svgWarning), "lost messages"},
	} {
		fmt.Fprintf(&b, "%s\n"+`<text x="%d" y="%d" font-size="11">%s</text>`+"\n", l.mark, plotRight+40, ly+4, l.text)
		ly += 18
	}
	if len(all) == 0 {
		fmt.Fprintf(&b, `<text x="%d" y="%d" text-anchor="middle">no saturation search in this run</text>`+"\n", (plotLeft+plotRight)/2, (plotTop+plotBottom)/2)
	}
	b.WriteString("</svg>\n")
	_, err := io.WriteString(w, b.String())
	return err
}

// writeStepMarker draws one step: its outcome's marker, and a red ring with
// the loss when it lost messages.
func writeStepMarker(b *strings.Builder, st results.FindMaxStep, x, y float64, color string) {
	title := fmt.Sprintf("<title>step %d (%s): %s/s, p99 %s, loss %s: %s</title>", st.N, st.Phase, rateText(st.Deliveries),
		durationText(time.Duration(st.P99)), lossPercentOrZero(st.LossRatio), html.EscapeString(st.Outcome))
	switch st.Outcome {
	case results.StepPass:
		fmt.Fprintf(b, `<circle class="pass" cx="%.1f" cy="%.1f" r="4" fill="%s">%s</circle>`+"\n", x, y, color, title)
	case results.StepGeneratorLimited:
		fmt.Fprintf(b, `<rect class="generator-limited" x="%.1f" y="%.1f" width="8" height="8" fill="%s">%s</rect>`+"\n", x-4, y-4, svgGeneratorLimited, title)
	default:
		fmt.Fprintf(b, `<g class="fail">%s%s</g>`+"\n", crossPath(x, y, color), title)
	}
	if st.LossRatio > 0 {
		fmt.Fprintf(b, `<circle class="loss" cx="%.1f" cy="%.1f" r="7" fill="none" stroke="%s"/>`+"\n", x, y, svgWarning)
		fmt.Fprintf(b, `<text x="%.1f" y="%.1f" font-size="10" fill="%s">%s</text>`+"\n", x+8, y-8, svgWarning, lossPercent(st.LossRatio))
	}
}

// crossPath is a fail marker: an x centred on (x, y).
func crossPath(x, y float64, color string) string {
	return fmt.Sprintf(`<path d="M%.1f %.1fL%.1f %.1fM%.1f %.1fL%.1f %.1f" stroke="%s" stroke-width="2"/>`,
		x-4, y-4, x+4, y+4, x-4, y+4, x+4, y-4, color)
}

// maxLabel is a transport's legend line: its maximum and what bounded it.
func maxLabel(fm results.FindMax) string {
	if fm.MaxDeliveries == 0 {
		return "no step passed"
	}
	return fmt.Sprintf("max %s/s (limit: %s)", rateText(fm.MaxDeliveries), fm.Limit)
}

func cmpFloat(a, b float64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}
