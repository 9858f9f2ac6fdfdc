package web

import (
	"fmt"
	"html"
	"html/template"
	"slices"
	"strings"
	"time"
)

// Chart geometry, in SVG user units.
const (
	chartW, chartH = 640, 220
	chartLeft      = 48
	chartRight     = 16
	chartTop       = 16
	chartBottom    = 36
)

// gradeChart draws the public grade over time as a step line, best grade
// at the top, on the server: no script. The same points are in the table
// beside it; the chart is an image with a title and a description for
// those who do not see it. It returns "" when there is nothing to draw.
func gradeChart(l *lang, points []gradePoint, now time.Time) template.HTML {
	if len(points) == 0 {
		return ""
	}
	start, end := points[0].At, now
	if !end.After(start) {
		end = start.Add(24 * time.Hour)
	}
	plotW := float64(chartW - chartLeft - chartRight)
	plotH := float64(chartH - chartTop - chartBottom)
	x := func(t time.Time) float64 {
		return chartLeft + plotW*float64(t.Sub(start))/float64(end.Sub(start))
	}
	y := func(g string) float64 {
		i := slices.Index(gradeLetters, g)
		if i < 0 {
			i = len(gradeLetters) - 1
		}
		return chartTop + plotH*float64(i)/float64(len(gradeLetters)-1)
	}
	var b strings.Builder
	fmt.Fprintf(&b, `<svg class="chart" viewBox="0 0 %d %d" role="img" aria-labelledby="chart-title chart-desc" xmlns="http://www.w3.org/2000/svg">`, chartW, chartH)
	fmt.Fprintf(&b, `<title id="chart-title">%s</title>`, html.EscapeString(l.T["org.chart"]))
	var desc []string
	for _, p := range points {
		desc = append(desc, dateOf(p.At)+": "+p.Grade)
	}
	fmt.Fprintf(&b, `<desc id="chart-desc">%s</desc>`, html.EscapeString(strings.Join(desc, "; ")))
	for _, g := range gradeLetters {
		fmt.Fprintf(&b, `<line class="grid" x1="%d" x2="%d" y1="%.1f" y2="%.1f"/>`, chartLeft, chartW-chartRight, y(g), y(g))
		fmt.Fprintf(&b, `<text class="axis" x="%d" y="%.1f" text-anchor="end" dominant-baseline="middle">%s</text>`, chartLeft-10, y(g), html.EscapeString(g))
	}
	var path strings.Builder
	for i, p := range points {
		if i == 0 {
			fmt.Fprintf(&path, "M%.1f %.1f", x(p.At), y(p.Grade))
		} else {
			fmt.Fprintf(&path, " H%.1f V%.1f", x(p.At), y(p.Grade))
		}
	}
	fmt.Fprintf(&path, " H%.1f", x(end))
	fmt.Fprintf(&b, `<path class="line" d="%s"/>`, path.String())
	for _, p := range points {
		fmt.Fprintf(&b, `<circle class="point" cx="%.1f" cy="%.1f" r="5"/>`, x(p.At), y(p.Grade))
	}
	fmt.Fprintf(&b, `<text class="axis" x="%d" y="%d">%s</text>`, chartLeft, chartH-10, dateOf(start))
	fmt.Fprintf(&b, `<text class="axis" x="%d" y="%d" text-anchor="end">%s</text>`, chartW-chartRight, chartH-10, dateOf(end))
	b.WriteString(`</svg>`)
	return template.HTML(b.String())
}
