package tui

// hotPathsModel: where the CPU goes, by allocator path (plus the workload
// and runtime/GC buckets), from profile/'s attribution: CPU % as a bubbles
// progress bar, hits/s from the counters, and the guarding gate drawn in its
// verdict's colour. Busiest first. It owns its table and bar; rows are
// rendered when a frame arrives.

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"strings"

	"charm.land/bubbles/v2/progress"
	"charm.land/bubbles/v2/table"
	tea "charm.land/bubbletea/v2"

	"github.com/haktop/haktop/profile"
	"github.com/haktop/haktop/textfmt"
)

const (
	hpColPath = iota
	hpColCPU
	hpColHits
	hpColGate
	numHotPathCols
)

var hotPathTitles = [numHotPathCols]string{"path", "CPU %", "hits/s", "gate"}

// hotPathMinWidths are the narrowest the columns get. Room beyond them goes
// first to the path names (whole), then to the CPU bar and hits/s, then to
// a longer bar, and the rest to the gate column.
var hotPathMinWidths = []int{16, 9, 6, 19}

type hotPathsModel struct {
	tablePanel
	hideIdle bool // i: paths with no CPU and no hits are left out, unless their verdict warns
	bar      progress.Model
	rows     []PathRow
	memo     memo // renderings of gate labels and idle cells
	// bars are the CPU bars of the last render, by share, at barWidth: a
	// share that did not change is not drawn again (CPU shares change once
	// per profile window, the hits every frame).
	bars     map[float64]string
	barWidth int
}

func newHotPathsModel(s *Styles, k KeyMap) hotPathsModel {
	bar := progress.New(
		progress.WithColors(s.BarFill),
		progress.WithFillCharacters('█', '░'),
	)
	bar.EmptyColor = s.BarRest
	bar.PercentFormat = " %5.1f%%"
	return hotPathsModel{tablePanel: newTablePanel(s, k), bar: bar, memo: memo{}}
}

func (m *hotPathsModel) setFocus(on bool) {
	m.focus(on)
	m.render()
}

func (m *hotPathsModel) setSize(w, h int) {
	m.resize(w, h)
	m.render()
}

func (m *hotPathsModel) setFrame(f Frame) {
	m.rows = f.Paths
	m.render()
}

// idlePath reports whether i leaves r out: no CPU, no hits, and no verdict
// that warns (a gated path that never ran is the point of the screen).
func idlePath(r PathRow) bool {
	quiet := func(v float64) bool { return math.IsNaN(v) || v == 0 }
	return quiet(r.CPUPercent) && quiet(r.HitsPerSec) && r.Verdict != profile.NeverExecuted && r.Verdict != profile.Inconsistent
}

func (m *hotPathsModel) setHideIdle(on bool) {
	m.hideIdle = on
	m.render()
}

// count returns how many rows the panel shows.
func (m hotPathsModel) count() int { return countShown(m.rows, m.hideIdle, idlePath) }

// sortedRows returns the paths busiest first: by CPU share, then hit rate,
// ties in registry order.
func (m hotPathsModel) sortedRows() []PathRow {
	rows := slices.Clone(m.rows)
	if m.hideIdle {
		rows = slices.DeleteFunc(rows, idlePath)
	}
	num := func(v float64) float64 {
		if math.IsNaN(v) {
			return -1
		}
		return v
	}
	slices.SortStableFunc(rows, func(a, b PathRow) int {
		if c := cmp.Compare(num(b.CPUPercent), num(a.CPUPercent)); c != 0 {
			return c
		}
		return cmp.Compare(num(b.HitsPerSec), num(a.HitsPerSec))
	})
	return rows
}

func (m *hotPathsModel) render() {
	if m.width == 0 {
		return
	}
	longest, profiled := 0, false
	for _, r := range m.rows {
		longest = max(longest, cellWidth(r.Name))
		profiled = profiled || !math.IsNaN(r.CPUPercent)
	}
	wants := []want{{hpColPath, longest}, {hpColHits, 7}}
	if profiled { // without a profile the column only says "—"
		wants = []want{{hpColPath, longest}, {hpColCPU, 13}, {hpColHits, 7}, {hpColCPU, 27}}
	}
	widths := fitColumns(m.width, hotPathMinWidths, wants, hpColGate, 0)
	cols := make([]table.Column, numHotPathCols)
	for i := range cols {
		title := hotPathTitles[i]
		if i == hpColHits {
			title = alignRight(title, widths[i])
		}
		cols[i] = table.Column{Title: title, Width: widths[i]}
	}
	m.bar.SetWidth(widths[hpColCPU])
	last := m.bars
	if m.barWidth != widths[hpColCPU] {
		last = nil
	}
	m.bars, m.barWidth = make(map[float64]string, len(m.rows)), widths[hpColCPU]
	bar := func(share float64) string {
		b, ok := last[share]
		if !ok {
			b = m.bar.ViewAs(share)
		}
		m.bars[share] = b
		return b
	}

	rows := m.sortedRows()
	out := make([]table.Row, len(rows))
	for i, r := range rows {
		cpu := alignRight("—", widths[hpColCPU])
		switch {
		case !math.IsNaN(r.CPUPercent):
			cpu = bar(math.Min(r.CPUPercent, 100) / 100)
		}
		gate := ""
		if r.Gate != "" {
			gates := strings.Split(strings.ReplaceAll(r.Gate, "HAKMEM_", ""), ",")
			gate = gates[0]
			if len(gates) > 1 {
				gate += fmt.Sprintf("+%d", len(gates)-1)
			}
			gate = m.memo.render(string(r.Verdict), m.styles.VerdictStyle(r.Verdict), VerdictSymbol(r.Verdict)+" "+gate)
		}
		cells := table.Row{r.Name, cpu, alignRight(textfmt.Rate(r.HitsPerSec), widths[hpColHits]), gate}
		if (math.IsNaN(r.CPUPercent) || r.CPUPercent == 0) && (math.IsNaN(r.HitsPerSec) || r.HitsPerSec == 0) {
			cells[hpColPath] = m.memo.render("dim", m.styles.Dim, cells[hpColPath])
			cells[hpColHits] = m.memo.render("dim", m.styles.Dim, cells[hpColHits])
		}
		out[i] = cells
	}
	if m.setTable(cols, out, -1) || m.view == "" {
		m.finish()
	}
}

// Update scrolls the table when the panel has focus.
func (m hotPathsModel) Update(msg tea.Msg) (hotPathsModel, tea.Cmd) {
	if k, ok := msg.(tea.KeyPressMsg); ok && m.focused && m.scroll(k) {
		m.render() // the window moved, and the rows the cursor left and reached restyle
	}
	return m, nil
}

func (m hotPathsModel) View() string { return m.view }
