package tui

// Sparklines: one-row sparklines from a frame's history slices, built from
// ntcharts' pieces: its scaling ring buffer and its lower-block runes, the
// same two steps sparkline.Model.DrawColumnsOnly takes. The Model itself
// draws through a canvas of 656-byte cells, newly allocated on every draw;
// at 17 sparklines per frame that garbage alone kept the Go GC busy enough
// to cost the workload several percent of its ops/s. Panels draw when a
// frame arrives and cache the string.

import (
	"math"
	"strings"

	"charm.land/lipgloss/v2"
	"github.com/NimbleMarkets/ntcharts/v2/canvas/buffer"
	"github.com/NimbleMarkets/ntcharts/v2/canvas/runes"
)

// drawSparkline returns values as a width-column, one-row sparkline, newest
// on the right, scaled to the largest value shown. Missing history is blank,
// so columns stay aligned.
func drawSparkline(values []float64, width int, style lipgloss.Style) string {
	return drawSparklineIn(values, width, wrapOf(style))
}

// wrap is a style's rendering of one line of text as the escape sequences
// before and after it, so a panel styles each of its sparklines by
// concatenation instead of a lipgloss Render per row.
type wrap struct{ pre, post string }

// wrapOf returns style's wrap. The style must style a line as a whole (a
// colour, no padding, width or borders), as the sparkline styles do.
func wrapOf(style lipgloss.Style) wrap {
	r := style.Render("x")
	i := strings.IndexByte(r, 'x')
	return wrap{r[:i], r[i+1:]}
}

// drawSparklineIn is drawSparkline in the style w wraps.
func drawSparklineIn(values []float64, width int, w wrap) string {
	if width <= 0 {
		return ""
	}
	if len(values) > width {
		values = values[len(values)-width:]
	}
	peak := 1.0
	for _, v := range values {
		if !math.IsNaN(v) {
			peak = math.Max(peak, v)
		}
	}
	buf := buffer.NewFloat64ScaleRingBuffer(width, 0, 1/peak) // one row: the peak is one full cell
	for _, v := range values {
		if math.IsNaN(v) || v < 0 {
			v = 0
		}
		buf.Push(v)
	}
	var b strings.Builder
	b.Grow(len(w.pre) + 3*width + len(w.post))
	b.WriteString(w.pre)
	b.WriteString(strings.Repeat(" ", width-buf.Length()))
	for _, v := range buf.ReadAll() {
		r := runes.FullBlock
		if v < 1 {
			r = runes.LowerBlockElementFromFloat64(v)
		}
		if r == runes.Null {
			r = ' '
		}
		b.WriteRune(r)
	}
	b.WriteString(w.post)
	return b.String()
}
