package tui

// historyModel: the ops/s history as a bar chart several rows tall, in the
// rows a tall terminal has left after the tables. The header's sparkline
// shows the same numbers in one row; this shows their shape. It renders when
// a frame or its size changes; it has no keys.

import (
	"fmt"
	"math"
	"strings"

	"github.com/NimbleMarkets/ntcharts/v2/canvas/runes"

	"github.com/haktop/haktop/textfmt"
)

// minChartHeight is the fewest rows the chart is shown in: a title and a
// row of bars (the rows would otherwise be blank).
const minChartHeight = 2

// chartGutter is the width of the scale left of the bars, "71.2M ┤".
const chartGutter = 8

type historyModel struct {
	styles *Styles
	width  int
	height int
	values []float64
	unit   string // what the values count, e.g. "ops/s"
	view   string
}

func newHistoryModel(s *Styles) historyModel { return historyModel{styles: s} }

func (m *historyModel) setSize(w, h int) {
	m.width, m.height = w, h
	m.render()
}

func (m *historyModel) setFrame(f Frame) {
	m.values, m.unit = f.OpsHistory, f.OpsUnit
	if m.unit == "" {
		m.unit = "ops/s"
	}
	m.render()
}

// render draws the newest samples that fit, right-aligned, each column
// scaled to the peak shown: a full cell per row, the top cell in eighths.
func (m *historyModel) render() {
	if m.height < minChartHeight || m.width <= chartGutter {
		m.view = ""
		return
	}
	s := m.styles
	bars := m.height - 1
	cols := m.width - chartGutter
	values := m.values
	if len(values) > cols {
		values = values[len(values)-cols:]
	}
	peak, now := 0.0, math.NaN()
	for _, v := range values {
		if !math.IsNaN(v) {
			peak = math.Max(peak, v)
		}
	}
	if len(values) > 0 {
		now = values[len(values)-1]
	}
	title := fmt.Sprintf(" %s history: last %d samples, peak %s, now %s", m.unit, len(values), textfmt.Rate(peak), textfmt.Rate(now))
	if len(values) == 0 { // nothing was measured (a program the shim cannot enter): no peak of 0
		title = fmt.Sprintf(" %s history: none measured", m.unit)
	}
	lines := make([]string, 0, m.height)
	lines = append(lines, s.PanelTitle.Render(title))
	var b strings.Builder
	for row := range bars {
		level := bars - 1 - row // rows below this one
		label := ""
		switch {
		case len(values) == 0:
			lines = append(lines, strings.Repeat(" ", m.width)) // no scale of nothing
			continue
		case row == 0:
			label = textfmt.Rate(peak)
		case row == bars-1:
			label = "0"
		}
		b.Reset()
		b.WriteString(strings.Repeat(" ", cols-len(values)))
		for _, v := range values {
			fill := 0.0
			if peak > 0 && !math.IsNaN(v) && v > 0 {
				fill = v/peak*float64(bars) - float64(level)
			}
			switch {
			case fill >= 1:
				b.WriteRune(runes.FullBlock)
			case fill > 0:
				r := runes.LowerBlockElementFromFloat64(fill)
				if r == runes.Null {
					r = ' '
				}
				b.WriteRune(r)
			default:
				b.WriteByte(' ')
			}
		}
		lines = append(lines, s.Dim.Render(alignRight(label, chartGutter-2)+" ┤")+s.Chart.Render(b.String()))
	}
	m.view = strings.Join(lines, "\n")
}

func (m historyModel) View() string { return m.view }
