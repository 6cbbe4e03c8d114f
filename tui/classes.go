package tui

// classesModel: the per-class table (tiny C0..C7, pool P0..P6, large L) with
// rates, fast-hit ratio, blocks and bytes in use and an alloc/s sparkline
// per row. It owns the sort
// order (s cycles it, --sort picks it at start) and its table's cursor; it
// renders rows when a frame arrives, so View only joins cached strings.

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"strings"

	"charm.land/bubbles/v2/table"
	tea "charm.land/bubbletea/v2"
	"github.com/haktop/haktop/textfmt"
)

// SortColumn is a column the classes table can be sorted by.
type SortColumn int

// Sort columns, in the order s cycles through them.
const (
	SortClass SortColumn = iota
	SortSize
	SortAlloc
	SortFast
	SortRefill
	SortFallback
	SortFree
	SortRemote
	SortLive  // blocks in use
	SortBytes // bytes in use
	numSortColumns
)

var sortNames = [numSortColumns]string{"class", "size", "alloc", "fast", "refill", "fallback", "free", "remote", "live", "bytes"}

// SortColumnNames returns the --sort names, in the order s cycles through
// them.
func SortColumnNames() []string { return slices.Clone(sortNames[:]) }

// String returns the column's --sort name.
func (c SortColumn) String() string { return sortNames[c] }

// ParseSortColumn returns the column --sort names, or an error naming the
// value and the accepted forms.
func ParseSortColumn(name string) (SortColumn, error) {
	for i, n := range sortNames {
		if strings.EqualFold(name, n) {
			return SortColumn(i), nil
		}
	}
	return 0, fmt.Errorf("--sort %q: want one of %s", name, strings.Join(sortNames[:], ", "))
}

// Column indexes of the classes table.
const (
	colClass = iota
	colSize
	colAlloc
	colFast
	colRefill
	colFallback
	colFree
	colRemote
	colLive
	colLiveBytes
	colSpark
	numClassCols
)

var classTitles = [numClassCols]string{"class", "size", "alloc/s", "fast %", "refill/s", "fallback/s", "free/s", "remote/s", "live", "live bytes", "alloc/s history"}

// classMinWidths are the narrowest the columns get; the sparkline takes the rest.
var classMinWidths = []int{6, 5, 8, 7, 9, 11, 7, 9, 6, 11, 4} // room for the ▼ after each title

// classDropOrder is the order columns leave a terminal too narrow for all
// of them (80 columns drops the first two); the sorted column stays.
var classDropOrder = []int{colFallback, colRemote, colRefill}

type classesModel struct {
	tablePanel
	hideIdle bool // i: classes with no allocs, no frees and no live blocks are left out
	sort     SortColumn
	rows     []ClassRow // the frame's rows, in class order
	shown    []string   // the classes on screen, in display order
	memo     memo       // renderings of idle cells
}

func newClassesModel(s *Styles, k KeyMap, sort SortColumn) classesModel {
	return classesModel{tablePanel: newTablePanel(s, k), sort: sort, memo: memo{}}
}

func (m *classesModel) setFocus(on bool) {
	m.focus(on)
	m.render()
}

func (m *classesModel) setSize(w, h int) {
	m.resize(w, h)
	m.render()
}

func (m *classesModel) setFrame(f Frame) {
	m.rows = f.Classes
	m.render()
}

// idleClass reports whether i leaves r out: no traffic and nothing in use.
func idleClass(r ClassRow) bool { return r.Idle() && r.LiveBlocks == 0 }

func (m *classesModel) setHideIdle(on bool) {
	m.hideIdle = on
	m.render()
}

// count returns how many rows the panel shows.
func (m classesModel) count() int { return countShown(m.rows, m.hideIdle, idleClass) }

// sortedRows returns the rows in display order: class order for class and
// size, otherwise busiest first, ties in class order.
func (m classesModel) sortedRows() []ClassRow {
	rows := slices.Clone(m.rows)
	if m.hideIdle {
		rows = slices.DeleteFunc(rows, idleClass)
	}
	if m.sort == SortClass || m.sort == SortSize {
		return rows // class order is size order
	}
	key := func(r ClassRow) float64 {
		switch m.sort {
		case SortAlloc:
			return r.AllocPerSec
		case SortFast:
			if math.IsNaN(r.FastRatio) {
				return -1
			}
			return r.FastRatio
		case SortRefill:
			return r.RefillPerSec
		case SortFallback:
			return r.FallbackPer
		case SortFree:
			return r.FreePerSec
		case SortLive:
			return float64(r.LiveBlocks)
		case SortBytes:
			return float64(r.LiveBytes)
		}
		return r.RemotePerSec
	}
	slices.SortStableFunc(rows, func(a, b ClassRow) int { return cmp.Compare(key(b), key(a)) })
	return rows
}

// render rebuilds the table's columns and rows from the frame, keeping the
// cursor on the class it was on.
func (m *classesModel) render() {
	if m.width == 0 {
		return
	}
	// The cursor stays on its class when the order changes, unless it is
	// on the first row: then it stays there, so a new sort shows the top.
	var selected string
	if m.cursor > 0 && m.cursor < len(m.shown) {
		selected = m.shown[m.cursor]
	}
	mins := slices.Clone(classMinWidths)
	need := 0
	for _, v := range mins {
		need += v + cellPad
	}
	for _, c := range classDropOrder {
		if need <= m.width {
			break
		}
		if c != int(m.sort) {
			need -= mins[c] + cellPad
			mins[c] = 0
		}
	}
	widths := fitColumns(m.width, mins, nil, colSpark, HistoryLen)
	cols := make([]table.Column, numClassCols)
	for i := range cols {
		title := classTitles[i]
		if i > colClass && i < colSpark {
			title = alignRight(titled(title, int(m.sort) == i), widths[i])
		} else {
			title = titled(title, int(m.sort) == i && i == colClass)
		}
		cols[i] = table.Column{Title: title, Width: widths[i]}
	}
	rows := m.sortedRows()
	out := make([]table.Row, len(rows))
	m.shown = m.shown[:0]
	cursor := -1
	for i, r := range rows {
		m.shown = append(m.shown, r.Class)
		cells := table.Row{
			r.Class,
			alignRight(r.SizeLabel, widths[colSize]),
			alignRight(textfmt.Rate(r.AllocPerSec), widths[colAlloc]),
			alignRight(textfmt.Percent(r.FastRatio), widths[colFast]),
			alignRight(textfmt.Rate(r.RefillPerSec), widths[colRefill]),
			alignRight(textfmt.Rate(r.FallbackPer), widths[colFallback]),
			alignRight(textfmt.Rate(r.FreePerSec), widths[colFree]),
			alignRight(textfmt.Rate(r.RemotePerSec), widths[colRemote]),
			alignRight(textfmt.Rate(float64(r.LiveBlocks)), widths[colLive]),
			alignRight(textfmt.Bytes(r.LiveBytes), widths[colLiveBytes]),
			drawSparkline(r.History, widths[colSpark], m.styles.RowSpark),
		}
		if r.Idle() {
			for c := range colSpark {
				cells[c] = m.memo.render("dim", m.styles.Dim, cells[c])
			}
		}
		if r.Class == selected {
			cursor = i
		}
		out[i] = cells
	}
	if m.setTable(cols, out, cursor) || m.view == "" {
		m.finish()
	}
}

// cycleSort moves the sort to the next column.
func (m *classesModel) cycleSort() {
	m.sort = (m.sort + 1) % numSortColumns
	m.render()
}

// Update scrolls the table when the panel has focus.
func (m classesModel) Update(msg tea.Msg) (classesModel, tea.Cmd) {
	if k, ok := msg.(tea.KeyPressMsg); ok && m.focused && m.scroll(k) {
		m.render() // the window moved, and the rows the cursor left and reached restyle
	}
	return m, nil
}

func (m classesModel) View() string { return m.view }
