package tui

// Sparklines: one-row ntcharts sparklines drawn from a frame's history
// slices. Panels draw them when a new frame arrives and cache the string, so
// View stays a join of cached strings.

import (
	"math"

	"charm.land/lipgloss/v2"
	"github.com/NimbleMarkets/ntcharts/v2/canvas"
	"github.com/NimbleMarkets/ntcharts/v2/sparkline"
)

// drawSparkline returns values as a width-column, one-row sparkline, newest
// on the right, scaled to the largest value shown. An empty history draws
// blanks so columns stay aligned.
func drawSparkline(values []float64, width int, style lipgloss.Style) string {
	if width <= 0 {
		return ""
	}
	if len(values) > width {
		values = values[len(values)-width:]
	}
	peak := 0.0
	for _, v := range values {
		if !math.IsNaN(v) {
			peak = math.Max(peak, v)
		}
	}
	sl := sparkline.New(width, 1, sparkline.WithStyle(style), sparkline.WithNoAutoMaxValue(), sparkline.WithMaxValue(math.Max(peak, 1)))
	for _, v := range values {
		if math.IsNaN(v) {
			v = 0
		}
		sl.Push(v)
	}
	sl.DrawColumnsOnly()
	// Read the glyphs back and style the row once: the canvas's own View
	// renders every cell through lipgloss, which costs more than the rest
	// of a table row.
	glyphs := make([]rune, width)
	for x := range glyphs {
		glyphs[x] = sl.Canvas.Cell(canvas.Point{X: x, Y: 0}).Rune
		if glyphs[x] == 0 {
			glyphs[x] = ' '
		}
	}
	return style.Render(string(glyphs))
}
