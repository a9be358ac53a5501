package web

import (
	"fmt"
	"html"
	"html/template"
	"math"
	"strings"
)

// bar is one bar of a chart: its label, the value that sizes it, and the
// value as people read it.
type bar struct {
	Label string
	Value float64
	Text  string
}

// Chart geometry, in SVG user units.
const (
	chartLabelW = 170 // the label column
	chartBarW   = 380 // the longest bar
	chartTextW  = 110 // the value after a bar
	chartRowH   = 22
	chartBarH   = 16
)

// barChart draws bars as a horizontal bar chart in SVG, the longest bar
// for the largest value. Labels are escaped; the chart carries its title
// for screen readers, and each bar its label and value as data attributes
// (for tests; people read the table beside it). It needs neither script
// nor style attributes, which the Content-Security-Policy forbids.
func barChart(id, title string, bars []bar) template.HTML {
	maxV := 0.0
	for _, b := range bars {
		maxV = math.Max(maxV, b.Value)
	}
	width, height := chartLabelW+chartBarW+chartTextW, max(1, len(bars))*chartRowH
	var sb strings.Builder
	fmt.Fprintf(&sb, `<svg xmlns="http://www.w3.org/2000/svg" id="%s" class="chart" role="img" aria-labelledby="%s-title" width="%d" height="%d" viewBox="0 0 %d %d">`,
		html.EscapeString(id), html.EscapeString(id), width, height, width, height)
	fmt.Fprintf(&sb, `<title id="%s-title">%s</title>`, html.EscapeString(id), html.EscapeString(title))
	for i, b := range bars {
		writeBar(&sb, i, b, barWidth(b.Value, maxV))
	}
	sb.WriteString(`</svg>`)
	return template.HTML(sb.String()) // every piece of text above is escaped
}

// barWidth scales v against the largest value; a value above zero always
// shows at least one unit.
func barWidth(v, maxV float64) int {
	if v <= 0 || maxV <= 0 {
		return 0
	}
	return max(1, int(math.Round(v/maxV*chartBarW)))
}

func writeBar(sb *strings.Builder, i int, b bar, w int) {
	y := i * chartRowH
	label, text := html.EscapeString(b.Label), html.EscapeString(b.Text)
	fmt.Fprintf(sb, `<g class="bar" data-label="%s" data-value="%s">`, label, html.EscapeString(fmt.Sprint(b.Value)))
	fmt.Fprintf(sb, `<text x="%d" y="%d" text-anchor="end" font-size="12" fill="#222">%s</text>`, chartLabelW-6, y+15, label)
	fmt.Fprintf(sb, `<rect x="%d" y="%d" width="%d" height="%d" fill="#2f5f8a"><title>%s: %s</title></rect>`,
		chartLabelW, y+3, w, chartBarH, label, text)
	fmt.Fprintf(sb, `<text x="%d" y="%d" font-size="12" fill="#222">%s</text>`, chartLabelW+w+4, y+15, text)
	sb.WriteString(`</g>`)
}
